"""Coze (channel type 34): the v2 bot chat API (reference §3).

``POST {base}/open_api/v2/chat`` with a personal access token (Bearer). The model names the
bot: ``bot-<bot_id>``. The last message becomes ``query``, earlier ones ``chat_history``. The
answer is the ``answer`` message(s); streams are SSE ``message`` events ending with ``done``.
Coze reports no token usage, so the gateway counts tokens. (The OAuth-JWT app auth of the
fork is not supported: use a personal access token.)
"""
from __future__ import annotations

import orjson

from ..channel_types import ChannelType
from .vendor_errors import VendorError
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.sse import SSEEvent
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder


def _text(content) -> str:
    if isinstance(content, list):
        return "\n".join(str(p.get("text") or "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content if isinstance(content, str) else ""


def bot_id(model: str) -> str:
    return model[4:] if model.startswith("bot-") else model


def to_coze_chat(ctx: RelayContext, req: dict) -> dict:
    messages = [m for m in req.get("messages") or () if isinstance(m, dict)]
    if not messages:
        raise ValueError("coze: at least one message is required")
    history = [{"role": "assistant" if m.get("role") == "assistant" else "user", "content": _text(m.get("content")),
                "content_type": "text"} for m in messages[:-1] if m.get("role") not in ("system", "developer")]
    user = req.get("user") if isinstance(req.get("user"), str) and req.get("user") else f"oneapi-{ctx.user_id}"
    return {"bot_id": bot_id(ctx.actual_model), "user": user, "query": _text(messages[-1].get("content")),
            "chat_history": history, "stream": bool(req.get("stream"))}


class CozeStreamDecoder(StreamDecoder):
    def __init__(self, ctx: RelayContext):
        self.ctx = ctx
        self.id = ctx.new_id()
        self.created = ctx.now()
        self._parts: list[str] = []

    def _chunk(self, delta, finish=None):
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.ctx.origin_model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def feed(self, event: SSEEvent) -> list[dict]:
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            return []
        if not isinstance(data, dict):
            return []
        kind = data.get("event") or event.event
        if kind == "message":
            message = data.get("message") or {}
            if message.get("type") == "answer" and message.get("content"):
                self._parts.append(message["content"])
                return [self._chunk({"role": "assistant", "content": message["content"]})]
            return []
        if kind == "done":
            return [self._chunk({}, "stop")]
        if kind == "error":
            info = data.get("error_information") or {}
            return [{"error": {"message": str(info.get("msg") or "coze error"), "type": "upstream_error",
                               "param": None, "code": info.get("code")}}]
        return []

    def usage(self):
        return None

    def text(self) -> str:
        return "".join(self._parts)


@register
class Coze(Adapter):
    channel_types = (ChannelType.COZE,)
    native_format = "coze"
    modes = frozenset({RelayMode.CHAT})
    slug = "coze"

    def request_url(self, ctx: RelayContext) -> str:
        return ctx.base_url.rstrip("/") + "/open_api/v2/chat"

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        return PreparedRequest(json=to_coze_chat(ctx, body))

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        if body.get("code") not in (None, 0):
            raise VendorError(f"Coze error {body.get('code')}: {body.get('msg')}", status=400 if body.get("code") in
                              (4000, 700012006) else 500, code=f"coze_{body.get('code')}", type="upstream_error")
        answer = "".join(m.get("content") or "" for m in body.get("messages") or ()
                         if isinstance(m, dict) and m.get("type") == "answer")
        return {"id": "chatcmpl-" + str(body.get("conversation_id") or ctx.new_id("")), "object": "chat.completion",
                "created": ctx.now(), "model": ctx.origin_model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}]}

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return CozeStreamDecoder(ctx)
