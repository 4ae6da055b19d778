"""Relay keys: self-service ``/api/token`` and the admin read-only ``/api/admin/tokens``."""
from __future__ import annotations

from flask import Blueprint, request

from ..auth.decorators import admin_required, current_caller, user_required
from ..errors import BadRequest
from ..schemas.tokens import TokenCreate, TokenUpdate, token_out
from ..services import tokens as service
from .common import int_arg, load, ok, page_params, sort_params, transactional

bp = Blueprint("api_tokens", __name__, url_prefix="/api")


def _sort() -> tuple[str, bool]:
    legacy = request.args.get("order", "")
    if legacy in ("remain_quota", "used_quota") and not request.args.get("sort") \
            and not request.args.get("sort_by"):
        return legacy, True
    return sort_params(service.SORTABLE)


def _user_id_filter() -> int | None:
    user_id = int_arg("user_id")
    if user_id is not None and not 0 < user_id <= 2**31 - 1:
        raise BadRequest("invalid query parameter user_id: out of range")
    return user_id


def _status_only() -> bool:
    return (request.args.get("status_only") or "").strip().lower() not in ("", "0", "false")


@bp.get("/token/")
@user_required
def list_tokens():
    page = page_params()
    sort, desc = _sort()
    rows, total = service.list_tokens(current_caller().id, page.offset, page.size, sort, desc)
    return ok([token_out(t) for t in rows], total=total)


@bp.get("/token/search")
@user_required
def search_tokens():
    page = page_params()
    sort, desc = _sort()
    rows, total = service.list_tokens(current_caller().id, page.offset, page.size, sort, desc,
                                      keyword=request.args.get("keyword", ""))
    return ok([token_out(t) for t in rows], total=total)


@bp.get("/token/<int(max=2147483647):token_id>")
@user_required
def get_token(token_id: int):
    return ok(token_out(service.get_own_token(current_caller().id, token_id)))


@bp.post("/token/")
@user_required
@transactional
def create_token():
    data = load(TokenCreate())
    data.pop("status", None)
    return ok(token_out(service.create_token(current_caller().id, data)))


@bp.put("/token/")
@user_required
@transactional
def update_token():
    data = load(TokenUpdate())
    token = service.update_token(current_caller().id, data.pop("id"), data,
                                 status_only=_status_only())
    return ok(token_out(token))


@bp.delete("/token/<int(max=2147483647):token_id>")
@user_required
@transactional
def delete_token(token_id: int):
    service.delete_token(current_caller().id, token_id)
    return ok()


@bp.get("/admin/tokens/")
@admin_required
def admin_list_tokens():
    page = page_params()
    sort, desc = _sort()
    rows, total = service.list_tokens(_user_id_filter(), page.offset, page.size, sort, desc)
    return ok([token_out(t, raw_key=True) for t in rows], total=total)


@bp.get("/admin/tokens/search")
@admin_required
def admin_search_tokens():
    page = page_params()
    sort, desc = _sort()
    rows, total = service.list_tokens(_user_id_filter(), page.offset, page.size, sort, desc,
                                      keyword=request.args.get("keyword", ""))
    return ok([token_out(t, raw_key=True) for t in rows], total=total)


@bp.get("/admin/tokens/<int(max=2147483647):token_id>")
@admin_required
def admin_get_token(token_id: int):
    return ok(token_out(service.get_any_token(token_id), raw_key=True))
