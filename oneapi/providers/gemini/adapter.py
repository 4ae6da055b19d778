"""Native Google Gemini channels (type 24): ``generateContent`` / ``streamGenerateContent?alt=sse``
and ``batchEmbedContents``.

Every front reaches Gemini through the hub (``convert`` / ``stream``). The key travels in
``x-goog-api-key``; the API version is the channel's ``api_version``, else ``v1beta`` for the
models that need it (Gemini >= 1.5, previews, gemma-3), else ``GEMINI_VERSION``.
"""
from __future__ import annotations

import re

import orjson

from ...channel_types import ChannelType
from ...relay.context import FORMAT_GEMINI, RelayContext
from ...relay.modes import RelayMode
from ...relay.sse import SSEEvent
from .. import register
from ..base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo
from ..common import collect_text
from .convert import chat_to_gemini_request, gemini_error_to_openai, gemini_to_chat_response, gemini_usage_to_chat
from .stream import GeminiStreamDecoder

DEFAULT_BASE = "https://generativelanguage.googleapis.com"
_VERSION = re.compile(r"gemini-(\d+(?:\.\d+)?)")


def api_version(ctx: RelayContext) -> str:
    configured = ctx.config.get("api_version") if isinstance(ctx.config, dict) else None
    if isinstance(configured, str) and configured.strip():
        return configured.strip()
    model = ctx.actual_model.lower()
    match = _VERSION.search(model)
    if (match and float(match.group(1)) >= 1.5) or "preview" in model or "gemma-3" in model \
            or "exp" in model or "thinking" in model:
        return "v1beta"
    return ctx.gemini_version or "v1"


def model_url(ctx: RelayContext, action: str) -> str:
    base = (ctx.base_url or DEFAULT_BASE).rstrip("/")
    model = ctx.actual_model
    if model.startswith("models/"):
        model = model[len("models/"):]
    if re.search(r"/v\d+[a-z0-9]*$", base):  # base URL already carries the version
        return f"{base}/models/{model}:{action}"
    return f"{base}/{api_version(ctx)}/models/{model}:{action}"


class GeminiSSEDecoder(StreamDecoder):
    """Pipeline-facing wrapper of :class:`GeminiStreamDecoder`."""

    __slots__ = ("inner", "_parts")

    def __init__(self, model: str, now: int, new_id):
        self.inner = GeminiStreamDecoder(model, now, new_id)
        self._parts: list[str] = []

    def feed(self, event: SSEEvent) -> list[dict]:
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            return []
        if isinstance(data, list):  # non-SSE array stream: each element is one response
            chunks = []
            for item in data:
                if isinstance(item, dict):
                    chunks += self._feed_one(item)
            return chunks
        return self._feed_one(data) if isinstance(data, dict) else []

    def _feed_one(self, data: dict) -> list[dict]:
        chunks = self.inner.feed(data)
        for chunk in chunks:
            collect_text(chunk, self._parts, ("content", "reasoning_content"))
        return chunks

    def usage(self) -> dict | None:
        return self.inner.usage()

    def text(self) -> str:
        return "".join(self._parts)


def _embedding_texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError("input: Gemini embeddings accept a string or a list of strings")


def gemini_error_body(body: bytes):
    """An error body of Google's APIs: the JSON object (the first one when a list, as streaming
    endpoints send), else up to 1000 characters of text; None when empty."""
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return body[:1000].decode("utf-8", "replace") if body else ""
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0]
    return data


def gemini_chat_request(ctx: RelayContext, body: dict, default_max_tokens: bool) -> dict:
    """A hub chat body as a Gemini ``generateContent`` body (Gemini and Vertex AI channels):
    the ``thinking`` query switch applied, and with ``default_max_tokens`` the configured
    default for non-OpenAI fronts that sent no limit."""
    hub = {**body, "model": ctx.actual_model}
    if ctx.thinking is True and not hub.get("reasoning_effort") and not isinstance(hub.get("thinking"), dict):
        hub["reasoning_effort"] = ctx.reasoning_effort or "medium"
    elif ctx.thinking is False:
        hub["thinking"] = {"type": "disabled"}
        hub.pop("reasoning_effort", None)
    if default_max_tokens and not (hub.get("max_tokens") or hub.get("max_completion_tokens")) \
            and ctx.front_format != "openai_chat":
        hub["max_tokens"] = ctx.default_max_tokens
    try:
        out = chat_to_gemini_request(hub, ctx.gemini_safety_setting or "BLOCK_NONE")
    except (TypeError, AttributeError, KeyError) as err:
        raise ValueError(f"cannot convert the request to the Gemini format: {err}") from None
    if not out["contents"]:
        raise ValueError("messages: at least one user or assistant message with content is required")
    return out


@register
class GeminiAdapter(Adapter):
    channel_types = (ChannelType.GEMINI,)
    native_format = FORMAT_GEMINI
    modes = frozenset({RelayMode.CHAT, RelayMode.CLAUDE_MESSAGES, RelayMode.RESPONSE_API, RelayMode.EMBEDDINGS})
    slug = "gemini"

    def request_url(self, ctx: RelayContext) -> str:
        if ctx.mode == RelayMode.EMBEDDINGS:
            return model_url(ctx, "batchEmbedContents")
        if ctx.is_stream:
            return model_url(ctx, "streamGenerateContent") + "?alt=sse"
        return model_url(ctx, "generateContent")

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"x-goog-api-key": ctx.api_key}

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode == RelayMode.EMBEDDINGS:
            model = ctx.actual_model if ctx.actual_model.startswith("models/") else f"models/{ctx.actual_model}"
            requests_ = []
            for text in _embedding_texts(body.get("input")):
                item = {"model": model, "content": {"parts": [{"text": text}]}}
                if body.get("dimensions"):
                    item["outputDimensionality"] = body["dimensions"]
                requests_.append(item)
            return PreparedRequest(json={"requests": requests_})
        return PreparedRequest(json=gemini_chat_request(ctx, body, default_max_tokens=True))

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        if ctx.mode == RelayMode.EMBEDDINGS:
            data = [{"object": "embedding", "index": i, "embedding": (item or {}).get("values") or []}
                    for i, item in enumerate(body.get("embeddings") or [])]
            return {"object": "list", "data": data, "model": ctx.origin_model,
                    "usage": {"prompt_tokens": ctx.prompt_tokens, "total_tokens": ctx.prompt_tokens}}
        return gemini_to_chat_response(body, ctx.origin_model, ctx.now(), lambda: ctx.new_id(""))

    def extract_usage(self, ctx: RelayContext, body: dict) -> dict | None:
        return gemini_usage_to_chat(body.get("usageMetadata")) if isinstance(body, dict) else None

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return GeminiSSEDecoder(ctx.origin_model, ctx.now(), lambda: ctx.new_id(""))

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        data = gemini_error_body(body)
        err = gemini_error_to_openai(status, data if data is not None else "")
        return UpstreamErrorInfo(status, err["message"], type=str(err["type"] or "upstream_error"),
                                 code=err["code"], param=None)
