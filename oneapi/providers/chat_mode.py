"""Serve the hub fronts (``/v1/messages``, ``/v1/responses``) on adapters that only know chat.

The front decodes the client body to a hub chat request; the channel's adapter is then asked
to do exactly what it does for ``/v1/chat/completions``. :class:`ChatModeAdapter` wraps such an
adapter and hands it a copy of the context whose ``mode`` is ``CHAT`` (URL, rewrites and
stream handling follow), while the request itself keeps its real mode for routing, billing
and logs.
"""
from __future__ import annotations

from dataclasses import replace

from ..relay.modes import RelayMode
from .base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo


class ChatModeAdapter(Adapter):
    def __init__(self, inner: Adapter):
        self.inner = inner
        self.channel_types = inner.channel_types
        self.native_format = inner.native_format
        self.modes = inner.modes
        self.slug = inner.slug
        self._ctx_cache: tuple | None = None

    def _chat(self, ctx):
        cached = self._ctx_cache
        if cached is not None and cached[0] is ctx and cached[1] is ctx.channel:
            return cached[2]
        chat_ctx = replace(ctx, mode=RelayMode.CHAT)
        self._ctx_cache = (ctx, ctx.channel, chat_ctx)
        return chat_ctx

    def serves(self, mode) -> bool:
        return self.inner.serves(mode)

    def for_request(self, ctx) -> Adapter:
        return self

    def request_url(self, ctx) -> str:
        return self.inner.request_url(self._chat(ctx))

    def request_headers(self, ctx) -> dict[str, str]:
        return self.inner.request_headers(self._chat(ctx))

    def passthrough_request(self, ctx, body: dict) -> bool:
        return False

    def convert_request(self, ctx, body: dict) -> PreparedRequest:
        return self.inner.convert_request(self._chat(ctx), body)

    def sign(self, ctx, prepared: PreparedRequest) -> PreparedRequest:
        return self.inner.sign(self._chat(ctx), prepared)

    def convert_response(self, ctx, body: dict) -> dict:
        return self.inner.convert_response(self._chat(ctx), body)

    def extract_usage(self, ctx, body: dict) -> dict | None:
        return self.inner.extract_usage(self._chat(ctx), body)

    def stream_decoder(self, ctx) -> StreamDecoder:
        return self.inner.stream_decoder(self._chat(ctx))

    def is_stream_response(self, content_type: str) -> bool:
        return self.inner.is_stream_response(content_type)

    def convert_error(self, ctx, status: int, body: bytes) -> UpstreamErrorInfo:
        return self.inner.convert_error(self._chat(ctx), status, body)
