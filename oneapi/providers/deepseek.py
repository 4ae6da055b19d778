"""DeepSeek (channel type 36): OpenAI wire format with DeepSeek's quirks (reference relay
§3, §5.4).

* streamed requests always ask for usage (``stream_options.include_usage``), never raw bytes;
* ``max_completion_tokens`` → ``max_tokens`` (DeepSeek ignores the former);
* ``thinking`` normalised to ``{"type": "enabled" | "disabled"}``;
* ``response_format: json_schema`` is not supported: downgraded to ``json_object`` plus a
  system instruction carrying the schema;
* tool messages must carry string content;
* ``reasoning_content`` passes through; ``prompt_cache_hit_tokens`` becomes cached tokens.
"""
from __future__ import annotations

import orjson

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from . import register
from .base import PreparedRequest
from .openai_compat import OpenAICompatible


def _normalize_thinking(value):
    if isinstance(value, dict):
        kind = str(value.get("type") or "").lower()
        return {"type": "disabled" if kind in ("disabled", "off", "false", "none") else "enabled"}
    if isinstance(value, bool):
        return {"type": "enabled" if value else "disabled"}
    if isinstance(value, str):
        return {"type": "disabled" if value.lower() in ("disabled", "off", "false", "none") else "enabled"}
    return value


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return "" if content is None else orjson.dumps(content).decode()


def deepseek_body(out: dict) -> dict:
    """Apply DeepSeek's request rules to an OpenAI chat body (mutates and returns it)."""
    mct = out.pop("max_completion_tokens", None)
    if mct and not out.get("max_tokens"):
        out["max_tokens"] = mct
    if "thinking" in out:
        out["thinking"] = _normalize_thinking(out["thinking"])
    fmt = out.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
        out["response_format"] = {"type": "json_object"}
        instruction = "Respond with a JSON object only." + (
            f" It must match this JSON schema: {orjson.dumps(schema).decode()}" if schema else "")
        messages = list(out.get("messages") or [])
        out["messages"] = [{"role": "system", "content": instruction}] + messages
    messages = out.get("messages")
    if isinstance(messages, list):
        fixed = []
        for m in messages:
            if isinstance(m, dict) and m.get("role") == "tool" and not isinstance(m.get("content"), str):
                m = {**m, "content": _text_of(m.get("content"))}
            fixed.append(m)
        out["messages"] = fixed
    return out


@register
class DeepSeek(OpenAICompatible):
    channel_types = (ChannelType.DEEPSEEK,)
    slug = "deepseek"

    def passthrough_request(self, ctx: RelayContext, body: dict) -> bool:
        if ctx.mode == RelayMode.CHAT and (body.get("stream") or "max_completion_tokens" in body
                                          or "thinking" in body or "response_format" in body):
            return False
        return super().passthrough_request(ctx, body)

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        prepared = super().convert_request(ctx, body)
        out = prepared.json
        if ctx.mode == RelayMode.CHAT and isinstance(out, dict):
            if out.get("stream"):
                out["stream_options"] = {**(out.get("stream_options") or {}), "include_usage": True}
            deepseek_body(out)
        return prepared
