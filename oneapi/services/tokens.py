"""Relay keys (tokens): self-service CRUD, admin read-only views, relay-key authentication."""
from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import func, or_, select, update

from ..errors import BadRequest, Forbidden, NotFound, Unauthorized
from ..extensions import db
from ..models import Token, TokenStatus, User, UserStatus, now_s
from . import cache_bus
from .security import mask_secret, new_token_key

SORTABLE = ("id", "name", "status", "expired_time", "remain_quota", "used_quota", "created_at",
            "updated_at", "created_time", "accessed_time")
EDITABLE = ("name", "expired_time", "remain_quota", "unlimited_quota", "models", "subnet")
LEGACY_PREFIXES = ("sk-", "laisky-")


def _prefix() -> str:
    from ..app import get_settings

    return get_settings().token_key_prefix


def display_key(key: str) -> str:
    """The stored bare key with TOKEN_KEY_PREFIX (legacy prefixes of old rows removed)."""
    key = key or ""
    for prefix in LEGACY_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
    return _prefix() + key


def _expired(expired_time: int | None, now: int) -> bool:
    """-1 (and 0, written by some clients) mean "never expires"."""
    return expired_time not in (None, -1, 0) and expired_time < now


def strip_key(raw: str) -> str:
    """Remove a ``Bearer`` scheme, the configured prefix and the legacy prefixes."""
    value = (raw or "").strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    for prefix in (_prefix(),) + LEGACY_PREFIXES:
        if prefix and value.startswith(prefix):
            value = value[len(prefix):]
    return value


def split_channel_suffix(key: str) -> tuple[str, int | None]:
    """``<key>-<digits>`` pins a channel by id (admins only, enforced by the caller)."""
    head, sep, tail = key.rpartition("-")
    if sep and head and tail.isdigit() and len(tail) <= 9:
        return head, int(tail)
    return key, None


def normalise_models(value: str | None) -> str | None:
    if value is None:
        return None
    items = [m.strip() for m in value.split(",") if m.strip()]
    return ",".join(dict.fromkeys(items)) if items else ""


def normalise_subnet(value: str | None) -> str:
    if not value:
        return ""
    items = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise BadRequest(f"invalid subnet: {part!r} is not an IP address or CIDR") from None
        items.append(part)
    return ",".join(items)


def ip_allowed(subnet: str, client_ip: str | None) -> bool:
    if not subnet:
        return True
    try:
        addr = ipaddress.ip_address((client_ip or "").strip())
    except ValueError:
        return False
    for part in subnet.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if addr in ipaddress.ip_network(part, strict=False):
                return True
        except ValueError:
            continue
    return False


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if k in EDITABLE}
    if "name" in out:
        out["name"] = (out["name"] or "").strip()
        if not out["name"]:
            raise BadRequest("token name is required")
        if len(out["name"]) > 30:
            raise BadRequest("token name is too long (at most 30 characters)")
    if "models" in out:
        out["models"] = normalise_models(out["models"])
    if "subnet" in out:
        out["subnet"] = normalise_subnet(out["subnet"])
    if out.get("expired_time") is not None and out["expired_time"] < -1:
        raise BadRequest("expired_time must be -1 (never) or a Unix timestamp")
    if out.get("remain_quota") is not None and out["remain_quota"] < 0:
        raise BadRequest("remain_quota must be >= 0")
    return {k: v for k, v in out.items() if v is not None or k == "models"}


# ------------------------------------------------------------------------- self service

def _own(user_id: int, token_id: int) -> Token:
    token = db.session.get(Token, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound(f"token {token_id} not found")
    return token


def get_own_token(user_id: int, token_id: int) -> Token:
    return _own(user_id, token_id)


def _ordered(stmt, sort: str, desc: bool):
    column = getattr(Token, sort)
    return stmt.order_by(column.desc() if desc else column.asc(), Token.id.desc())


def _like_prefix(keyword: str) -> str:
    return keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_tokens(user_id: int | None, offset: int, limit: int, sort: str = "id", desc: bool = True,
                keyword: str | None = None) -> tuple[list[Token], int]:
    """Tokens of ``user_id`` (None = every user, admin view), optionally by name prefix."""
    conds = []
    if user_id is not None:
        conds.append(Token.user_id == user_id)
    keyword = (keyword or "").strip()
    if keyword:
        match = [Token.name.like(_like_prefix(keyword), escape="\\")]
        if keyword.isdigit() and len(keyword) <= 9:
            match.append(Token.id == int(keyword))
        conds.append(or_(*match))
    total = db.session.execute(select(func.count(Token.id)).where(*conds)).scalar_one()
    stmt = _ordered(select(Token).where(*conds), sort, desc).offset(offset).limit(limit)
    return list(db.session.execute(stmt).scalars()), total


def create_token(user_id: int, fields: dict[str, Any]) -> Token:
    values = _clean(fields)
    if "name" not in values:
        raise BadRequest("token name is required")
    now = now_s()
    token = Token(user_id=user_id, key=new_token_key(), status=int(TokenStatus.ENABLED),
                  created_time=now, accessed_time=now, expired_time=values.pop("expired_time", -1),
                  remain_quota=values.pop("remain_quota", 0),
                  unlimited_quota=bool(values.pop("unlimited_quota", False)), **values)
    db.session.add(token)
    db.session.flush()
    cache_bus.touch(db.session, "tokens")
    return token


def _resolve_status(token: Token, requested: int | None) -> int:
    """one-api's status rules for PUT /api/token/ (reference §1.4)."""
    now = now_s()
    expired = _expired(token.expired_time, now + 1)
    exhausted = not token.unlimited_quota and (token.remain_quota or 0) <= 0
    status = token.status if requested is None else requested
    if status == TokenStatus.EXHAUSTED and not exhausted:
        status = int(TokenStatus.ENABLED)
    if status == TokenStatus.EXPIRED and not expired:
        status = int(TokenStatus.ENABLED)
    if requested == TokenStatus.ENABLED:
        if expired:
            raise BadRequest("the token has expired and cannot be enabled: change its expiration "
                             "time or set it to never expire")
        if token.status == TokenStatus.EXHAUSTED and exhausted:
            raise BadRequest("the token's quota is used up and it cannot be enabled: raise its "
                             "remaining quota or make it unlimited")
    return int(status)


def update_token(user_id: int, token_id: int, fields: dict[str, Any], *,
                 status_only: bool = False) -> Token:
    token = _own(user_id, token_id)
    requested = fields.get("status")
    if status_only:
        if requested is None:
            raise BadRequest("status is required")
    else:
        for name, value in _clean(fields).items():
            setattr(token, name, value)
    token.status = _resolve_status(token, requested)
    db.session.flush()
    cache_bus.touch(db.session, "tokens")
    return token


def delete_token(user_id: int, token_id: int) -> None:
    token = _own(user_id, token_id)
    db.session.delete(token)
    db.session.flush()
    cache_bus.touch(db.session, "tokens")


# ------------------------------------------------------------------------- admin views

def get_any_token(token_id: int) -> Token:
    token = db.session.get(Token, token_id)
    if token is None:
        raise NotFound(f"token {token_id} not found")
    return token


# ------------------------------------------------------------------------- relay keys

def _mark_status(token_id: int, status: TokenStatus) -> None:
    """Persist expired/exhausted at once, outside the request's unit of work (which is about
    to be rolled back by the error that follows)."""
    with db.engine.begin() as conn:
        conn.execute(update(Token).where(Token.id == token_id, Token.status == TokenStatus.ENABLED)
                     .values(status=int(status)))
    cache_bus.bump("tokens")


def authenticate_relay_key(raw_header_value: str | None, *, client_ip: str | None = None,
                           allow_channel_suffix: bool = False,
                           allow_exhausted: bool = False) -> tuple[Token, User]:
    """Resolve an ``sk-`` relay key (with or without ``Bearer``) to (token, owner).

    Errors (relay §2.1): 401 for a missing/unknown/disabled/expired/exhausted key, 403 for an
    IP outside the key's subnets or a banned owner. With ``allow_channel_suffix`` a
    ``-<channel id>`` suffix is tolerated (the caller reads it with split_channel_suffix).
    ``allow_exhausted`` admits a key whose quota is used up (to settle or refund holds)."""
    key = strip_key(raw_header_value or "")
    if not key:
        raise Unauthorized("No token provided")
    if allow_channel_suffix:
        key = split_channel_suffix(key)[0]
    token = db.session.execute(select(Token).where(Token.key == key)).scalar_one_or_none()
    if token is None:
        raise Unauthorized(f"token not found for key: {mask_secret(key)}")
    label = f"API Key {token.name} (#{token.id})"
    if token.status == TokenStatus.EXHAUSTED and not allow_exhausted:
        raise Unauthorized(f"{label} quota has been exhausted", code="insufficient_user_quota")
    if token.status == TokenStatus.EXPIRED:
        raise Unauthorized(f"{label} has expired")
    if token.status not in (TokenStatus.ENABLED, TokenStatus.EXHAUSTED):
        raise Unauthorized(f"{label} status is not available")
    if _expired(token.expired_time, now_s()):
        _mark_status(token.id, TokenStatus.EXPIRED)
        raise Unauthorized(f"{label} has expired")
    if not token.unlimited_quota and (token.remain_quota or 0) <= 0 and not allow_exhausted:
        _mark_status(token.id, TokenStatus.EXHAUSTED)
        raise Unauthorized(f"{label} quota has been exhausted", code="insufficient_user_quota")
    if token.subnet and not ip_allowed(token.subnet, client_ip):
        raise Forbidden(f"{label} can only be used from the allowed subnets")
    user = db.session.get(User, token.user_id)
    if user is None or user.status == UserStatus.DELETED:
        raise Unauthorized("the owner of this key no longer exists")
    if user.status != UserStatus.ENABLED:
        raise Forbidden("User has been banned")
    return token, user


def token_models(token: Token) -> list[str]:
    return [m.strip() for m in (token.models or "").split(",") if m.strip()]


def key_available_models(token: Token, user: User) -> list[str]:
    """The key's allow-list (exact case, its order) intersected with the models the owner's
    group can be routed to; a key without an allow-list is an error, like the fork."""
    from .channels import group_models

    allowed = token_models(token)
    if not allowed:
        raise BadRequest("the token has no available models")
    visible = set(group_models(user.group))
    return [m for m in allowed if m in visible]


def billing_figures(token: Token, user: User, kind: str) -> tuple[float, int]:
    """(amount, access_until) of the OpenAI-style /dashboard/billing endpoints.

    ``DisplayTokenStatEnabled`` picks the key's figures (remain + used) over the user's;
    ``DisplayInCurrencyEnabled`` divides by QuotaPerUnit; an unlimited key reports 100000000.
    ``kind`` is "subscription" (total) or "usage" (used)."""
    from . import options

    per_unit = options.get_float("QuotaPerUnit", 500000.0) or 500000.0
    token_stat = options.get_bool("DisplayTokenStatEnabled")
    if token_stat:
        used = token.used_quota or 0
        total = (token.remain_quota or 0) + used
    else:
        used = user.used_quota or 0
        total = (user.quota or 0) + used
    amount = float(total if kind == "subscription" else used)
    if options.get_bool("DisplayInCurrencyEnabled"):
        amount = amount / per_unit
    if kind == "subscription" and token_stat and token.unlimited_quota:
        amount = 100000000
    access_until = token.expired_time if token.expired_time not in (None, -1, 0) else 0
    return amount, access_until
