"""Baidu Wenxin / Qianfan v1 (channel type 15): native ERNIE APIs (reference relay §3).

The channel key ``client_id|client_secret`` is exchanged at ``{base}/oauth/2.0/token``
(``grant_type=client_credentials``) for an access token, cached per key until shortly before
it expires (a key without ``|`` is used as an access token directly). Requests go to
``{base}/rpc/2.0/ai_custom/v1/wenxinworkshop/{chat|embeddings|reranker}/{endpoint}?access_token=``
with a fixed model → endpoint table. Baidu reports failures as HTTP 200 bodies with
``error_code`` / ``error_msg``; they become real errors (and an invalid token is dropped from
the cache).
"""
from __future__ import annotations

import time
from urllib.parse import quote

import orjson
import requests

from ..channel_types import ChannelType
from .vendor_errors import VendorError
from ..relay import transport
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.sse import SSEEvent
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo, parse_openai_error
from .common import TokenCache, VendorStreamDecoder, chat_chunk, error_chunk, json_body, json_object, usage_chunk

ENDPOINTS = {
    "ERNIE-4.0": "completions_pro", "ERNIE-4.0-8K": "completions_pro", "ERNIE-Bot-4": "completions_pro",
    "ERNIE-Bot": "completions", "ERNIE-3.5-8K": "completions", "ERNIE-Bot-turbo": "eb-instant",
    "ERNIE-Bot-8K": "ernie_bot_8k", "ERNIE-Speed": "ernie_speed", "ERNIE-Speed-8K": "ernie_speed",
    "ERNIE-Speed-128K": "ernie-speed-128k", "ERNIE-Lite-8K": "ernie-lite-8k", "ERNIE-Tiny-8K": "ernie-tiny-8k",
    "ERNIE-Character-8K": "ernie-char-8k", "ERNIE-Functions-8K": "ernie-func-8k",
    "Embedding-V1": "embedding-v1", "bge-large-zh": "bge_large_zh", "bge-large-en": "bge_large_en",
    "tao-8k": "tao_8k", "bce-reranker-base": "bce_reranker_base", "bce-rerank-base": "bce_reranker_base",
}
_KIND = {RelayMode.CHAT: "chat", RelayMode.EMBEDDINGS: "embeddings", RelayMode.RERANK: "reranker"}
_FINISH = {"normal": "stop", "stop": "stop", "length": "length", "content_filter": "content_filter",
           "function_call": "tool_calls"}
_TOKEN_ERRORS = {110, 111}
_cache = TokenCache()  # (base URL, key) -> access token


def endpoint_for(model: str) -> str:
    return ENDPOINTS.get(model) or model.lower()


def _status_for(code) -> int:
    if code in _TOKEN_ERRORS or code in (13, 14, 15, 17, 18, 19):
        return 429 if code in (17, 18, 19) else 401
    if code in (336501, 336502, 336503, 4):
        return 429
    if code in (336003, 336006, 336007, 216100, 336100):
        return 400
    return 500


def _error(body: dict) -> VendorError:
    code = body.get("error_code")
    return VendorError(f"Baidu error {code}: {body.get('error_msg') or 'unknown error'}", status=_status_for(code),
                       code=f"baidu_{code}", type="upstream_error")


def access_token(ctx: RelayContext) -> str:
    key = ctx.api_key
    if "|" not in key:
        return key
    base = ctx.base_url.rstrip("/")
    cached = _cache.get((base, key), time.time())
    if cached:
        return cached
    client_id, client_secret = key.split("|", 1)
    url = (f"{base}/oauth/2.0/token?grant_type=client_credentials&client_id={quote(client_id, safe='')}"
           f"&client_secret={quote(client_secret, safe='')}")
    try:
        resp = transport.send("POST", url, headers={"Content-Type": "application/json", "Accept": "application/json"},
                              stream=False, relay_timeout=ctx.relay_timeout or 30)
        data = orjson.loads(resp.content or b"{}")
    except (requests.RequestException, orjson.JSONDecodeError) as err:
        raise VendorError(f"Baidu access token request failed: {err}", status=502, code="baidu_token_failed",
                          type="upstream_error") from None
    token = data.get("access_token") if isinstance(data, dict) else None
    if not token:
        message = (data.get("error_description") or data.get("error")) if isinstance(data, dict) else None
        raise VendorError(f"Baidu access token request failed: {message or resp.status_code}", status=401,
                          code="baidu_token_failed", type="upstream_error")
    expires = float(data.get("expires_in") or 3600)
    _cache.put((base, key), token, time.time() + max(expires - 3600, expires / 2))
    return token


def forget_token(ctx: RelayContext) -> None:
    _cache.drop((ctx.base_url.rstrip("/"), ctx.api_key))


def to_baidu_chat(req: dict) -> dict:
    system = []
    messages = []
    for m in req.get("messages") or ():
        if not isinstance(m, dict):
            continue
        content = m.get("content")
        if isinstance(content, list):
            content = "\n".join(str(p.get("text") or "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        if m.get("role") in ("system", "developer"):
            system.append(content or "")
        else:
            messages.append({"role": "assistant" if m.get("role") == "assistant" else "user", "content": content or ""})
    out: dict = {"messages": messages}
    if system:
        out["system"] = "\n".join(system)
    for key in ("temperature", "top_p", "stream", "stop"):
        if req.get(key) is not None:
            out[key] = req[key]
    if req.get("frequency_penalty") is not None:
        out["penalty_score"] = req["frequency_penalty"]
    max_tokens = req.get("max_completion_tokens") or req.get("max_tokens")
    if max_tokens:
        out["max_output_tokens"] = max_tokens
    if isinstance(req.get("user"), str):
        out["user_id"] = req["user"]
    return out


def from_baidu_chat(ctx: RelayContext, body: dict) -> dict:
    hub = {"id": body.get("id") or ctx.new_id(), "object": "chat.completion", "created": body.get("created") or ctx.now(),
           "model": ctx.origin_model,
           "choices": [{"index": 0, "message": {"role": "assistant", "content": body.get("result") or ""},
                        "finish_reason": _FINISH.get(body.get("finish_reason") or "normal", "stop")}]}
    if isinstance(body.get("usage"), dict):
        hub["usage"] = body["usage"]
    return hub


class BaiduStreamDecoder(VendorStreamDecoder):
    def feed(self, event: SSEEvent) -> list[dict]:
        data = json_object(event.data)
        if data is None:
            return []
        if data.get("error_code"):
            err = _error(data)
            return [error_chunk(err.message, err.code)]
        if isinstance(data.get("usage"), dict):
            self._usage = data["usage"]
        text = data.get("result") or ""
        self._parts.append(text)
        finish = _FINISH.get(data.get("finish_reason") or "normal", "stop") if data.get("is_end") else None
        chunk = chat_chunk(data.get("id") or "", data.get("created") or self.ctx.now(), self.ctx.origin_model,
                           {"content": text} if text else {}, finish)
        out = [chunk]
        if finish and self._usage:
            out.append(usage_chunk(chunk["id"], chunk["created"], self.ctx.origin_model, self._usage))
        return out


@register
class Baidu(Adapter):
    channel_types = (ChannelType.BAIDU,)
    native_format = "baidu"
    modes = frozenset(_KIND)
    slug = "baidu"

    def request_url(self, ctx: RelayContext) -> str:
        base = ctx.base_url.rstrip("/")
        kind = _KIND.get(ctx.mode, "chat")
        token = ctx.extra.get("baidu_access_token") or ""
        return (f"{base}/rpc/2.0/ai_custom/v1/wenxinworkshop/{kind}/{quote(endpoint_for(ctx.actual_model), safe='')}"
                f"?access_token={quote(token, safe='')}")

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {}

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode == RelayMode.EMBEDDINGS:
            inputs = body.get("input")
            return PreparedRequest(json={"input": inputs if isinstance(inputs, list) else [inputs]})
        if ctx.mode == RelayMode.RERANK:
            out = {k: body[k] for k in ("query", "documents", "top_n") if k in body}
            return PreparedRequest(json=out)
        return PreparedRequest(json=to_baidu_chat(body))

    def sign(self, ctx: RelayContext, prepared: PreparedRequest) -> PreparedRequest:
        """Baidu's "signature" is the OAuth access token in the query string."""
        ctx.extra["baidu_access_token"] = access_token(ctx)
        prepared.url = self.request_url(ctx)
        return prepared

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        if body.get("error_code"):
            if body.get("error_code") in _TOKEN_ERRORS:
                forget_token(ctx)
            raise _error(body)
        if ctx.mode == RelayMode.EMBEDDINGS:
            return {"object": "list", "model": ctx.origin_model, "data": body.get("data") or [],
                    "usage": body.get("usage") or {}}
        if ctx.mode == RelayMode.RERANK:
            return body
        return from_baidu_chat(ctx, body)

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return BaiduStreamDecoder(ctx)

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        data = json_body(body)
        if isinstance(data, dict) and data.get("error_code"):
            if data["error_code"] in _TOKEN_ERRORS:
                forget_token(ctx)
            err = _error(data)
            return UpstreamErrorInfo(err.status, err.message, code=err.code)
        return parse_openai_error(status, body)
