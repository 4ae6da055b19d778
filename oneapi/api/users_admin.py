"""Admin user management under ``/api/user`` (role ≥ admin; callers must outrank targets)."""
from __future__ import annotations

from flask import Blueprint, request

from ..auth.decorators import admin_required, current_caller
from ..schemas.users import ManageIn, UserCreateIn, UserUpdateIn, user_out, users_admin_out
from ..services import users
from .common import load, ok, page_params, sort_params, transactional

bp = Blueprint("admin", __name__, url_prefix="/user")


def _sort() -> tuple[str, bool]:
    column, desc = sort_params(users.USER_SORTS, "id")
    legacy = request.args.get("order", "")
    if not (request.args.get("sort") or request.args.get("sort_by")) and legacy in users.LEGACY_ORDERS:
        return legacy, True
    return column, desc


@bp.get("/")
@admin_required
def list_users():
    column, desc = _sort()
    rows, total = users.list_users(page_params(), column, desc)
    return ok(users_admin_out.dump(rows), total=total)


@bp.get("/search")
@admin_required
def search_users():
    column, desc = _sort()
    rows, total = users.search_users(request.args.get("keyword", ""), column, desc)
    return ok(users_admin_out.dump(rows), total=total)


@bp.get("/<int:user_id>")
@admin_required
def get_user(user_id: int):
    return ok(user_out.dump(users.admin_get(current_caller(), user_id)))


@bp.post("/")
@admin_required
@transactional
def create_user():
    data = load(UserCreateIn())
    user = users.admin_create(current_caller(), data)
    return ok(user_out.dump(user))


@bp.put("/")
@admin_required
@transactional
def update_user():
    data = load(UserUpdateIn())
    user = users.admin_update(current_caller(), data)
    return ok(user_out.dump(user))


@bp.post("/manage")
@admin_required
@transactional
def manage_user():
    data = load(ManageIn())
    return ok(users.manage(current_caller(), data["username"], data["action"]))


@bp.delete("/<int:user_id>")
@admin_required
@transactional
def delete_user(user_id: int):
    users.admin_delete(current_caller(), user_id)
    return ok(None)
