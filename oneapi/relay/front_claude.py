"""The Anthropic Messages front: ``POST /v1/messages`` (and the Claude-Code path rewrites).

Decodes the Claude body to the hub (``fronts.claude``) and encodes hub responses / chunks back
into the exact Anthropic dialect. On an Anthropic channel the body passes through untouched
(``providers.anthropic.adapter``), so only the error rendering here is used.

One instance per request: the stream encoder keeps the per-stream block state.
"""
from __future__ import annotations

import secrets

import orjson

from ..errors import InvalidRequest
from . import tokenizer
from .context import FORMAT_ANTHROPIC, RelayContext
from .fronts import ConversionError
from .fronts.claude import ClaudeStreamEncoder, chat_error_to_claude_error, chat_to_claude_response, \
    claude_to_chat_request

MAX_TOKENS_LIMIT = (2 ** 31 - 1) // 2
ROLES = ("user", "assistant", "system")

# ctx.extra keys shared with the native Anthropic adapter
EXTRA_BODY = "claude_body"
EXTRA_VERSION = "anthropic_version"
EXTRA_BETA = "anthropic_beta"


def _new_id() -> str:
    return secrets.token_hex(12)


def _invalid(message: str, param: str | None = None) -> InvalidRequest:
    return InvalidRequest(message, code="invalid_request", param=param)


def validate_claude_request(body: dict) -> None:
    """Reject what Anthropic itself would reject with a 400, before any channel is picked."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid("messages: field required (a non-empty list)", "messages")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise _invalid(f"messages.{i}: must be an object", "messages")
        if msg.get("role") not in ROLES:
            raise _invalid(f"messages.{i}.role: must be 'user' or 'assistant'", "messages")
        content = msg.get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise _invalid(f"messages.{i}.content: must be a string or a list of blocks", "messages")
        if isinstance(content, list) and not all(isinstance(b, dict) for b in content):
            raise _invalid(f"messages.{i}.content: every block must be an object", "messages")
    value = body.get("max_tokens")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                              or value < 1 or value > MAX_TOKENS_LIMIT):
        raise _invalid("max_tokens: must be a positive integer", "max_tokens")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise _invalid("stream: must be a boolean", "stream")
    system = body.get("system")
    if system is not None and not isinstance(system, (str, list)):
        raise _invalid("system: must be a string or a list of text blocks", "system")
    for key in ("tools",):
        if body.get(key) is not None and not isinstance(body[key], list):
            raise _invalid(f"{key}: must be a list", key)


def count_prompt_tokens(body: dict, body_size: int = 0, approximate: bool = False) -> int:
    try:
        return tokenizer.count_claude_messages_tokens(body, body_size, approximate)
    except (ValueError, TypeError, AttributeError):
        return 0


class ClaudeFront:
    format = FORMAT_ANTHROPIC

    def __init__(self, anthropic_version: str = "", anthropic_beta: str = "", body_size: int = 0,
                 approximate_tokens: bool = False):
        self.anthropic_version = anthropic_version
        self.anthropic_beta = anthropic_beta
        self.body_size = body_size
        self.approximate = approximate_tokens
        self.encoder: ClaudeStreamEncoder | None = None
        self.errored = False

    # -- request
    def model_of(self, body: dict) -> str:
        model = body.get("model")
        return model if isinstance(model, str) else ""

    def is_stream(self, body: dict) -> bool:
        return body.get("stream") is True

    def decode_request(self, ctx: RelayContext, body: dict) -> dict:
        validate_claude_request(body)
        try:
            hub = claude_to_chat_request(body)
        except ConversionError as err:
            raise InvalidRequest(err.message, code="invalid_request", param=err.param) from None
        except (TypeError, AttributeError, ValueError) as err:
            raise _invalid(f"malformed Messages request: {err}") from None
        if not hub.get("messages"):
            raise _invalid("messages: at least one message with content is required", "messages")
        ctx.extra[EXTRA_BODY] = body
        if self.anthropic_version:
            ctx.extra[EXTRA_VERSION] = self.anthropic_version
        if self.anthropic_beta:
            ctx.extra[EXTRA_BETA] = self.anthropic_beta
        return hub

    def prompt_tokens(self, ctx: RelayContext, body: dict) -> int:
        req = body if body.get("model") else {**body, "model": ctx.origin_model}
        return count_prompt_tokens(req, self.body_size, self.approximate)

    def max_tokens(self, body: dict) -> int:
        value = body.get("max_tokens")
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

    # -- response
    def passthrough_response(self, ctx: RelayContext) -> bool:
        return True

    def encode_response(self, ctx: RelayContext, hub: dict) -> bytes:
        return orjson.dumps(chat_to_claude_response(hub, ctx.origin_model, _new_id))

    def _encoder(self, ctx: RelayContext) -> ClaudeStreamEncoder:
        if self.encoder is None:
            self.encoder = ClaudeStreamEncoder(ctx.origin_model, _new_id, ctx.prompt_tokens)
        return self.encoder

    def encode_chunk(self, ctx: RelayContext, chunk: dict) -> bytes:
        if self.errored:
            return b""
        if chunk.get("error"):
            self.errored = True
        return b"".join(self._encoder(ctx).feed(chunk))

    def encode_done(self, ctx: RelayContext, usage: dict | None) -> bytes:
        if self.errored:
            return b""
        return b"".join(self._encoder(ctx).finish(usage))

    def encode_error(self, ctx: RelayContext, status: int, error: dict) -> bytes:
        return orjson.dumps(claude_error_body(status, error, ctx.request_id))

    def encode_stream_error(self, ctx: RelayContext, error: dict) -> bytes:
        if self.errored:
            return b""
        self.errored = True
        return self._encoder(ctx).error_event(500, _with_request_id(error, ctx.request_id))


def _with_request_id(error: dict, request_id: str) -> dict:
    message = str(error.get("message") or "")
    if request_id and request_id not in message:
        message = f"{message} (request id: {request_id})"
    return {**error, "message": message}


def claude_error_body(status: int, error: dict, request_id: str = "") -> dict:
    """OpenAI error fields → ``{"type": "error", "error": {"type", "message"}}``."""
    return chat_error_to_claude_error(status, _with_request_id(error, request_id))
