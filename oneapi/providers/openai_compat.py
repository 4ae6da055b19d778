"""The OpenAI-compatible adapter: serves every channel type whose upstream speaks the OpenAI
wire format (OpenAI itself, Custom/OpenAI-compatible, DeepSeek, Groq, Mistral, SiliconFlow ...).

Requests are forwarded with unknown fields intact; OpenAI-family rewrites (reference relay
§5.3) are applied when the body is not passed through verbatim.
"""
from __future__ import annotations

import re

import orjson

from ..channel_types import ChannelType
from ..relay.context import FORMAT_OPENAI, RelayContext
from ..relay.modes import OPENAI_PATHS, RelayMode
from ..relay.sse import SSEEvent, plain_block_payloads
from ..relay.usage import normalize_usage_dict
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder

try:  # written by the converters engineer; optional so this module never breaks on import
    from ..relay.reasoning import apply_thinking_param, rewrite_openai_request
except ImportError:  # pragma: no cover
    rewrite_openai_request = None
    apply_thinking_param = None

# Base URLs whose path already ends in an API version: append the endpoint directly.
_VERSIONED = re.compile(r"/(v\d+[a-z0-9]*)(/openai)?$|/openai/v\d+$")
# Types whose API root is not ``/v1`` when the base URL is a bare origin.
_API_ROOT = {
    int(ChannelType.DOUBAO): "/api/v3",
    int(ChannelType.ALI_BAILIAN): "/compatible-mode/v1",
    int(ChannelType.DEEPINFRA): "/v1/openai",
    int(ChannelType.BAIDU_V2): "/v2",
}
TEXT_MODES = frozenset({RelayMode.CHAT, RelayMode.COMPLETIONS, RelayMode.EMBEDDINGS,
                        RelayMode.MODERATIONS, RelayMode.EDITS})


def openai_url(base_url: str, channel_type: int, mode: RelayMode, suffix: str | None = None) -> str:
    """``<base>[/v1]<endpoint path>`` with one-api's per-type API roots."""
    base = base_url.rstrip("/")
    path = suffix if suffix is not None else OPENAI_PATHS.get(mode, "/chat/completions")
    scheme_sep = base.find("://")
    base_path = base[base.find("/", scheme_sep + 3):] if base.find("/", scheme_sep + 3) != -1 else ""
    if base_path and _VERSIONED.search(base_path):
        return base + path
    if not base_path:
        return base + _API_ROOT.get(int(channel_type), "/v1") + path
    return base + "/v1" + path


class OpenAIStreamDecoder(StreamDecoder):
    """OpenAI ``chat.completion.chunk`` / completion SSE. Chunks are already hub chunks."""

    __slots__ = ("_usage", "_parts", "done", "_raw", "_blocks", "_usage_seen", "_text_seen")

    def __init__(self):
        self._usage: dict | None = None
        self._parts: list[str] = []
        self.done = False
        self._raw: list[bytes] = []  # passthrough: event payloads, parsed only when asked
        self._blocks: list[bytes] = []  # passthrough: whole ``data:`` blocks, split when asked
        self._usage_seen = 0
        self._text_seen = 0

    def _inspect(self, chunk: dict) -> None:
        usage = chunk.get("usage")
        if isinstance(usage, dict) and usage:
            self._usage = usage
        self._collect_text(chunk)

    def _collect_text(self, chunk: dict) -> None:
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict):
                for key in ("content", "reasoning_content", "reasoning"):
                    value = delta.get(key)
                    if isinstance(value, str) and value:
                        self._parts.append(value)
                for call in delta.get("tool_calls") or ():
                    fn = call.get("function") if isinstance(call, dict) else None
                    if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                        self._parts.append(fn["arguments"])
            elif isinstance(choice.get("text"), str):  # legacy completions stream
                self._parts.append(choice["text"])

    def feed(self, event: SSEEvent) -> list[dict]:
        if event.data == b"[DONE]":
            self.done = True
            return []
        try:
            chunk = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            return []
        if not isinstance(chunk, dict):
            return []
        self._inspect(chunk)
        return [chunk]

    def observe(self, event: SSEEvent) -> bool:
        """Passthrough: no JSON parse per chunk; usage/text are read from the payloads on demand."""
        if self._blocks:
            self._split_blocks()
        if event.data == b"[DONE]":
            self.done = True
            return True
        self._raw.append(event.data)
        return False

    def observe_block(self, block: bytes) -> None:
        self._blocks.append(block)  # not even split until usage or text is asked for

    def _split_blocks(self) -> None:
        raw = self._raw
        for block in self._blocks:
            for payload in plain_block_payloads(block):
                if payload == b"[DONE]":
                    self.done = True
                else:
                    raw.append(payload)
        self._blocks = []

    @staticmethod
    def _load(data: bytes):
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None
        return chunk if isinstance(chunk, dict) else None

    def usage(self) -> dict | None:
        if self._blocks:
            self._split_blocks()
        raw = self._raw
        for i in range(self._usage_seen, len(raw)):
            if b'"usage"' in raw[i]:  # only chunks that can carry usage are parsed
                chunk = self._load(raw[i])
                usage = chunk.get("usage") if chunk is not None else None
                if isinstance(usage, dict) and usage:
                    self._usage = usage
        self._usage_seen = len(raw)
        return self._usage

    def text(self) -> str:
        if self._blocks:
            self._split_blocks()
        raw = self._raw
        for i in range(self._text_seen, len(raw)):
            chunk = self._load(raw[i])
            if chunk is not None:
                self._collect_text(chunk)
        self._text_seen = len(raw)
        return "".join(self._parts)


@register
class OpenAICompatible(Adapter):
    channel_types = (
        ChannelType.UNKNOWN, ChannelType.OPENAI, ChannelType.API2D, ChannelType.CLOSEAI,
        ChannelType.OPENAI_SB, ChannelType.OPENAI_MAX, ChannelType.OHMYGPT, ChannelType.CUSTOM,
        ChannelType.AILS, ChannelType.AIPROXY, ChannelType.API2GPT, ChannelType.AIGC2D,
        ChannelType.AI360, ChannelType.OPENROUTER, ChannelType.FASTGPT, ChannelType.MOONSHOT,
        ChannelType.BAICHUAN, ChannelType.MINIMAX, ChannelType.MISTRAL, ChannelType.GROQ,
        ChannelType.LINGYIWANWU, ChannelType.STEPFUN, ChannelType.DEEPSEEK, ChannelType.TOGETHERAI,
        ChannelType.DOUBAO, ChannelType.NOVITA, ChannelType.SILICONFLOW, ChannelType.XAI,
        ChannelType.BAIDU_V2, ChannelType.XUNFEI_V2, ChannelType.ALI_BAILIAN,
        ChannelType.OPENAI_COMPATIBLE, ChannelType.GEMINI_OPENAI_COMPATIBLE, ChannelType.COPILOT,
        ChannelType.FIREWORKS, ChannelType.NVIDIA, ChannelType.CEREBRAS, ChannelType.DEEPINFRA,
        ChannelType.CLOUDFLARE,
    )
    native_format = FORMAT_OPENAI
    modes = TEXT_MODES
    slug = "openai"

    def request_url(self, ctx: RelayContext) -> str:
        override = (ctx.config.get("endpoint_urls") or {}) if isinstance(ctx.config, dict) else {}
        from ..relay.modes import endpoint_name

        name = endpoint_name(ctx.mode)
        if isinstance(override, dict) and name and override.get(name):
            return str(override[name])
        return openai_url(ctx.base_url, ctx.channel_type, ctx.mode)

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {ctx.api_key}"}
        if ctx.channel is not None and ctx.channel.openai_organization:
            headers["OpenAI-Organization"] = ctx.channel.openai_organization
        if ctx.channel_type == ChannelType.OPENROUTER:
            headers.setdefault("HTTP-Referer", "https://github.com/Laisky/one-api")
            headers.setdefault("X-Title", "One API")
        return headers

    def passthrough_request(self, ctx: RelayContext, body: dict) -> bool:
        """Reference relay §2.5: raw bytes go up only when nothing would be rewritten."""
        if ctx.actual_model != ctx.origin_model or ctx.thinking is not None or ctx.system_prompt_reset:
            return False
        if ctx.mode in (RelayMode.EMBEDDINGS, RelayMode.MODERATIONS):
            return True
        if ctx.is_stream and ctx.enforce_include_usage:
            return False
        if ctx.channel_type in (ChannelType.OPENAI, ChannelType.BAICHUAN):
            return False  # OpenAI rewrites always apply on the official API
        return "response_format" not in body and "extra_body" not in body

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        out = dict(body)
        if "model" in out or ctx.mode in (RelayMode.CHAT, RelayMode.COMPLETIONS):
            out["model"] = ctx.actual_model
        extra = out.pop("extra_body", None)
        if isinstance(extra, dict):
            for key, value in extra.items():
                out.setdefault(key, value)
        if ctx.mode == RelayMode.CHAT:
            if apply_thinking_param is not None:
                out = apply_thinking_param(out, ctx.thinking, ctx.actual_model, ctx.reasoning_effort)
                extra = out.pop("extra_body", None)
                if isinstance(extra, dict):
                    for key, value in extra.items():
                        out.setdefault(key, value)
            if rewrite_openai_request is not None:
                out = rewrite_openai_request(out, enforce_include_usage=ctx.enforce_include_usage,
                                             default_max_tokens=ctx.default_max_tokens)
            elif out.get("stream") and ctx.enforce_include_usage:
                out["stream_options"] = {**(out.get("stream_options") or {}), "include_usage": True}
        elif ctx.mode == RelayMode.COMPLETIONS and out.get("stream") and ctx.enforce_include_usage:
            out["stream_options"] = {**(out.get("stream_options") or {}), "include_usage": True}
        return PreparedRequest(json=out)

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        usage = body.get("usage")
        if isinstance(usage, dict):
            normalize_usage_dict(usage)
        return body

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return OpenAIStreamDecoder()

    def for_request(self, ctx: RelayContext) -> Adapter:
        """Response API upstream (config ``api_format: "response"``, native /v1/responses)."""
        from .responses_api.adapter import route_openai

        return route_openai(self, ctx)
