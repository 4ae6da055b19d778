"""Log rows: writing (topup, manage, system, test, consume) and reading (list, search, stat, prune)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, or_, select

from ..extensions import db
from ..models import Log, LogType, User, now_s


def record_log(user_id: int, log_type: LogType, content: str, *, username: str | None = None,
               metadata: dict[str, Any] | None = None, **fields: Any) -> Log:
    """Add one log row to the current transaction (flushes; the caller commits)."""
    if username is None and user_id:
        username = db.session.execute(db.select(User.username).where(User.id == user_id)).scalar() or ""
    row = Log(user_id=user_id, created_at=now_s(), type=int(log_type), content=content,
              username=username or "", metadata_=json.dumps(metadata) if metadata else None, **fields)
    db.session.add(row)
    db.session.flush()
    return row


# ------------------------------------------------------------------ reading and pruning

SORTABLE = ("id", "created_at", "created_time", "type", "prompt_tokens", "completion_tokens",
            "quota", "elapsed_time")
_COLUMNS = [c.key for c in Log.__mapper__.column_attrs]


@dataclass(frozen=True)
class LogFilter:
    """Filters of GET /api/log/ (admin) and /api/log/self; ``user_id`` scopes to one user."""

    user_id: int | None = None
    type: int = 0
    username: str = ""
    token_name: str = ""
    model_name: str = ""
    channel: int | None = None
    start_timestamp: int | None = None
    end_timestamp: int | None = None
    token_id: int | None = None


def _conditions(f: LogFilter, *, hide_provisional: bool = True) -> list:
    conds = []
    if f.user_id is not None:
        conds.append(Log.user_id == f.user_id)
    if f.type:
        conds.append(Log.type == f.type)
    elif hide_provisional:
        conds.append(Log.type != int(LogType.PROVISIONAL))
    if f.username:
        conds.append(Log.username == f.username)
    if f.token_name:
        conds.append(Log.token_name == f.token_name)
    if f.model_name:
        conds.append(Log.model_name == f.model_name)
    if f.channel:
        conds.append(Log.channel_id == f.channel)
    if f.token_id:
        conds.append(Log.token_id == f.token_id)
    if f.start_timestamp:
        conds.append(Log.created_at >= f.start_timestamp)
    if f.end_timestamp:
        conds.append(Log.created_at <= f.end_timestamp)
    return conds


def _order(sort: str, desc: bool):
    column = Log.created_at if sort == "created_time" else getattr(Log, sort)
    return (column.desc() if desc else column.asc(), Log.id.desc())


def list_logs(f: LogFilter, offset: int, limit: int, sort: str = "id", desc: bool = True
              ) -> tuple[list[Log], int]:
    conds = _conditions(f)
    total = db.session.execute(select(func.count(Log.id)).where(*conds)).scalar_one()
    stmt = select(Log).where(*conds).order_by(*_order(sort, desc)).offset(offset).limit(limit)
    return list(db.session.execute(stmt).scalars()), total


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_logs(keyword: str, user_id: int | None, offset: int, limit: int, sort: str = "id",
                desc: bool = True) -> tuple[list[Log], int]:
    """Keyword: exact request id, a log type number, or a prefix of the model, token or user
    name, or a substring of the content."""
    keyword = (keyword or "").strip()
    conds = _conditions(LogFilter(user_id=user_id))
    if keyword:
        prefix, inner = _escape(keyword) + "%", "%" + _escape(keyword) + "%"
        match = [Log.request_id == keyword,
                 Log.model_name.like(prefix, escape="\\"),
                 Log.token_name.like(prefix, escape="\\"),
                 Log.content.like(inner, escape="\\")]
        if user_id is None:
            match.append(Log.username.like(prefix, escape="\\"))
        if keyword.isdigit() and len(keyword) <= 9:
            match.append(Log.type == int(keyword))
        conds.append(or_(*match))
    total = db.session.execute(select(func.count(Log.id)).where(*conds)).scalar_one()
    stmt = select(Log).where(*conds).order_by(*_order(sort, desc)).offset(offset).limit(limit)
    return list(db.session.execute(stmt).scalars()), total


def sum_quota(f: LogFilter) -> int:
    """Total quota of the filtered consume rows (of the given ``type`` when one is set)."""
    if not f.type:
        f = LogFilter(**{**f.__dict__, "type": int(LogType.CONSUME)})
    stmt = select(func.coalesce(func.sum(Log.quota), 0)).where(*_conditions(f))
    return int(db.session.execute(stmt).scalar_one() or 0)


def delete_logs_before(target_timestamp: int) -> int:
    result = db.session.execute(delete(Log).where(Log.created_at < target_timestamp)
                                .execution_options(synchronize_session=False))
    db.session.flush()
    return int(result.rowcount or 0)


def log_out(row: Log) -> dict:
    """API shape: ``channel`` is the channel id, ``metadata`` the parsed JSON map."""
    out = {name: getattr(row, name) for name in _COLUMNS}
    out["channel"] = out.pop("channel_id")
    raw = out.pop("metadata_")
    try:
        out["metadata"] = json.loads(raw) if raw else None
    except ValueError:
        out["metadata"] = raw
    return out


# ------------------------------------------------------------------ per-request cost

def get_request_cost(request_id: str, viewer: User):
    """The cost row of a relay request, visible to its owner and to admins only; anyone else
    gets the same "not found" as for a missing row (existence is not revealed)."""
    from ..models import Role, UserRequestCost

    row = db.session.execute(select(UserRequestCost)
                             .where(UserRequestCost.request_id == request_id)).scalar_one_or_none()
    if row is None or (row.user_id != viewer.id and viewer.role < Role.ADMIN):
        from ..errors import NotFound

        raise NotFound(f"no cost record for request id {request_id}")
    return row


def request_cost_out(row) -> dict:
    return {"id": row.id, "created_time": row.created_time, "user_id": row.user_id,
            "request_id": row.request_id, "quota": row.quota, "cost_usd": row.cost_usd,
            "created_at": row.created_at, "updated_at": row.updated_at}
