"""Admin channel management: ``/api/channel``."""
from __future__ import annotations

from flask import Blueprint, request

from ..auth.decorators import admin_required
from ..errors import BadRequest
from ..schemas.channels import ChannelCreate, ChannelUpdate, channel_out
from ..services import channels as service
from .common import int_arg, json_body, load, ok, page_params, sort_params, transactional

bp = Blueprint("api_channels", __name__, url_prefix="/api/channel")


def _truthy(name: str) -> bool:
    return (request.args.get(name) or "").strip().lower() not in ("", "0", "false", "no", "off")


@bp.get("/")
@admin_required
def list_channels():
    page = page_params()
    sort, desc = sort_params(service.SORTABLE)
    rows, total = service.list_channels(page.offset, page.size, sort, desc)
    return ok([channel_out(c) for c in rows], total=total)


@bp.get("/search")
@admin_required
def search_channels():
    sort, desc = sort_params(service.SORTABLE)
    rows = service.search_channels(request.args.get("keyword", ""), sort, desc,
                                   group=request.args.get("group", ""))
    return ok([channel_out(c) for c in rows], total=len(rows))


@bp.get("/<int(max=2147483647):channel_id>")
@admin_required
def get_channel(channel_id: int):
    return ok(channel_out(service.get_channel(channel_id)))


@bp.post("/")
@admin_required
@transactional
def create_channel():
    data = load(ChannelCreate())
    created = service.create_channels(data)
    return ok([channel_out(c) for c in created] if len(created) > 1 else channel_out(created[0]))


@bp.put("/")
@admin_required
@transactional
def update_channel():
    status_only = _truthy("status_only")
    data = load(ChannelUpdate(), partial=False)
    channel = service.update_channel(data.pop("id"), data, status_only=status_only)
    return ok(channel_out(channel))


@bp.get("/metadata")
@admin_required
def channel_metadata():
    type_id = int_arg("type")
    if type_id is None:
        raise BadRequest("query parameter type is required")
    return ok(service.channel_metadata(type_id))


@bp.post("/<int(max=2147483647):channel_id>/duplicate")
@admin_required
@transactional
def duplicate_channel(channel_id: int):
    clone = service.duplicate_channel(channel_id)
    return ok({"id": clone.id, "name": clone.name})


@bp.get("/pricing/<int(max=2147483647):channel_id>")
@admin_required
def get_channel_pricing(channel_id: int):
    return ok(service.channel_pricing(channel_id))


@bp.put("/pricing/<int(max=2147483647):channel_id>")
@admin_required
@transactional
def update_channel_pricing(channel_id: int):
    return ok(service.update_channel_pricing(channel_id, json_body()))


@bp.delete("/disabled")
@admin_required
@transactional
def delete_disabled():
    return ok(service.delete_disabled_channels())


@bp.delete("/<int(max=2147483647):channel_id>")
@admin_required
@transactional
def delete_channel(channel_id: int):
    service.delete_channel(channel_id)
    return ok()


# --- channel tests and balance (services.channel_test; flat bodies like one-api) ----------------

@bp.get("/test/<int(max=2147483647):channel_id>")
@admin_required
def test_channel(channel_id: int):
    from flask import jsonify

    from ..services import channel_test

    return jsonify(channel_test.test_channel(channel_id, request.args.get("model") or None))


@bp.get("/test")
@admin_required
def test_all_channels():
    from flask import current_app

    from ..services import channel_test

    channel_test.test_all_channels(current_app._get_current_object(), request.args.get("scope") or "all")
    return ok()


@bp.get("/update_balance/<int(max=2147483647):channel_id>")
@admin_required
def update_channel_balance(channel_id: int):
    from flask import jsonify

    from ..services import channel_test

    balance = channel_test.update_balance(channel_id)
    return jsonify({"success": True, "message": "", "balance": balance})


@bp.get("/update_balance")
@admin_required
def update_all_balances():
    return ok()
