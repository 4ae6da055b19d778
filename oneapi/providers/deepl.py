"""DeepL (channel type 38): the translate API behind the chat interface (reference §3).

``POST {base}/v2/translate`` with ``Authorization: DeepL-Auth-Key <key>``; the text of the last
message is translated into the language named after the first ``-`` of the model
(``deepl-EN`` → ``EN``, ``deepl-pt-BR`` → ``PT-BR``; default ``ZH``). DeepL does not stream:
for a stream request its JSON answer is turned into one content chunk. No usage is reported,
so the gateway counts tokens.
"""
from __future__ import annotations

import orjson

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.sse import SSEEvent
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder
from .common import VendorStreamDecoder, chat_chunk, content_text

DEFAULT_TARGET = "ZH"


def target_lang(model: str) -> str:
    return model.split("-", 1)[1].upper() if "-" in model and model.split("-", 1)[1] else DEFAULT_TARGET


def _last_text(req: dict) -> str:
    messages = [m for m in req.get("messages") or () if isinstance(m, dict)]
    if not messages:
        raise ValueError("deepl: a message to translate is required")
    content = content_text(messages[-1].get("content"))
    if not content:
        raise ValueError("deepl: the last message has no text to translate")
    return content


def _translated(body: dict) -> tuple[str, str | None]:
    items = body.get("translations") if isinstance(body, dict) else None
    texts = [t.get("text") or "" for t in items or () if isinstance(t, dict)]
    source = items[0].get("detected_source_language") if items and isinstance(items[0], dict) else None
    return "".join(texts), source


class DeepLStreamDecoder(VendorStreamDecoder):
    """DeepL reports no usage: ``usage()`` stays None."""

    def feed(self, event: SSEEvent) -> list[dict]:
        try:
            body = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            return []
        text, _source = _translated(body)
        self._parts.append(text)
        cid, created, model = self.ctx.new_id(), self.ctx.now(), self.ctx.origin_model
        return [chat_chunk(cid, created, model, {"role": "assistant", "content": text}),
                chat_chunk(cid, created, model, {}, "stop")]


@register
class DeepL(Adapter):
    channel_types = (ChannelType.DEEPL,)
    native_format = "deepl"
    modes = frozenset({RelayMode.CHAT})
    slug = "deepl"

    def request_url(self, ctx: RelayContext) -> str:
        return ctx.base_url.rstrip("/") + "/v2/translate"

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"Authorization": f"DeepL-Auth-Key {ctx.api_key}", "Accept": "application/json"}

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        return PreparedRequest(json={"text": [_last_text(body)], "target_lang": target_lang(ctx.actual_model)},
                               stream_format="ndjson")

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        text, _source = _translated(body)
        return {"id": ctx.new_id(), "object": "chat.completion", "created": ctx.now(), "model": ctx.origin_model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}

    def is_stream_response(self, content_type: str) -> bool:
        return "json" in content_type  # the JSON answer becomes a one-chunk stream

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return DeepLStreamDecoder(ctx)
