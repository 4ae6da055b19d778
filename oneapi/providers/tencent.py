"""Tencent Hunyuan (channel type 23): native API with TC3-HMAC-SHA256 signing (reference §3).

Key ``appid|secretId|secretKey``. ``POST {base}/`` with ``X-TC-Action`` (``ChatCompletions`` or
``GetEmbedding``), ``X-TC-Version: 2023-09-01``, ``X-TC-Timestamp`` and the TC3 signature
(service ``hunyuan``) over ``content-type;host`` and the exact body bytes. Bodies use
Tencent's capitalised fields; failures arrive as HTTP 200 ``Response.Error`` objects.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import urlsplit

import orjson

from ..channel_types import ChannelType
from .vendor_errors import VendorError
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.sse import SSEEvent
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo, parse_openai_error
from .common import VendorStreamDecoder, chat_chunk, content_text, error_chunk, json_body, token_usage

SERVICE = "hunyuan"
VERSION = "2023-09-01"
CONTENT_TYPE = "application/json"
_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}


def split_key(key: str) -> tuple[str, str, str]:
    parts = key.split("|")
    if len(parts) != 3 or not all(parts):
        raise ValueError("Tencent channel key must look like <appid>|<secretId>|<secretKey>")
    return parts[0], parts[1], parts[2]


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_authorization(secret_id: str, secret_key: str, host: str, body: bytes, timestamp: int,
                      service: str = SERVICE) -> str:
    """The TC3-HMAC-SHA256 ``Authorization`` header value for a JSON POST to ``/``."""
    canonical = "\n".join(["POST", "/", "", f"content-type:{CONTENT_TYPE}\nhost:{host}\n", "content-type;host",
                           hashlib.sha256(body).hexdigest()])
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing_key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


def to_tencent_chat(ctx: RelayContext, req: dict) -> dict:
    out: dict = {"Model": ctx.actual_model, "Stream": bool(req.get("stream")),
                 "Messages": [{"Role": _ROLES.get(m.get("role"), "user"), "Content": content_text(m.get("content"))}
                              for m in req.get("messages") or () if isinstance(m, dict)]}
    if req.get("top_p") is not None:
        out["TopP"] = req["top_p"]
    if req.get("temperature") is not None:
        out["Temperature"] = req["temperature"]
    return out


def _usage(usage) -> dict | None:
    if not isinstance(usage, dict):
        return None
    return token_usage(usage.get("PromptTokens"), usage.get("CompletionTokens"), usage.get("TotalTokens"))


def _error_of(data) -> dict | None:
    resp = data.get("Response") if isinstance(data, dict) else None
    err = resp.get("Error") if isinstance(resp, dict) else None
    if isinstance(err, dict):
        return err
    err = data.get("Error") if isinstance(data, dict) else None
    return err if isinstance(err, dict) else None


def _status(code: str) -> int:
    if code.startswith("AuthFailure"):
        return 401
    if code.startswith(("RequestLimitExceeded", "LimitExceeded")):
        return 429
    if code.startswith(("InvalidParameter", "MissingParameter", "UnsupportedOperation")):
        return 400
    return 500


class TencentStreamDecoder(VendorStreamDecoder):
    def feed(self, event: SSEEvent) -> list[dict]:
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            return []
        err = _error_of(data)
        if err:
            return [error_chunk(str(err.get("Message")), err.get("Code"))]
        if not isinstance(data, dict):
            return []
        self._usage = _usage(data.get("Usage")) or self._usage
        out = []
        for i, choice in enumerate(data.get("Choices") or ()):
            delta = choice.get("Delta") or {}
            content = delta.get("Content") or ""
            self._parts.append(content)
            out.append(chat_chunk(data.get("Id") or "", data.get("Created") or self.ctx.now(), self.ctx.origin_model,
                                  {"role": "assistant", "content": content}, choice.get("FinishReason") or None, i))
        return out


@register
class Tencent(Adapter):
    channel_types = (ChannelType.TENCENT,)
    native_format = "tencent"
    modes = frozenset({RelayMode.CHAT, RelayMode.EMBEDDINGS})
    slug = "tencent"

    def request_url(self, ctx: RelayContext) -> str:
        return ctx.base_url.rstrip("/") + "/"

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        split_key(ctx.api_key)
        headers = {"Content-Type": CONTENT_TYPE, "X-TC-Version": VERSION,
                   "X-TC-Action": "GetEmbedding" if ctx.mode == RelayMode.EMBEDDINGS else "ChatCompletions"}
        region = ctx.config.get("region") if isinstance(ctx.config, dict) else None
        if region:
            headers["X-TC-Region"] = str(region)
        return headers

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode == RelayMode.EMBEDDINGS:
            inputs = body.get("input")
            return PreparedRequest(json={"InputList": inputs if isinstance(inputs, list) else [inputs]})
        return PreparedRequest(json=to_tencent_chat(ctx, body))

    def sign(self, ctx: RelayContext, prepared: PreparedRequest) -> PreparedRequest:
        _appid, secret_id, secret_key = split_key(ctx.api_key)
        timestamp = ctx.now()
        host = urlsplit(self.request_url(ctx)).netloc
        prepared.headers["Content-Type"] = CONTENT_TYPE
        prepared.headers["X-TC-Timestamp"] = str(timestamp)
        prepared.headers["Authorization"] = tc3_authorization(secret_id, secret_key, host, prepared.body or b"",
                                                              timestamp)
        return prepared

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        err = _error_of(body)
        if err:
            code = str(err.get("Code") or "")
            raise VendorError(f"Tencent error {code}: {err.get('Message')}", status=_status(code),
                              code=code or "tencent_error", type="upstream_error")
        resp = body.get("Response") if isinstance(body.get("Response"), dict) else body
        if ctx.mode == RelayMode.EMBEDDINGS:
            usage = _usage(resp.get("Usage")) or {}
            return {"object": "list", "model": ctx.origin_model,
                    "data": [{"object": "embedding", "index": d.get("Index", i), "embedding": d.get("Embedding")}
                             for i, d in enumerate(resp.get("Data") or ())],
                    "usage": {"prompt_tokens": usage.get("prompt_tokens", 0), "total_tokens": usage.get("total_tokens", 0)}}
        choices = [{"index": i, "message": {"role": "assistant", "content": (c.get("Message") or {}).get("Content") or ""},
                    "finish_reason": c.get("FinishReason") or "stop"} for i, c in enumerate(resp.get("Choices") or ())]
        hub = {"id": resp.get("Id") or ctx.new_id(), "object": "chat.completion",
               "created": resp.get("Created") or ctx.now(), "model": ctx.origin_model, "choices": choices}
        usage = _usage(resp.get("Usage"))
        if usage:
            hub["usage"] = usage
        return hub

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return TencentStreamDecoder(ctx)

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        data = json_body(body)
        err = _error_of(data)
        if err:
            code = str(err.get("Code") or "")
            return UpstreamErrorInfo(_status(code), f"Tencent error {code}: {err.get('Message')}", code=code)
        return parse_openai_error(status, body)
