"""``GET /api/user/dashboard``: per-day usage aggregates for the charts."""
from __future__ import annotations

from flask import Blueprint, request

from ..auth.decorators import current_caller, root_required, user_required
from ..services import dashboard as dashboard_service
from .common import ok

bp = Blueprint("dashboard", __name__, url_prefix="/api/user")


@bp.get("/dashboard")
@user_required
def user_dashboard():
    args = request.args
    return ok(dashboard_service.dashboard(current_caller(), args.get("from_date"), args.get("to_date"),
                                          args.get("user_id")))


@bp.get("/dashboard/users")
@root_required
def dashboard_users():
    return ok(dashboard_service.user_picker())
