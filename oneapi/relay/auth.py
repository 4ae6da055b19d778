"""Relay-key authentication (reference core §2.2) against the per-worker caches."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from ..errors import BadRequest, Forbidden, QuotaExceeded, Unauthorized
from ..extensions import db
from ..models import Role, Token, TokenStatus, UserStatus, now_s
from ..services import cache_bus
from ..services.relay_cache import TokenInfo, UserInfo, auth_cache, ip_in_subnets
from ..services.security import mask_secret
from ..services.tokens import split_channel_suffix, strip_key


@dataclass(slots=True)
class RelayAuth:
    token: TokenInfo
    user: UserInfo
    pinned_channel_id: int | None
    key: str


def raw_credential(headers) -> str:
    return (headers.get("Authorization") or headers.get("X-Api-Key") or headers.get("Api-Key") or "").strip()


def authenticate(headers, client_ip: str | None) -> RelayAuth:
    raw = raw_credential(headers)
    if not raw:
        raise Unauthorized("No token provided", code="missing_token")
    key, channel_id = split_channel_suffix(strip_key(raw))
    if not key:
        raise Unauthorized("No token provided", code="missing_token")
    cache = auth_cache()
    token = cache.token(key)
    if token is None:
        raise Unauthorized(f"token not found for key: {mask_secret(key)}", code="invalid_api_key")
    if token.status == TokenStatus.EXHAUSTED:
        raise Unauthorized(f"API Key {token.name} (#{token.id}) quota has been exhausted",
                           code="insufficient_token_quota")
    if token.status == TokenStatus.EXPIRED:
        raise Unauthorized(f"API Key {token.name} (#{token.id}) has expired", code="token_expired")
    if token.status != TokenStatus.ENABLED:
        raise Unauthorized(f"API Key {token.name} (#{token.id}) status is not available",
                           code="token_disabled")
    if token.expired_time not in (-1, 0, None) and token.expired_time < now_s():
        _mark_expired(token)
        raise Unauthorized(f"API Key {token.name} (#{token.id}) has expired", code="token_expired")
    if not token.unlimited_quota and token.remain_quota <= 0:
        raise QuotaExceeded(f"API Key {token.name} (#{token.id}) quota has been exhausted",
                            code="insufficient_token_quota", status=401)
    if token.subnet and not ip_in_subnets(token.subnet, client_ip):
        raise Forbidden(f"This API key can only be used from {token.subnet}", code="ip_not_allowed")
    user = cache.user(token.user_id)
    if user is None or user.status != UserStatus.ENABLED:
        raise Forbidden("User has been banned", code="user_banned")
    if channel_id is not None and user.role < Role.ADMIN:
        raise Forbidden("Ordinary users do not support specifying channels", code="channel_pin_forbidden")
    return RelayAuth(token, user, channel_id, key)


def check_model_allowed(token: TokenInfo, model: str) -> None:
    if token.models is not None and model not in token.models:
        raise Forbidden(f"This API key does not have permission to use the model: {model}",
                        code="model_not_allowed")


def _mark_expired(token: TokenInfo) -> None:
    db.session.rollback()
    db.session.execute(update(Token).where(Token.id == token.id, Token.status == TokenStatus.ENABLED)
                       .values(status=int(TokenStatus.EXPIRED)))
    cache_bus.touch(db.session, "tokens")
    db.session.commit()
    auth_cache().forget_token(token.key)


__all__ = ["BadRequest", "RelayAuth", "authenticate", "check_model_allowed", "raw_credential"]
