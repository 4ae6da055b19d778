"""Model and channel-type catalogues: ``/api/models``, ``/api/channel/types``,
``/api/channel/models`` and the public price list ``/api/pricing``."""
from __future__ import annotations

from flask import Blueprint, jsonify

from ..auth.decorators import admin_required
from ..channel_types import CHANNEL_TYPES, channel_type_metadata
from ..services import options
from ..services.pricing import pricing_table
from .common import ok

bp = Blueprint("api_models_catalog", __name__, url_prefix="/api")


@bp.get("/models")
@admin_required
def models_by_type():
    """Channel type id (string) → the model names the type serves by default."""
    return ok({str(type_id): list(info.default_models) for type_id, info in CHANNEL_TYPES.items()})


@bp.get("/channel/types")
@admin_required
def channel_types():
    return ok(channel_type_metadata())


@bp.get("/channel/models")
@admin_required
def channel_models():
    """Every known model in OpenAI's list shape (not enveloped, like one-api)."""
    seen: dict[str, str] = {}
    for info in CHANNEL_TYPES.values():
        for model in info.default_models:
            seen.setdefault(model, info.slug)
    data = [{"id": model, "object": "model", "created": 1626777600, "owned_by": owner,
             "permission": [], "root": model, "parent": None}
            for model, owner in sorted(seen.items())]
    return jsonify({"object": "list", "data": data})


@bp.get("/pricing")
def pricing():
    return ok(pricing_table(options.get_json("ModelRatio"), options.get_json("CompletionRatio")))
