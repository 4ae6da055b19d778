"""Root-only runtime options (``/api/option/``) and the group list (``/api/group/``)."""
from __future__ import annotations

from flask import Blueprint

from ..auth.decorators import admin_required, root_required
from ..schemas.options import OptionIn
from ..services import option_rules, options
from .common import load, ok, transactional

bp = Blueprint("options", __name__, url_prefix="/api")


@bp.get("/option/")
@root_required
def list_options():
    return ok(option_rules.public_options())


@bp.put("/option/")
@root_required
@transactional
def update_option():
    data = load(OptionIn())
    message = option_rules.update_option(data["key"], data["value"], data["clear"])
    return ok(None, message=message)


@bp.get("/group/")
@admin_required
def list_groups():
    ratios = options.get_json("GroupRatio")
    return ok(list(ratios.keys()) if isinstance(ratios, dict) else [])
