"""The OpenAI front: ``/v1/chat/completions``, ``/v1/completions``, ``/v1/embeddings``,
``/v1/moderations`` (and ``/v1/edits``). The hub *is* this format, so decoding validates and
returns the body itself; encoding only re-keys reasoning text for ``?reasoning_format=``."""
from __future__ import annotations

import orjson

from ..errors import InvalidRequest
from ..relay import tokenizer
from .context import FORMAT_OPENAI, RelayContext
from .modes import COUNT_MODES, RelayMode
from .sse import DONE_EVENT, encode_json

try:
    from .reasoning import apply_reasoning_format
except ImportError:  # pragma: no cover
    apply_reasoning_format = None

MAX_TOKENS_LIMIT = (2 ** 31 - 1) // 2
DEFAULT_MODELS = {RelayMode.MODERATIONS: "text-moderation-stable"}


def _invalid(message: str, param: str | None = None) -> InvalidRequest:
    return InvalidRequest(message, code="invalid_text_request", param=param)


class OpenAIFront:
    format = FORMAT_OPENAI

    def __init__(self, mode: RelayMode, path_model: str = "", approximate_tokens: bool = False):
        self.mode = mode
        self.path_model = path_model
        self.approximate = approximate_tokens

    # -- request
    def model_of(self, body: dict) -> str:
        model = body.get("model")
        if isinstance(model, str) and model:
            return model
        return self.path_model or DEFAULT_MODELS.get(self.mode, "")

    def is_stream(self, body: dict) -> bool:
        return body.get("stream") is True and self.mode in (RelayMode.CHAT, RelayMode.COMPLETIONS)

    def decode_request(self, ctx: RelayContext, body: dict) -> dict:
        """Validate (reference relay §2.4 step 2); the hub request is the body itself."""
        for key in ("max_tokens", "max_completion_tokens"):
            value = body.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                      or value < 0 or value > MAX_TOKENS_LIMIT):
                raise _invalid(f"{key} is invalid", key)
        mode = self.mode
        if mode == RelayMode.CHAT:
            messages = body.get("messages")
            if not isinstance(messages, list) or not messages:
                raise _invalid("field messages is required", "messages")
            if not all(isinstance(m, dict) for m in messages):
                raise _invalid("each message must be an object", "messages")
        elif mode == RelayMode.COMPLETIONS:
            if body.get("prompt") in (None, "", []):
                raise _invalid("field prompt is required", "prompt")
        elif mode in (RelayMode.EMBEDDINGS, RelayMode.MODERATIONS):
            if body.get("input") in (None, "", []):
                raise _invalid("field input is required", "input")
        elif mode == RelayMode.EDITS:
            if not body.get("instruction"):
                raise _invalid("field instruction is required", "instruction")
        if "stream" in body and not isinstance(body["stream"], bool):
            raise _invalid("stream must be a boolean", "stream")
        return body

    def prompt_tokens(self, ctx: RelayContext, body: dict) -> int:
        count_mode = COUNT_MODES.get(self.mode)
        if count_mode is None:
            return 0
        req = body if body.get("model") else {**body, "model": ctx.origin_model}
        try:
            return tokenizer.count_input_tokens(req, count_mode, self.approximate)
        except (ValueError, TypeError):
            return 0

    def max_tokens(self, body: dict) -> int:
        for key in ("max_completion_tokens", "max_tokens"):
            value = body.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
        return 0

    # -- response
    def passthrough_response(self, ctx: RelayContext) -> bool:
        return ctx.reasoning_format is None

    def _reformat(self, ctx: RelayContext, obj: dict, key: str) -> dict:
        if ctx.reasoning_format is None or apply_reasoning_format is None:
            return obj
        choices = obj.get("choices")
        if not isinstance(choices, list):
            return obj
        out = []
        for choice in choices:
            if isinstance(choice, dict) and isinstance(choice.get(key), dict):
                choice = {**choice, key: apply_reasoning_format(choice[key], ctx.reasoning_format)}
            out.append(choice)
        return {**obj, "choices": out}

    def encode_response(self, ctx: RelayContext, hub: dict) -> bytes:
        return orjson.dumps(self._reformat(ctx, hub, "message"))

    def encode_chunk(self, ctx: RelayContext, chunk: dict) -> bytes:
        return encode_json(self._reformat(ctx, chunk, "delta"))

    def encode_done(self, ctx: RelayContext, usage: dict | None) -> bytes:
        return DONE_EVENT

    def encode_error(self, ctx: RelayContext, status: int, error: dict) -> bytes:
        return orjson.dumps({"error": _with_request_id(error, ctx.request_id)})

    def encode_stream_error(self, ctx: RelayContext, error: dict) -> bytes:
        return encode_json({"error": _with_request_id(error, ctx.request_id)})


def _with_request_id(error: dict, request_id: str) -> dict:
    message = str(error.get("message") or "")
    if request_id and request_id not in message:
        message = f"{message} (request id: {request_id})"
    return {"message": message, "type": error.get("type") or "upstream_error",
            "param": error.get("param"), "code": error.get("code")}
