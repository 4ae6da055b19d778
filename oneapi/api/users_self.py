"""Self-service user routes under ``/api/user`` (session cookie or access token)."""
from __future__ import annotations

from flask import Blueprint

from ..auth.decorators import current_caller, user_required
from ..auth.session import end_session
from ..schemas.users import SelfUpdateIn, user_out
from ..services import users
from .common import load, ok, transactional

bp = Blueprint("self", __name__, url_prefix="/user")


@bp.get("/self")
@user_required
def get_self():
    return ok(user_out.dump(current_caller()))


@bp.put("/self")
@user_required
@transactional
def update_self():
    data = load(SelfUpdateIn())
    users.update_self(current_caller(), data)
    return ok(None)


@bp.delete("/self")
@user_required
@transactional
def delete_self():
    users.soft_delete(current_caller())
    end_session()
    return ok(None)


@bp.get("/token")
@user_required
@transactional
def rotate_token():
    return ok(users.rotate_access_token(current_caller()))


@bp.get("/aff")
@user_required
@transactional
def aff_code():
    return ok(users.ensure_aff_code(current_caller()))


@bp.get("/available_models")
@user_required
def available_models():
    return ok(users.available_models(current_caller()))
