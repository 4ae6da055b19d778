"""Per-day aggregates of consume logs for the dashboard charts (``/api/user/dashboard``)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import case, func

from ..errors import BadRequest
from ..extensions import db
from ..models import Log, LogType, Role, User, UserStatus

DAY = 86400
MAX_DAYS_USER = 7
MAX_DAYS_ROOT = 365


def _parse_day(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise BadRequest(f"invalid query parameter {name}: expected YYYY-MM-DD") from None


def resolve_window(from_raw: str | None, to_raw: str | None, is_root: bool) -> tuple[int, int]:
    """[start, end) in Unix seconds for inclusive UTC days; default the last 7 days."""
    to_day = _parse_day(to_raw, "to_date") or datetime.now(timezone.utc).date()
    from_day = _parse_day(from_raw, "from_date") or to_day - timedelta(days=MAX_DAYS_USER - 1)
    if from_day > to_day:
        raise BadRequest("from_date must not be after to_date")
    limit = MAX_DAYS_ROOT if is_root else MAX_DAYS_USER
    if (to_day - from_day).days + 1 > limit:
        raise BadRequest(f"date range must not exceed {limit} days")
    start = int(datetime.combine(from_day, datetime.min.time(), tzinfo=timezone.utc).timestamp())
    end = int(datetime.combine(to_day, datetime.min.time(), tzinfo=timezone.utc).timestamp()) + DAY
    return start, end


def resolve_scope(caller: User, raw: str | None) -> int | None:
    """Target user id, or None for site-wide. Root defaults to site-wide, others to self."""
    if caller.role != Role.ROOT:
        if raw not in (None, "", str(caller.id)):
            raise BadRequest("only the root user can view other users' dashboards")
        return caller.id
    if raw in (None, "", "all"):
        return None
    try:
        user_id = int(raw)
    except ValueError:
        raise BadRequest("invalid query parameter user_id: must be a user id or 'all'") from None
    if not 0 < user_id < 2**31 or db.session.get(User, user_id) is None:
        raise BadRequest(f"user {user_id} not found")
    return user_id


def _aggregate(start: int, end: int, user_id: int | None, *extra):
    day = (Log.created_at - (Log.created_at % DAY)).label("day")
    hit = Log.cached_prompt_tokens > 0
    columns = [
        day, Log.model_name,
        func.count(Log.id).label("requests"),
        func.coalesce(func.sum(Log.quota), 0).label("quota"),
        func.coalesce(func.sum(Log.prompt_tokens), 0).label("prompt"),
        func.coalesce(func.sum(Log.completion_tokens), 0).label("completion"),
        func.coalesce(func.sum(Log.cached_prompt_tokens), 0).label("cached"),
        func.coalesce(func.sum(case((hit, 1), else_=0)), 0).label("hits"),
        func.coalesce(func.sum(case((hit, Log.quota), else_=0)), 0).label("hit_quota"),
        *extra,
    ]
    query = db.select(*columns).where(Log.type == int(LogType.CONSUME), Log.created_at >= start,
                                      Log.created_at < end)
    if user_id is not None:
        query = query.where(Log.user_id == user_id)
    group = [day, Log.model_name, *extra]
    return db.session.execute(query.group_by(*group).order_by(day, Log.model_name, *extra)).all()


def _row(r) -> dict:
    return {
        "Day": datetime.fromtimestamp(int(r.day), tz=timezone.utc).strftime("%Y-%m-%d"),
        "ModelName": r.model_name or "",
        "RequestCount": int(r.requests),
        "Quota": int(r.quota),
        "PromptTokens": int(r.prompt),
        "CompletionTokens": int(r.completion),
        "CachedPromptTokens": int(r.cached),
        "CacheHitCount": int(r.hits),
        "CacheHitQuota": int(r.hit_quota),
    }


def dashboard(caller: User, from_raw: str | None, to_raw: str | None, user_raw: str | None) -> dict:
    start, end = resolve_window(from_raw, to_raw, caller.role == Role.ROOT)
    user_id = resolve_scope(caller, user_raw)
    logs = [_row(r) for r in _aggregate(start, end, user_id)]
    user_logs = [dict(_row(r), Username=r.username or "", user_id=int(r.user_id or 0))
                 for r in _aggregate(start, end, user_id, Log.user_id, Log.username)]
    token_logs = [dict(_row(r), TokenName=r.token_name or "")
                  for r in _aggregate(start, end, user_id, Log.token_name)]
    if user_id is None:
        used = db.session.execute(db.select(func.coalesce(func.sum(User.used_quota), 0))).scalar_one()
    else:
        used = db.session.execute(db.select(User.used_quota).where(User.id == user_id)).scalar() or 0
    return {
        "logs": logs,
        "user_logs": user_logs,
        "token_logs": token_logs,
        # MCP tool usage is out of scope (SCOPE §4): the keys stay for frontend compatibility.
        "tool_logs": [],
        "tool_user_logs": [],
        "tool_token_logs": [],
        "total_quota": sum(row["Quota"] for row in logs),
        "used_quota": int(used),
    }


PICKER_LIMIT = 1000


def user_picker() -> list[dict]:
    """Root's user selector: a leading ``all`` entry, then up to 1000 live users."""
    rows = db.session.execute(db.select(User.id, User.username, User.display_name)
                              .where(User.status != UserStatus.DELETED).order_by(User.id).limit(PICKER_LIMIT)).all()
    return [{"id": "all", "username": "all", "display_name": "All users"}] + [
        {"id": r.id, "username": r.username, "display_name": r.display_name or ""} for r in rows]
