"""The OpenAI Response API front: ``POST /v1/responses``.

On channels that speak the Response API (``providers.responses_api.adapter``) the body passes
through; elsewhere it is decoded to the hub (``fronts.responses``) and the chat result is
rendered back as a Response object / Response SSE events. The gateway keeps no response state:
``previous_response_id`` / ``conversation`` answer a clear 400.

One instance per request: the stream encoder keeps the per-stream item state.
"""
from __future__ import annotations

import secrets

import orjson

from ..errors import InvalidRequest
from . import tokenizer
from .context import FORMAT_RESPONSES, RelayContext
from .fronts import ConversionError
from .fronts.responses import ResponsesStreamEncoder, chat_to_responses_response, responses_to_chat_request
from .sse import encode_json

MAX_TOKENS_LIMIT = (2 ** 31 - 1) // 2
EXTRA_BODY = "responses_body"


def _new_id() -> str:
    return secrets.token_hex(12)


def _invalid(message: str, param: str | None = None) -> InvalidRequest:
    return InvalidRequest(message, code="invalid_request", param=param)


def validate_responses_request(body: dict) -> None:
    items = body.get("input")
    if items is None or items == "" or items == []:
        raise _invalid("input: field required (a string or a list of items)", "input")
    if not isinstance(items, (str, list)):
        raise _invalid("input: must be a string or a list of items", "input")
    if isinstance(items, list) and not all(isinstance(i, dict) for i in items):
        raise _invalid("input: every item must be an object", "input")
    value = body.get("max_output_tokens")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value < 1 or value > MAX_TOKENS_LIMIT):
        raise _invalid("max_output_tokens: must be a positive integer", "max_output_tokens")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise _invalid("stream: must be a boolean", "stream")
    if body.get("tools") is not None and not isinstance(body["tools"], list):
        raise _invalid("tools: must be a list", "tools")
    for key in ("previous_response_id", "conversation"):
        if body.get(key):
            raise _invalid(f"{key} is not supported: this gateway keeps no response state; "
                           f"send the full conversation in input", key)


class ResponsesFront:
    format = FORMAT_RESPONSES

    def __init__(self, approximate_tokens: bool = False):
        self.approximate = approximate_tokens
        self.encoder: ResponsesStreamEncoder | None = None
        self.errored = False
        self.body: dict = {}

    # -- request
    def model_of(self, body: dict) -> str:
        model = body.get("model")
        return model if isinstance(model, str) else ""

    def is_stream(self, body: dict) -> bool:
        return body.get("stream") is True

    def decode_request(self, ctx: RelayContext, body: dict) -> dict:
        validate_responses_request(body)
        try:
            hub = responses_to_chat_request(body)
        except ConversionError as err:
            raise InvalidRequest(err.message, code="invalid_request", param=err.param,
                                 status=err.status) from None
        except (TypeError, AttributeError, ValueError) as err:
            raise _invalid(f"malformed Response API request: {err}") from None
        if not hub.get("messages"):
            raise _invalid("input: at least one message is required", "input")
        self.body = body
        ctx.extra[EXTRA_BODY] = body
        return hub

    def prompt_tokens(self, ctx: RelayContext, body: dict) -> int:
        req = body if body.get("model") else {**body, "model": ctx.origin_model}
        try:
            return tokenizer.count_response_input_tokens(req, self.approximate)
        except (ValueError, TypeError, AttributeError):
            return 0

    def max_tokens(self, body: dict) -> int:
        value = body.get("max_output_tokens")
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

    # -- response
    def passthrough_response(self, ctx: RelayContext) -> bool:
        return True

    def _request_body(self, ctx: RelayContext) -> dict:
        body = self.body or ctx.extra.get(EXTRA_BODY) or {}
        return {**body, "model": ctx.origin_model}

    def encode_response(self, ctx: RelayContext, hub: dict) -> bytes:
        out = chat_to_responses_response(hub, self._request_body(ctx), ctx.now(), _new_id)
        out["model"] = ctx.origin_model
        return orjson.dumps(out)

    def _encoder(self, ctx: RelayContext) -> ResponsesStreamEncoder:
        if self.encoder is None:
            self.encoder = ResponsesStreamEncoder(self._request_body(ctx), ctx.origin_model, ctx.now(), _new_id)
        return self.encoder

    def encode_chunk(self, ctx: RelayContext, chunk: dict) -> bytes:
        if self.errored:
            return b""
        if chunk.get("error"):
            self.errored = True
            chunk = {**chunk, "error": _with_request_id(chunk["error"], ctx.request_id)}
        return b"".join(self._encoder(ctx).feed(chunk))

    def encode_done(self, ctx: RelayContext, usage: dict | None) -> bytes:
        if self.errored:
            return b""
        return b"".join(self._encoder(ctx).finish(usage))

    def encode_error(self, ctx: RelayContext, status: int, error: dict) -> bytes:
        return orjson.dumps({"error": _openai_error(error, ctx.request_id)})

    def encode_stream_error(self, ctx: RelayContext, error: dict) -> bytes:
        if self.errored:
            return b""
        self.errored = True
        error = _with_request_id(error, ctx.request_id)
        if self.encoder is None or not self.encoder.started:
            return encode_json({"type": "error", **_openai_error(error, "")})
        return b"".join(self.encoder.fail(error))


def _with_request_id(error: dict, request_id: str) -> dict:
    message = str(error.get("message") or "")
    if request_id and request_id not in message:
        message = f"{message} (request id: {request_id})"
    return {**error, "message": message}


def _openai_error(error: dict, request_id: str) -> dict:
    error = _with_request_id(error, request_id)
    return {"message": error["message"], "type": error.get("type") or "upstream_error",
            "param": error.get("param"), "code": error.get("code")}
