"""Native Anthropic Messages channels: Anthropic (14) and Claude-compatible (52).

``/v1/messages`` callers pass through (raw bytes when nothing is rewritten; otherwise their
own body with the mapped model — never a lossy hub round trip); ``/v1/chat/completions`` and
``/v1/responses`` callers are converted through the hub (``convert`` / ``stream``).
Usage is read from the Anthropic ``usage`` object, cache reads and writes included.
"""
from __future__ import annotations

import orjson

from ...channel_types import ChannelType
from ...relay.context import FORMAT_ANTHROPIC, RelayContext
from ...relay.modes import RelayMode
from ...relay.sse import SSEEvent
from .. import register
from ..base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo
from .convert import anthropic_error_to_openai, anthropic_to_chat_response, anthropic_usage_to_chat, \
    chat_to_anthropic_request
from .stream import AnthropicStreamDecoder

try:
    from ...relay.reasoning import apply_thinking_param
except ImportError:  # pragma: no cover
    apply_thinking_param = None

ANTHROPIC_VERSION = "2023-06-01"
BETA_BASE = "messages-2023-12-15"
# ctx.extra keys written by the Claude front
EXTRA_BODY = "claude_body"
EXTRA_VERSION = "anthropic_version"
EXTRA_BETA = "anthropic_beta"
NULLABLE_SAMPLING = ("temperature", "top_p", "top_k")


def messages_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.endswith("/v1/messages"):
        return base
    if base.endswith("/v1"):
        return base + "/messages"
    return base + "/v1/messages"


def _betas(ctx: RelayContext) -> str:
    seen: list[str] = []
    for raw in (ctx.extra.get(EXTRA_BETA) or "", BETA_BASE):
        for item in raw.split(","):
            item = item.strip().lower()
            if item and item not in seen:
                seen.append(item)
    model = ctx.actual_model.lower()
    if model.startswith("claude-3-7-sonnet"):
        seen.append("output-128k-2025-02-19")
    return ",".join(seen)


def strip_unsigned_thinking(messages: list) -> list:
    """Assistant thinking blocks without a signature are rejected by Anthropic: drop them."""
    out = []
    for msg in messages:
        content = msg.get("content") if isinstance(msg, dict) else None
        if isinstance(msg, dict) and msg.get("role") == "assistant" and isinstance(content, list):
            kept = [b for b in content if not (isinstance(b, dict) and b.get("type") == "thinking"
                                               and not b.get("signature"))]
            if len(kept) != len(content):
                msg = {**msg, "content": kept or [{"type": "text", "text": "..."}]}
        out.append(msg)
    return out


# Anthropic's 400 answers for thinking blocks it cannot verify (one-api retries these once
# with every thinking block removed from the history, reference relay §4 Claude Messages).
SIGNATURE_ERRORS = ("invalid `signature` in `thinking` block", "invalid signature in thinking block",
                    ".thinking.signature: field required")
EXTRA_SIGNATURE_RETRY = "anthropic_signature_retry"
THINKING_BLOCKS = ("thinking", "redacted_thinking")


def is_signature_error(status: int, body: bytes) -> bool:
    if status != 400 or not body:
        return False
    text = body[:4000].decode("utf-8", "replace").lower()
    return any(marker in text for marker in SIGNATURE_ERRORS)


def strip_thinking_blocks(messages: list) -> tuple[list, bool]:
    """Every thinking / redacted_thinking block removed from assistant turns; (messages, changed)."""
    out, changed = [], False
    for msg in messages:
        content = msg.get("content") if isinstance(msg, dict) else None
        if isinstance(msg, dict) and msg.get("role") == "assistant" and isinstance(content, list):
            kept = [b for b in content if not (isinstance(b, dict) and b.get("type") in THINKING_BLOCKS)]
            if len(kept) != len(content):
                changed = True
                msg = {**msg, "content": kept or [{"type": "text", "text": "..."}]}
        out.append(msg)
    return out, changed


def _fold_inline_system(body: dict) -> dict:
    """``role: "system"`` turns inside ``messages`` (newer Claude Code) → top-level system."""
    messages = body.get("messages") or []
    inline = [m for m in messages if isinstance(m, dict) and m.get("role") == "system"]
    if not inline:
        return body
    blocks = []
    system = body.get("system")
    if isinstance(system, str) and system:
        blocks.append({"type": "text", "text": system})
    elif isinstance(system, list):
        blocks.extend(system)
    for msg in inline:
        content = msg.get("content")
        if isinstance(content, str):
            if content:
                blocks.append({"type": "text", "text": content})
        elif isinstance(content, list):
            blocks.extend(b for b in content if isinstance(b, dict) and b.get("type") == "text" and b.get("text"))
    out = {**body, "messages": [m for m in messages if not (isinstance(m, dict) and m.get("role") == "system")]}
    out["system"] = blocks
    return out


def rewrite_claude_body(ctx: RelayContext, body: dict) -> dict:
    """The caller's own Messages body, made acceptable to the channel (one-api §4.1)."""
    out = {k: v for k, v in body.items() if k != "extra_body"}
    out["model"] = ctx.actual_model
    for key in NULLABLE_SAMPLING:
        if key in out and out[key] is None:
            del out[key]
    out = _fold_inline_system(out)
    if isinstance(out.get("messages"), list):
        out["messages"] = strip_unsigned_thinking(out["messages"])
    if not out.get("max_tokens"):
        out["max_tokens"] = ctx.default_max_tokens
    if ctx.system_prompt_reset and ctx.channel is not None:
        out["system"] = ctx.channel.system_prompt
    if ctx.thinking is True and "thinking" not in out:
        from .convert import supports_thinking

        if supports_thinking(ctx.actual_model):
            budget = max(1024, min(4096, int(out["max_tokens"]) // 2))
            if budget < int(out["max_tokens"]):
                out["thinking"] = {"type": "enabled", "budget_tokens": budget}
                for key in NULLABLE_SAMPLING:
                    out.pop(key, None)
    elif ctx.thinking is False and isinstance(out.get("thinking"), dict):
        out.pop("thinking", None)
    return out


class AnthropicSSEDecoder(StreamDecoder):
    """Pipeline-facing wrapper of :class:`AnthropicStreamDecoder` (SSEEvent in, hub chunks out)."""

    __slots__ = ("inner", "_parts", "_stop")

    def __init__(self, now: int):
        self.inner = AnthropicStreamDecoder(now)
        self._parts: list[str] = []
        self._stop = False

    def _decode(self, event: SSEEvent) -> list[dict]:
        if event.data == b"[DONE]":
            self._stop = True
            return []
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            return []
        if not isinstance(data, dict):
            return []
        chunks = self.inner.feed(event.event, data)
        for chunk in chunks:
            for choice in chunk.get("choices") or ():
                delta = choice.get("delta") or {}
                for key in ("content", "reasoning_content"):
                    if isinstance(delta.get(key), str):
                        self._parts.append(delta[key])
                for call in delta.get("tool_calls") or ():
                    args = (call.get("function") or {}).get("arguments")
                    if isinstance(args, str):
                        self._parts.append(args)
        if (data.get("type") or event.event) == "message_stop":
            self._stop = True
        return chunks

    def feed(self, event: SSEEvent) -> list[dict]:
        return self._decode(event)

    def observe(self, event: SSEEvent) -> bool:
        self._decode(event)
        return self._stop

    def usage(self) -> dict | None:
        return self.inner.usage()

    def text(self) -> str:
        return "".join(self._parts)


def anthropic_request_body(ctx: RelayContext, body: dict, *, force_stream: bool = False) -> dict:
    """The Anthropic Messages body for ``ctx`` (shared by Anthropic, Bedrock and Vertex Claude):
    a ``/v1/messages`` caller's own body rewritten, else the hub request converted."""
    original = ctx.extra.get(EXTRA_BODY)
    if ctx.front_format == FORMAT_ANTHROPIC and isinstance(original, dict):
        return rewrite_claude_body(ctx, original)
    hub = {**body, "model": ctx.actual_model}
    if force_stream:
        hub["stream"] = True
    if apply_thinking_param is not None and ctx.thinking is not None:
        hub = apply_thinking_param(hub, ctx.thinking, ctx.actual_model, ctx.reasoning_effort)
        if ctx.thinking is False:
            hub["thinking"] = {"type": "disabled"}
    try:
        out = chat_to_anthropic_request(hub, ctx.default_max_tokens)
    except (TypeError, AttributeError, KeyError) as err:
        raise ValueError(f"cannot convert the request to the Anthropic format: {err}") from None
    if not out["messages"]:
        raise ValueError("messages: at least one user or assistant message with content is required")
    return out


@register
class AnthropicAdapter(Adapter):
    channel_types = (ChannelType.ANTHROPIC, ChannelType.CLAUDE_COMPATIBLE)
    native_format = FORMAT_ANTHROPIC
    modes = frozenset({RelayMode.CHAT, RelayMode.CLAUDE_MESSAGES, RelayMode.RESPONSE_API})
    slug = "anthropic"

    def request_url(self, ctx: RelayContext) -> str:
        override = ctx.config.get("endpoint_urls") if isinstance(ctx.config, dict) else None
        if isinstance(override, dict) and override.get("claude_messages"):
            return str(override["claude_messages"])
        return messages_url(ctx.base_url or "https://api.anthropic.com")

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"x-api-key": ctx.api_key, "anthropic-version": ctx.extra.get(EXTRA_VERSION) or ANTHROPIC_VERSION,
                "anthropic-beta": _betas(ctx)}

    def passthrough_request(self, ctx: RelayContext, body: dict) -> bool:
        if ctx.actual_model != ctx.origin_model or ctx.thinking is not None or ctx.system_prompt_reset:
            return False
        if "extra_body" in body or not body.get("max_tokens"):
            return False
        for key in NULLABLE_SAMPLING:
            if key in body and body[key] is None:
                return False
        for msg in body.get("messages") or ():
            if not isinstance(msg, dict):
                continue
            if msg.get("role") == "system":
                return False
            content = msg.get("content")
            if msg.get("role") == "assistant" and isinstance(content, list) and any(
                    isinstance(b, dict) and b.get("type") == "thinking" and not b.get("signature") for b in content):
                return False
        return True

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        return PreparedRequest(json=anthropic_request_body(ctx, body, force_stream=ctx.is_stream))

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        hub = anthropic_to_chat_response(body, ctx.now())
        hub["model"] = ctx.origin_model
        if not hub.get("id"):
            hub["id"] = ctx.new_id()
        return hub

    def extract_usage(self, ctx: RelayContext, body: dict) -> dict | None:
        usage = body.get("usage") if isinstance(body, dict) else None
        return anthropic_usage_to_chat(usage) if isinstance(usage, dict) else None

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return AnthropicSSEDecoder(ctx.now())

    def retry_request(self, ctx: RelayContext, status: int, body: bytes,
                      prepared: PreparedRequest) -> PreparedRequest | None:
        """400 "Invalid `signature` in `thinking` block" / "thinking.signature: Field required":
        resend once, same channel, with all thinking blocks removed from the assistant history."""
        if ctx.extra.get(EXTRA_SIGNATURE_RETRY) or not is_signature_error(status, body):
            return None
        try:
            sent = orjson.loads(prepared.body) if prepared.body is not None else prepared.json
        except orjson.JSONDecodeError:
            return None
        if not isinstance(sent, dict) or not isinstance(sent.get("messages"), list):
            return None
        messages, changed = strip_thinking_blocks(sent["messages"])
        if not changed:
            return None
        ctx.extra[EXTRA_SIGNATURE_RETRY] = True
        return PreparedRequest(body=orjson.dumps({**sent, "messages": messages}), method=prepared.method,
                               url=prepared.url, headers=dict(prepared.headers),
                               stream_format=prepared.stream_format)

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        try:
            data = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            data = body[:1000].decode("utf-8", "replace") if body else ""
        err = anthropic_error_to_openai(status, data if data is not None else "")
        raw = err if isinstance(data, dict) and isinstance(data.get("error"), dict) else None
        return UpstreamErrorInfo(status, err["message"], type=err["type"] or "upstream_error", code=err["code"],
                                 param=None, raw=raw)
