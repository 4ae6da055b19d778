"""iFlytek Spark over WebSocket (channel type 18).

Key ``APPID|APISecret|APIKey``. Version from config ``api_version`` or the model name
(``SparkDesk-v3.5`` → ``v3.5``), domain from the version (``v3.5`` → ``generalv3.5``,
``v4.0`` → ``4.0Ultra`` ...). The signed ``wss://spark-api.xf-yun.com/{version}/chat`` URL
(channel base URL overrides the host) is reached through :mod:`.wsbridge`, which turns the
WebSocket conversation into an HTTP-like response for the pipeline. Type 48 (XunfeiV2) is
OpenAI-compatible and served by ``OpenAICompatible``.
"""
from __future__ import annotations

import orjson

from ...channel_types import ChannelType
from ...relay import transport
from ...relay.context import RelayContext
from ...relay.modes import RelayMode
from ...relay.sse import SSEEvent
from .. import register
from ..base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo
from ..common import VendorStreamDecoder, json_body, json_object
from . import protocol, wsbridge


def _version(ctx: RelayContext) -> str:
    configured = ctx.config.get("api_version") if isinstance(ctx.config, dict) else None
    return protocol.api_version(ctx.actual_model, configured)


def _tool_calls(text: dict, new_id) -> list[dict]:
    call = text.get("function_call")
    if not isinstance(call, dict):
        return []
    args = call.get("arguments")
    if not isinstance(args, str):
        args = orjson.dumps(args or {}).decode()
    return [{"id": new_id(), "type": "function", "function": {"name": call.get("name") or "", "arguments": args}}]


class SparkStreamDecoder(VendorStreamDecoder):
    def __init__(self, ctx: RelayContext):
        super().__init__(ctx, ctx.new_id())  # created: ctx.now() at each chunk
        self._tools = 0

    def feed(self, event: SSEEvent) -> list[dict]:
        frame = json_object(event.data)
        if frame is None:
            return []
        header = frame.get("header") or {}
        if header.get("code"):
            return [{"error": {"message": f"Xunfei error {header.get('code')}: {header.get('message') or ''}",
                               "type": "upstream_error", "code": f"xunfei_{header.get('code')}"}}]
        out = []
        for text in protocol.frame_texts(frame):
            delta: dict = {"role": "assistant"}
            content = text.get("content")
            if isinstance(content, str) and content:
                delta["content"] = content
                self._parts.append(content)
            calls = _tool_calls(text, lambda: self.ctx.new_id("call_"))
            if calls:
                delta["tool_calls"] = [{"index": self._tools, **calls[0]}]
                self._tools += 1
                self._parts.append(calls[0]["function"]["arguments"])
            if len(delta) > 1:
                out.append(self._chunk(delta))
        usage = protocol.spark_usage(frame)
        if usage:
            self._usage = usage
        if wsbridge._is_last(frame):
            out += self._end("tool_calls" if self._tools else "stop")
        return out


@register
class XunfeiAdapter(Adapter):
    channel_types = (ChannelType.XUNFEI,)
    native_format = "xunfei"
    modes = frozenset({RelayMode.CHAT})
    slug = "xunfei"

    def request_url(self, ctx: RelayContext) -> str:
        _, secret, key = protocol.split_key(ctx.api_key)
        return "spark+" + protocol.signed_url(ctx.base_url, _version(ctx), key, secret, ctx.now())

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {}

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        app_id, _, _ = protocol.split_key(ctx.api_key)
        out = protocol.to_spark_request(body, app_id, protocol.domain_of(_version(ctx)), str(ctx.user_id))
        return PreparedRequest(json=out, headers={wsbridge.STREAM_HEADER: "1" if ctx.is_stream else "0"})

    def sign(self, ctx: RelayContext, prepared: PreparedRequest) -> PreparedRequest:
        for prefix in wsbridge.PREFIXES:
            transport.mount(prefix, wsbridge.BRIDGE)
        prepared.url = self.request_url(ctx)
        return prepared

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        texts = protocol.frame_texts(body)
        text = texts[0] if texts else {}
        calls = _tool_calls(text, lambda: ctx.new_id("call_"))
        content = str(text.get("content") or "")
        message: dict = {"role": "assistant", "content": content if (content or not calls) else None}
        if calls:
            message["tool_calls"] = calls
        sid = (body.get("header") or {}).get("sid")
        return {"id": f"chatcmpl-{sid}" if sid else ctx.new_id(), "object": "chat.completion",
                "created": ctx.now(), "model": ctx.origin_model,
                "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
                "usage": protocol.spark_usage(body)}

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return SparkStreamDecoder(ctx)

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        data = json_body(body)
        header = data.get("header") if isinstance(data, dict) else None
        if isinstance(header, dict) and header.get("code"):
            code = header["code"]
            return UpstreamErrorInfo(status, f"Xunfei error {code}: {header.get('message') or 'unknown error'}",
                                     code=f"xunfei_{code}")
        message = (data.get("message") if isinstance(data, dict) else None) or \
            (body[:500].decode("utf-8", "replace") if body else f"status {status}")
        return UpstreamErrorInfo(status, f"Xunfei websocket handshake failed ({status}): {message}",
                                 code="xunfei_handshake_failed")
