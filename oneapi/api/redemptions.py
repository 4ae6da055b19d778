"""Redemption codes: admin ``/api/redemption`` and the user's redeem ``POST /api/user/topup``."""
from __future__ import annotations

from flask import Blueprint, request

from ..app import get_settings
from ..auth.decorators import admin_required, current_caller, user_required
from ..schemas.redemptions import Redeem, RedemptionCreate, RedemptionUpdate, redemption_out
from ..services import redemptions as service
from .common import load, ok, page_params, sort_params, transactional

bp = Blueprint("api_redemptions", __name__, url_prefix="/api")


@bp.get("/redemption/")
@admin_required
def list_redemptions():
    page = page_params()
    sort, desc = sort_params(service.SORTABLE)
    rows, total = service.list_redemptions(page.offset, page.size, sort, desc)
    return ok([redemption_out(r) for r in rows], total=total)


@bp.get("/redemption/search")
@admin_required
def search_redemptions():
    page = page_params()
    sort, desc = sort_params(service.SORTABLE)
    rows, total = service.list_redemptions(page.offset, page.size, sort, desc,
                                           keyword=request.args.get("keyword", ""))
    return ok([redemption_out(r) for r in rows], total=total)


@bp.get("/redemption/<int(max=2147483647):redemption_id>")
@admin_required
def get_redemption(redemption_id: int):
    return ok(redemption_out(service.get_redemption(redemption_id)))


@bp.post("/redemption/")
@admin_required
@transactional
def create_redemptions():
    data = load(RedemptionCreate())
    return ok(service.create_redemptions(current_caller().id, data["name"], data["quota"],
                                         data["count"]))


@bp.put("/redemption/")
@admin_required
@transactional
def update_redemption():
    data = load(RedemptionUpdate())
    status_only = (request.args.get("status_only") or "").lower() not in ("", "0", "false")
    return ok(redemption_out(service.update_redemption(data.pop("id"), data,
                                                       status_only=status_only)))


@bp.delete("/redemption/<int(max=2147483647):redemption_id>")
@admin_required
@transactional
def delete_redemption(redemption_id: int):
    service.delete_redemption(redemption_id)
    return ok()


@bp.post("/user/topup")
@user_required
@transactional
def redeem():
    data = load(Redeem())
    quota = service.redeem(current_caller().id, data["key"],
                           failure_limit=get_settings().redeem_failure_rate_limit)
    return ok(quota)
