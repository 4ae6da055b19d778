"""Logs: admin ``/api/log/`` and self-service ``/api/log/self``."""
from __future__ import annotations

from flask import Blueprint, request

from ..auth.decorators import admin_required, current_caller, user_required
from ..errors import BadRequest
from ..schemas.logs import LogDeleteQuery, LogQuery
from ..services import logs as service
from .common import load, ok, page_params, sort_params, transactional

bp = Blueprint("api_logs", __name__, url_prefix="/api/log")


def _args() -> dict:
    # empty query values mean "no filter" (the dashboard sends every field)
    return {k: v for k, v in request.args.items() if v != ""}


def _filter(user_id: int | None) -> service.LogFilter:
    data = load(LogQuery(), _args())
    if user_id is not None:
        data["username"] = ""
    return service.LogFilter(user_id=user_id, **data)


MAX_SORTED_RANGE = 30 * 86400


def _listing(user_id: int | None):
    page = page_params()
    sort, desc = sort_params(service.SORTABLE)
    f = _filter(user_id)
    explicit_sort = request.args.get("sort") or request.args.get("sort_by")
    if explicit_sort and f.start_timestamp and f.end_timestamp \
            and f.end_timestamp - f.start_timestamp > MAX_SORTED_RANGE:
        raise BadRequest("time range must be at most 30 days when sorting logs")
    rows, total = service.list_logs(f, page.offset, page.size, sort, desc)
    return ok([service.log_out(r) for r in rows], total=total)


def _search(user_id: int | None):
    page = page_params()
    sort, desc = sort_params(service.SORTABLE)
    rows, total = service.search_logs(request.args.get("keyword", ""), user_id, page.offset,
                                      page.size, sort, desc)
    return ok([service.log_out(r) for r in rows], total=total)


@bp.get("/")
@admin_required
def list_all():
    return _listing(None)


@bp.get("/search")
@admin_required
def search_all():
    return _search(None)


@bp.get("/stat")
@admin_required
def stat_all():
    return ok({"quota": service.sum_quota(_filter(None))})


@bp.delete("/")
@admin_required
@transactional
def delete_before():
    data = load(LogDeleteQuery(), _args())
    return ok(service.delete_logs_before(data["target_timestamp"]))


@bp.get("/self")
@bp.get("/self/")
@user_required
def list_self():
    return _listing(current_caller().id)


@bp.get("/self/search")
@user_required
def search_self():
    return _search(current_caller().id)


@bp.get("/self/stat")
@user_required
def stat_self():
    return ok({"quota": service.sum_quota(_filter(current_caller().id))})
