"""Per-worker caches for the relay hot path: tokens, users, channels + abilities.

With warm caches a relay request reads nothing from the database. Correctness rules:

* Every cache compares the cache-bus generation of its topic (``tokens``, ``users``,
  ``channels``) on each lookup, so an admin write in any worker (ban, key disable, channel
  edit, suspension) is seen at once.
* Balances change on every request, so cached ``quota`` / ``remain_quota`` are adjusted
  locally by this worker's own billing and re-read after ``QUOTA_TTL`` seconds (other workers
  spend too). They only drive the cheap pre-checks; reservations use conditional UPDATEs.
"""
from __future__ import annotations

import ipaddress
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select

from ..extensions import db
from ..models import Ability, Channel, ChannelStatus, Token, User
from ..relay.context import ChannelInfo
from . import cache_bus

QUOTA_TTL = 5.0
CHANNEL_TTL = 60.0


@dataclass(slots=True)
class TokenInfo:
    id: int
    user_id: int
    key: str
    name: str
    status: int
    expired_time: int
    remain_quota: int
    unlimited_quota: bool
    models: frozenset | None
    subnet: str
    loaded_at: float = 0.0


@dataclass(slots=True)
class UserInfo:
    id: int
    username: str
    role: int
    status: int
    quota: int
    group: str
    loaded_at: float = 0.0


def _token_info(row: Token) -> TokenInfo:
    models = None
    if row.models:
        items = frozenset(m.strip() for m in row.models.split(",") if m.strip())
        models = items or None
    return TokenInfo(row.id, row.user_id, row.key, row.name or "", row.status, row.expired_time or -1,
                     int(row.remain_quota or 0), bool(row.unlimited_quota), models, row.subnet or "",
                     time.monotonic())


def _user_info(row: User) -> UserInfo:
    return UserInfo(row.id, row.username, row.role, row.status, int(row.quota or 0),
                    row.group or "default", time.monotonic())


class AuthCache:
    def __init__(self):
        self._tokens: dict[str, TokenInfo] = {}
        self._token_ids: dict[int, str] = {}
        self._users: dict[int, UserInfo] = {}
        self._token_gen: int | None = None
        self._user_gen: int | None = None

    def _check_generations(self) -> None:
        gen = cache_bus.generation("tokens")
        if gen != self._token_gen:
            self._tokens = {}
            self._token_ids = {}
            self._token_gen = gen
        gen = cache_bus.generation("users")
        if gen != self._user_gen:
            self._users = {}
            self._user_gen = gen

    def token(self, key: str) -> TokenInfo | None:
        self._check_generations()
        info = self._tokens.get(key)
        if info is not None and time.monotonic() - info.loaded_at < QUOTA_TTL:
            return info
        gen = self._token_gen
        row = db.session.execute(select(Token).where(Token.key == key)).scalar_one_or_none()
        if row is None:
            return None
        info = _token_info(row)
        if gen == self._token_gen:
            self._tokens[key] = info
            self._token_ids[info.id] = key
        return info

    def user(self, user_id: int) -> UserInfo | None:
        self._check_generations()
        info = self._users.get(user_id)
        if info is not None and time.monotonic() - info.loaded_at < QUOTA_TTL:
            return info
        gen = self._user_gen
        row = db.session.get(User, user_id)
        if row is None:
            return None
        info = _user_info(row)
        if gen == self._user_gen:
            self._users[user_id] = info
        return info

    def adjust(self, user_id: int, token_id: int, delta: int, token_limited: bool = True) -> None:
        """This worker spent ``delta`` (negative = refund): keep the snapshots close."""
        user = self._users.get(user_id)
        if user is not None:
            user.quota -= delta
        key = self._token_ids.get(token_id)
        token = self._tokens.get(key) if key else None
        if token is not None and token_limited and not token.unlimited_quota:
            token.remain_quota -= delta

    def forget_token(self, key: str) -> None:
        self._tokens.pop(key, None)

    def clear(self) -> None:
        self._tokens, self._token_ids, self._users = {}, {}, {}


def _json_obj(value) -> dict:
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except (ValueError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _csv(value) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in (value or "").split(",") if p.strip()))


# Legacy ``other`` column back-fills config (reference relay §2.2): Azure / Xunfei / Gemini →
# api_version, AIProxy Library → library_id, Ali → plugin.
_LEGACY_OTHER = {3: "api_version", 18: "api_version", 24: "api_version", 21: "library_id", 17: "plugin"}


def _config_with_legacy(row: Channel) -> dict:
    config = _json_obj(row.config)
    field_name = _LEGACY_OTHER.get(int(row.type or 0))
    other = (getattr(row, "other", None) or "").strip()
    if field_name and other and not config.get(field_name):
        config[field_name] = other
    return config


def channel_info(row: Channel) -> ChannelInfo:
    return ChannelInfo(
        id=row.id, type=row.type, name=row.name or "", key=row.key or "", base_url=(row.base_url or "").rstrip("/"),
        status=row.status, weight=int(row.weight or 0), priority=int(row.priority or 0),
        models=_csv(row.models), groups=_csv(row.group) or ("default",),
        model_mapping={k: v for k, v in _json_obj(row.model_mapping).items() if isinstance(v, str) and v},
        system_prompt=row.system_prompt or "", config=_config_with_legacy(row),
        model_configs=_json_obj(row.model_configs), model_ratio=_json_obj(row.model_ratio),
        completion_ratio=_json_obj(row.completion_ratio), testing_model=row.testing_model or "",
        openai_organization=row.openai_organization or "", ratelimit=int(row.ratelimit or 0),
    )


def _ts(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    return 0.0


@dataclass(slots=True)
class Candidate:
    channel_id: int
    priority: int
    suspend_until: float


@dataclass
class ChannelSnapshot:
    channels: dict[int, ChannelInfo] = field(default_factory=dict)
    # (group, model) -> candidates sorted by priority desc
    index: dict[tuple[str, str], list[Candidate]] = field(default_factory=dict)
    loaded_at: float = 0.0


class ChannelCache:
    def __init__(self):
        self._snap: ChannelSnapshot | None = None
        self._gen: int | None = None
        self._lock = threading.Lock()
        # suspensions decided by this worker, effective before the DB round trip
        self.local_suspensions: dict[tuple[str, str, int], float] = {}

    def snapshot(self) -> ChannelSnapshot:
        gen = cache_bus.generation("channels")
        snap = self._snap
        if snap is not None and gen == self._gen and time.monotonic() - snap.loaded_at < CHANNEL_TTL:
            return snap
        with self._lock:
            if self._snap is not None and gen == self._gen and \
                    time.monotonic() - self._snap.loaded_at < CHANNEL_TTL:
                return self._snap
            snap = self._load()
            self._snap, self._gen = snap, gen
            return snap

    def _load(self) -> ChannelSnapshot:
        rows = db.session.execute(select(Channel)).scalars().all()
        channels = {row.id: channel_info(row) for row in rows}
        index: dict[tuple[str, str], list[Candidate]] = {}
        abilities = db.session.execute(
            select(Ability.group, Ability.model, Ability.channel_id, Ability.priority, Ability.suspend_until)
            .where(Ability.enabled.is_(True))).all()
        for group, model, channel_id, priority, suspend_until in abilities:
            channel = channels.get(channel_id)
            if channel is None or channel.status != ChannelStatus.ENABLED:
                continue
            index.setdefault((group, model), []).append(
                Candidate(channel_id, int(priority or 0), _ts(suspend_until)))
        for items in index.values():
            items.sort(key=lambda c: -c.priority)
        db.session.rollback()
        return ChannelSnapshot(channels, index, time.monotonic())

    def channel(self, channel_id: int) -> ChannelInfo | None:
        return self.snapshot().channels.get(channel_id)

    def invalidate(self) -> None:
        self._gen = None


_auth_cache: AuthCache | None = None
_channel_cache: ChannelCache | None = None


def auth_cache() -> AuthCache:
    global _auth_cache
    if _auth_cache is None:
        _auth_cache = AuthCache()
    return _auth_cache


def channel_cache() -> ChannelCache:
    global _channel_cache
    if _channel_cache is None:
        _channel_cache = ChannelCache()
    return _channel_cache


def reset() -> None:
    """Forget everything (tests; a new app in the same process)."""
    global _auth_cache, _channel_cache
    _auth_cache = None
    _channel_cache = None


def ip_in_subnets(subnet: str, client_ip: str | None) -> bool:
    from .tokens import ip_allowed

    return ip_allowed(subnet, client_ip)


__all__ = ["AuthCache", "ChannelCache", "TokenInfo", "UserInfo", "auth_cache", "channel_cache",
           "channel_info", "ip_in_subnets", "reset", "ipaddress"]
