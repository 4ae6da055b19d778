"""Coze (channel type 34): the v2 bot chat API (reference §3).

``POST {base}/open_api/v2/chat`` with a personal access token (Bearer). The model names the
bot: ``bot-<bot_id>``. The last message becomes ``query``, earlier ones ``chat_history``. The
answer is the ``answer`` message(s); streams are SSE ``message`` events ending with ``done``.
Coze reports no token usage, so the gateway counts tokens.

With channel config ``auth_type: "oauth_jwt"`` the key holds the OAuth app JSON
(``client_id``, ``public_key_id``, ``private_key``, optional ``coze_api_base``): an RS256 JWT
(``kid`` = public key id; ``iss`` client id, ``aud`` API host, ``iat``/``exp``/``jti``) is exchanged
at ``{api base}/api/permission/oauth2/token`` for an access token, cached until shortly before
it expires.
"""
from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

import orjson
import requests

from ..channel_types import ChannelType
from .vendor_errors import VendorError
from ..relay import transport
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.sse import SSEEvent
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder
from .common import TokenCache, VendorStreamDecoder, content_text, error_chunk, json_object

_tokens = TokenCache()  # OAuth app key JSON -> access token
TOKEN_PATH = "/api/permission/oauth2/token"


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def oauth_jwt(app: dict, aud: str, now: int, jti: str) -> str:
    """RS256 JWT assertion of a Coze OAuth (JWT) app."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    header = {"alg": "RS256", "typ": "JWT", "kid": str(app.get("public_key_id") or "")}
    claims = {"iss": str(app.get("client_id") or ""), "aud": aud, "iat": now, "exp": now + 3600, "jti": jti}
    signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(claims))}".encode()
    try:
        key = serialization.load_pem_private_key(str(app.get("private_key") or "").encode(), password=None)
    except (ValueError, TypeError) as err:
        raise ValueError(f"coze: invalid private_key in the OAuth app key: {err}") from None
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode() + "." + _b64(signature)


def _oauth_app(ctx: RelayContext) -> dict:
    try:
        app = orjson.loads(ctx.api_key)
    except orjson.JSONDecodeError:
        raise ValueError("coze: with auth_type oauth_jwt the key must be the OAuth app JSON") from None
    if not isinstance(app, dict) or not app.get("client_id") or not app.get("private_key"):
        raise ValueError("coze: the OAuth app JSON needs client_id, public_key_id and private_key")
    return app


def oauth_access_token(ctx: RelayContext) -> str:
    cached = _tokens.get(ctx.api_key, time.time())
    if cached:
        return cached
    app = _oauth_app(ctx)
    api_base = str(app.get("coze_api_base") or ctx.base_url).rstrip("/")
    assertion = oauth_jwt(app, urlsplit(api_base).hostname or "api.coze.com", ctx.now(), secrets.token_hex(16))
    try:
        resp = transport.send("POST", api_base + TOKEN_PATH, stream=False, relay_timeout=ctx.relay_timeout or 30,
                              headers={"Authorization": f"Bearer {assertion}", "Content-Type": "application/json"},
                              data=orjson.dumps({"duration_seconds": 86399,
                                                 "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer"}))
        data = orjson.loads(resp.content or b"{}")
    except (requests.RequestException, orjson.JSONDecodeError) as err:
        raise VendorError(f"Coze OAuth token request failed: {err}", status=502, code="coze_token_failed") from None
    token = data.get("access_token") if isinstance(data, dict) else None
    if not token:
        detail = (data.get("error_message") or data.get("error") or data.get("msg")) if isinstance(data, dict) else None
        raise VendorError(f"Coze OAuth token request failed: {detail or resp.status_code}", status=401,
                          code="coze_token_failed")
    expires_at = float(data.get("expires_in") or 0)  # a Unix timestamp in Coze's answer
    if expires_at < 10**9:
        expires_at = time.time() + (expires_at or 900)
    _tokens.put(ctx.api_key, token, expires_at - 60)
    return token


def _uses_oauth(ctx: RelayContext) -> bool:
    return isinstance(ctx.config, dict) and str(ctx.config.get("auth_type") or "").lower() == "oauth_jwt"


def bot_id(model: str) -> str:
    return model[4:] if model.startswith("bot-") else model


def to_coze_chat(ctx: RelayContext, req: dict) -> dict:
    messages = [m for m in req.get("messages") or () if isinstance(m, dict)]
    if not messages:
        raise ValueError("coze: at least one message is required")
    history = [{"role": "assistant" if m.get("role") == "assistant" else "user",
                "content": content_text(m.get("content")), "content_type": "text"}
               for m in messages[:-1] if m.get("role") not in ("system", "developer")]
    user = req.get("user") if isinstance(req.get("user"), str) and req.get("user") else f"oneapi-{ctx.user_id}"
    return {"bot_id": bot_id(ctx.actual_model), "user": user, "query": content_text(messages[-1].get("content")),
            "chat_history": history, "stream": bool(req.get("stream"))}


class CozeStreamDecoder(VendorStreamDecoder):
    """Coze reports no usage: ``usage()`` stays None."""

    def __init__(self, ctx: RelayContext):
        super().__init__(ctx, ctx.new_id(), ctx.now())

    def feed(self, event: SSEEvent) -> list[dict]:
        data = json_object(event.data)
        if data is None:
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
            return [error_chunk(str(info.get("msg") or "coze error"), info.get("code"))]
        return []


@register
class Coze(Adapter):
    channel_types = (ChannelType.COZE,)
    native_format = "coze"
    modes = frozenset({RelayMode.CHAT})
    slug = "coze"

    def request_url(self, ctx: RelayContext) -> str:
        return ctx.base_url.rstrip("/") + "/open_api/v2/chat"

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        if _uses_oauth(ctx):
            _oauth_app(ctx)  # malformed app JSON: a clear 400 before any network
            return {}
        return {"Authorization": f"Bearer {ctx.api_key}"}

    def sign(self, ctx: RelayContext, prepared: PreparedRequest) -> PreparedRequest:
        if _uses_oauth(ctx):
            prepared.headers["Authorization"] = f"Bearer {oauth_access_token(ctx)}"
        return prepared

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
