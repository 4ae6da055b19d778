"""OpenAI-wire media endpoints (images, audio, rerank) for every channel type whose upstream
speaks the OpenAI wire format.

The text adapter (``openai_compat.OpenAICompatible``) serves chat/completions/embeddings; media
requests on the same channel types are served by :class:`OpenAIMedia`, which reuses the
registered adapter's auth headers and the OpenAI URL rules. The media front
(``relay/front_media.py``) looks it up with :func:`media_adapter`.

A media hub request is the client's JSON body (images/generations, audio/speech, rerank) or,
for multipart endpoints, a dict whose ``MULTIPART_KEY`` entry is a :class:`Multipart`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from ..relay.context import RelayContext
from ..relay.modes import RelayMode, endpoint_name
from . import AdapterNotFound, get_adapter
from .base import Adapter, PreparedRequest, StreamDecoder
from .common import endpoint_override, token_usage

FORMAT_MEDIA = "openai_media"
MULTIPART_KEY = "__multipart__"
MEDIA_MODES = frozenset({RelayMode.IMAGES_GENERATIONS, RelayMode.IMAGES_EDITS, RelayMode.AUDIO_SPEECH,
                         RelayMode.AUDIO_TRANSCRIPTION, RelayMode.AUDIO_TRANSLATION, RelayMode.RERANK})
_RERANK_PATHS = {47: "/v2/rerankers"}  # Baidu Qianfan v2


@dataclass(slots=True)
class Multipart:
    """A parsed multipart/form-data body: text fields (multi-valued) and uploaded files."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, str, bytes, str]] = field(default_factory=list)  # (field, filename, data, mime)

    def get(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value
        return default

    def with_field(self, name: str, value: str) -> "Multipart":
        fields = [(k, v) for k, v in self.fields if k != name]
        fields.insert(0, (name, value))
        return Multipart(fields, list(self.files))

    def requests_args(self) -> tuple[list, list]:
        """``data`` and ``files`` arguments for ``requests`` (it writes the boundary)."""
        return list(self.fields), [(name, (filename, data, mime)) for name, filename, data, mime in self.files]


def media_body(ctx: RelayContext, hub: dict) -> PreparedRequest:
    """The upstream body of an OpenAI-wire media request with the mapped model."""
    multipart = hub.get(MULTIPART_KEY)
    if isinstance(multipart, Multipart):
        form = multipart.with_field("model", ctx.actual_model) if ctx.actual_model else multipart
        data, files = form.requests_args()
        return PreparedRequest(data=data, files=files)
    out = dict(hub)
    out["model"] = ctx.actual_model
    return PreparedRequest(json=out)


class MediaStreamDecoder(StreamDecoder):
    """Streamed media (gpt-image-* partial images, streamed transcriptions): events are
    forwarded verbatim; the usage of the final event is kept in ``ctx.extra["stream_usage"]``
    for billing."""

    def __init__(self, ctx: RelayContext):
        self.ctx = ctx
        self._usage: dict | None = None

    def feed(self, event):
        if event.data == b"[DONE]":
            return []
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            return []
        if isinstance(data, dict) and isinstance(data.get("usage"), dict):
            self._usage = data["usage"]
            self.ctx.extra["stream_usage"] = data["usage"]
        return []

    def usage(self):
        if not self._usage:
            return None
        return token_usage(self._usage.get("input_tokens"), self._usage.get("output_tokens"))


class OpenAIMedia(Adapter):
    """Media endpoints on OpenAI-wire channels; ``inner`` supplies auth headers."""

    native_format = FORMAT_MEDIA
    modes = MEDIA_MODES
    slug = "openai-media"

    def __init__(self, inner: Adapter | None = None):
        self.inner = inner

    def request_url(self, ctx: RelayContext) -> str:
        from .openai_compat import openai_url

        override = endpoint_override(ctx, endpoint_name(ctx.mode))
        if override:
            return override
        if ctx.mode == RelayMode.RERANK and int(ctx.channel_type) in _RERANK_PATHS:
            return ctx.base_url.rstrip("/") + _RERANK_PATHS[int(ctx.channel_type)]
        return openai_url(ctx.base_url, ctx.channel_type, ctx.mode)

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        if self.inner is not None:
            return self.inner.request_headers(ctx)
        return {"Authorization": f"Bearer {ctx.api_key}"}

    def passthrough_request(self, ctx: RelayContext, body: dict) -> bool:
        return MULTIPART_KEY not in body and body.get("model") == ctx.actual_model

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        return media_body(ctx, body)

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        return body

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return MediaStreamDecoder(ctx)


_wrappers: dict[int, OpenAIMedia] = {}


def media_adapter(channel_type: int, mode: RelayMode) -> Adapter | None:
    """The adapter serving ``mode`` on ``channel_type``: a native adapter declaring the mode,
    else :class:`OpenAIMedia` for OpenAI-wire types, else None."""
    try:
        adapter = get_adapter(channel_type)
    except AdapterNotFound:
        return None
    if mode in adapter.modes:
        return adapter
    if adapter.native_format != "openai_chat":
        return None
    wrapper = _wrappers.get(int(channel_type))
    if wrapper is None or wrapper.inner is not adapter:
        wrapper = _wrappers[int(channel_type)] = OpenAIMedia(adapter)
    return wrapper
