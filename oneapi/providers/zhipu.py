"""Zhipu BigModel (channel type 16): the OpenAI-like v4 API with JWT auth (reference relay §3).

The channel key ``id.secret`` is turned into an HS256 JWT (header ``sign_type: SIGN``; claims
``api_key`` = id, ``exp`` = now + 24 h in ms, ``timestamp`` = now in ms), cached per key until
an hour before it expires, and sent raw in ``Authorization`` (no Bearer). Chat
``/api/paas/v4/chat/completions``, embeddings ``/api/paas/v4/embeddings``, images
``/api/paas/v4/images/generations``; bodies and streams are OpenAI-shaped. (Zhipu retired the
v3 ``model-api`` endpoints; every model goes to v4.)
"""
from __future__ import annotations

import base64
import hashlib
import hmac

import orjson

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import RelayMode, endpoint_name
from . import register
from .base import PreparedRequest
from .common import TokenCache, endpoint_override
from .openai_compat import OpenAICompatible
from .openai_media import MULTIPART_KEY, media_body

TOKEN_TTL_S = 24 * 3600
_PATHS = {RelayMode.CHAT: "/api/paas/v4/chat/completions", RelayMode.EMBEDDINGS: "/api/paas/v4/embeddings",
          RelayMode.IMAGES_GENERATIONS: "/api/paas/v4/images/generations"}
_cache = TokenCache()  # key -> JWT


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(key: str, now_s: int) -> str:
    """HS256 JWT of a Zhipu ``id.secret`` key at ``now_s`` (seconds)."""
    if key.count(".") != 1:
        raise ValueError("Zhipu channel key must look like <id>.<secret>")
    key_id, secret = key.split(".", 1)
    now_ms = now_s * 1000
    header = _b64(orjson.dumps({"alg": "HS256", "sign_type": "SIGN"}))
    claims = _b64(orjson.dumps({"api_key": key_id, "exp": now_ms + TOKEN_TTL_S * 1000, "timestamp": now_ms}))
    signing_input = f"{header}.{claims}".encode()
    signature = _b64(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
    return f"{header}.{claims}.{signature}"


def zhipu_token(key: str, now_s: int) -> str:
    cached = _cache.get(key, now_s)
    if cached:
        return cached
    token = make_jwt(key, now_s)
    _cache.put(key, token, now_s + TOKEN_TTL_S - 3600)
    return token


@register
class Zhipu(OpenAICompatible):
    channel_types = (ChannelType.ZHIPU,)
    modes = frozenset(_PATHS)
    slug = "zhipu"

    def request_url(self, ctx: RelayContext) -> str:
        override = endpoint_override(ctx, endpoint_name(ctx.mode))
        if override:
            return override
        return ctx.base_url.rstrip("/") + _PATHS.get(ctx.mode, _PATHS[RelayMode.CHAT])

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"Authorization": zhipu_token(ctx.api_key, ctx.now())}

    def passthrough_request(self, ctx: RelayContext, body: dict) -> bool:
        return False  # v4 rejects some OpenAI fields (top_p 1.0, max_completion_tokens): always rewrite

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode == RelayMode.IMAGES_GENERATIONS or MULTIPART_KEY in body:
            return media_body(ctx, body)
        prepared = super().convert_request(ctx, body)
        out = prepared.json
        if ctx.mode == RelayMode.CHAT and isinstance(out, dict):
            mct = out.pop("max_completion_tokens", None)
            if mct and not out.get("max_tokens"):
                out["max_tokens"] = mct
            for key in ("top_p", "temperature"):  # Zhipu wants the open interval (0, 1)
                value = out.get(key)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    out[key] = min(max(float(value), 0.01), 0.99)
        return prepared
