"""Redemption codes: admin CRUD and the user's redeem (exactly-once under concurrency)."""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from sqlalchemy import func, or_, select, update

from ..errors import BadRequest, NotFound, RateLimited
from ..extensions import db
from ..models import LogType, Redemption, RedemptionStatus, User, now_s
from . import cache_bus
from .logs import record_log
from .security import new_redemption_key

SORTABLE = ("id", "name", "status", "quota", "created_time", "redeemed_time", "created_at",
            "updated_at")
FAILURE_WINDOW_SECONDS = 600


def _like_prefix(keyword: str) -> str:
    return keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_redemptions(offset: int, limit: int, sort: str = "id", desc: bool = True,
                     keyword: str | None = None) -> tuple[list[Redemption], int]:
    conds = []
    keyword = (keyword or "").strip()
    if keyword:
        match = [Redemption.name.like(_like_prefix(keyword), escape="\\")]
        if keyword.isdigit() and len(keyword) <= 9:
            match.append(Redemption.id == int(keyword))
        conds.append(or_(*match))
    total = db.session.execute(select(func.count(Redemption.id)).where(*conds)).scalar_one()
    column = getattr(Redemption, sort)
    stmt = (select(Redemption).where(*conds)
            .order_by(column.desc() if desc else column.asc(), Redemption.id.desc())
            .offset(offset).limit(limit))
    return list(db.session.execute(stmt).scalars()), total


def get_redemption(redemption_id: int) -> Redemption:
    row = db.session.get(Redemption, redemption_id)
    if row is None:
        raise NotFound(f"redemption code {redemption_id} not found")
    return row


def create_redemptions(creator_id: int, name: str, quota: int, count: int) -> list[str]:
    name = (name or "").strip()
    if not name or len(name.encode()) > 20:
        raise BadRequest("redemption name must be 1-20 bytes")
    if not 1 <= count <= 100:
        raise BadRequest("count must be between 1 and 100")
    if quota < 0:
        raise BadRequest("quota must be >= 0")
    now = now_s()
    keys = [new_redemption_key() for _ in range(count)]
    db.session.add_all([Redemption(user_id=creator_id, key=key, name=name, quota=quota,
                                   status=int(RedemptionStatus.ENABLED), created_time=now)
                        for key in keys])
    db.session.flush()
    return keys


def update_redemption(redemption_id: int, fields: dict[str, Any], *, status_only: bool = False
                      ) -> Redemption:
    row = get_redemption(redemption_id)
    if status_only:
        if fields.get("status") is None:
            raise BadRequest("status is required")
        row.status = fields["status"]
    else:
        if "name" in fields:
            name = (fields["name"] or "").strip()
            if not name or len(name.encode()) > 20:
                raise BadRequest("redemption name must be 1-20 bytes")
            row.name = name
        if "quota" in fields:
            if fields["quota"] < 0:
                raise BadRequest("quota must be >= 0")
            row.quota = fields["quota"]
        if "status" in fields:
            row.status = fields["status"]
    db.session.flush()
    return row


def delete_redemption(redemption_id: int) -> None:
    db.session.delete(get_redemption(redemption_id))
    db.session.flush()


# ------------------------------------------------------------------ brute-force guard

class FailureTracker:
    """Failed redeem attempts per user in a sliding window (per process; Redis when set)."""

    def __init__(self, window: int = FAILURE_WINDOW_SECONDS):
        self.window = window
        self._hits: dict[int, deque] = {}
        self._lock = threading.Lock()

    def _redis(self):
        from flask import current_app

        return current_app.extensions.get("oneapi_redis")

    def count(self, user_id: int) -> int:
        now = time.time()
        redis = self._redis()
        if redis is not None:
            try:
                key = f"oneapi:redeem_fail:{user_id}"
                redis.zremrangebyscore(key, 0, now - self.window)
                return int(redis.zcard(key))
            except Exception:
                pass
        with self._lock:
            hits = self._hits.get(user_id)
            while hits and hits[0] < now - self.window:
                hits.popleft()
            return len(hits) if hits else 0

    def add(self, user_id: int) -> None:
        now = time.time()
        redis = self._redis()
        if redis is not None:
            try:
                key = f"oneapi:redeem_fail:{user_id}"
                redis.zadd(key, {f"{now}:{id(self)}:{time.monotonic_ns()}": now})
                redis.expire(key, self.window)
                return
            except Exception:
                pass
        with self._lock:
            self._hits.setdefault(user_id, deque()).append(now)

    def clear(self, user_id: int | None = None) -> None:
        with self._lock:
            if user_id is None:
                self._hits.clear()
            else:
                self._hits.pop(user_id, None)


failures = FailureTracker()


def redeem(user_id: int, key: str, *, failure_limit: int) -> int:
    """Credit the code's quota to ``user_id`` exactly once; returns the credited quota.

    The code row is claimed by a conditional UPDATE (``WHERE status = 1``) before anything
    else is written, so two concurrent redeems of one code cannot both succeed."""
    if failure_limit > 0 and failures.count(user_id) >= failure_limit:
        raise RateLimited("too many failed redemption attempts, please try again in 10 minutes")
    key = (key or "").strip()
    if not key or len(key) > 32:
        failures.add(user_id)
        raise BadRequest("invalid redemption code")
    now = now_s()
    claimed = db.session.execute(
        update(Redemption)
        .where(Redemption.key == key, Redemption.status == int(RedemptionStatus.ENABLED))
        .values(status=int(RedemptionStatus.USED), redeemed_time=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        failures.add(user_id)
        exists = db.session.execute(select(Redemption.status).where(Redemption.key == key)).scalar()
        if exists is None:
            raise BadRequest("invalid redemption code")
        if exists == RedemptionStatus.USED:
            raise BadRequest("this redemption code has already been used")
        raise BadRequest("this redemption code is disabled")
    quota = db.session.execute(select(Redemption.quota).where(Redemption.key == key)).scalar_one()
    db.session.execute(update(User).where(User.id == user_id)
                       .values(quota=User.quota + quota)
                       .execution_options(synchronize_session=False))
    from .pricing import quota_to_usd

    record_log(user_id, LogType.TOPUP, f"Recharged via redemption code ${quota_to_usd(quota):.6g}",
               quota=quota)
    cache_bus.touch(db.session, "users")
    return int(quota)


def admin_topup(user_id: int, quota: int, remark: str = "") -> int:
    """Credit ``quota`` to a user (admin action) with a topup log; returns the new balance."""
    if quota <= 0:
        raise BadRequest("quota must be > 0")
    moved = db.session.execute(update(User).where(User.id == user_id, User.status != 3)
                               .values(quota=User.quota + quota)
                               .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise NotFound(f"user {user_id} not found")
    from .pricing import quota_to_usd

    record_log(user_id, LogType.TOPUP,
               (remark or "").strip() or f"Recharged via API ${quota_to_usd(quota):.6g}", quota=quota)
    cache_bus.touch(db.session, "users")
    return int(db.session.execute(select(User.quota).where(User.id == user_id)).scalar_one())
