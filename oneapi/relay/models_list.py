"""``GET /v1/models`` and ``GET /v1/models/<model>`` (reference relay §1, SCOPE §5).

The models a key may use: the models the user's group can be routed to (enabled abilities of
enabled channels) intersected with the token's allow-list when it has one, minus models every
serving channel lists in its ``hidden_models``. Each entry is an OpenAI model object;
``owned_by`` is the type slug of the first channel serving the model.
"""
from __future__ import annotations

from flask import Response, request

import orjson
from sqlalchemy import select

from ..channel_types import get_channel_type, is_known
from ..extensions import db
from ..models import Channel
from ..errors import NotFound
from ..services.relay_cache import channel_cache
from .auth import authenticate
from .pipeline import _client_ip

CREATED = 1626777600  # one-api's fixed "created" for listed models


def _model_object(model: str, owner: str) -> dict:
    return {
        "id": model, "object": "model", "created": CREATED, "owned_by": owner,
        "permission": [{
            "id": f"modelperm-{model}", "object": "model_permission", "created": CREATED,
            "allow_create_engine": True, "allow_sampling": True, "allow_logprobs": True,
            "allow_search_indices": False, "allow_view": True, "allow_fine_tuning": False,
            "organization": "*", "group": None, "is_blocking": False,
        }],
        "root": model, "parent": None,
    }


def _hidden_models() -> dict[int, set[str]]:
    """channel id → models it hides from listings (``hidden_models`` JSON array)."""
    rows = db.session.execute(select(Channel.id, Channel.hidden_models)
                              .where(Channel.hidden_models.isnot(None), Channel.hidden_models != "")).all()
    db.session.rollback()
    out: dict[int, set[str]] = {}
    for channel_id, value in rows:
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = [p.strip() for p in str(value).split(",")]
        if isinstance(parsed, list):
            out[channel_id] = {m for m in parsed if isinstance(m, str) and m}
    return out


def available_models(group: str, allowed: set[str] | frozenset | list | tuple | None) -> dict[str, str]:
    """model → owner slug for ``group``, restricted to ``allowed`` when given."""
    snap = channel_cache().snapshot()
    hidden = _hidden_models()
    out: dict[str, str] = {}
    allow = set(allowed) if allowed is not None else None
    for (g, model), candidates in snap.index.items():
        if g != group or (allow is not None and model not in allow) or not candidates:
            continue
        visible = [c for c in candidates if model not in hidden.get(c.channel_id, ())]
        if not visible:
            continue
        channel = snap.channels.get(visible[0].channel_id)
        owner = "openai"
        if channel is not None and is_known(channel.type):
            owner = get_channel_type(channel.type).slug
        out[model] = owner
    return dict(sorted(out.items()))


def _json(obj, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status=status, content_type="application/json")


def _models_for_request() -> dict[str, str]:
    auth = authenticate(request.headers, _client_ip())
    return available_models(auth.user.group or "default", auth.token.models)


def list_models_response() -> Response:
    models = _models_for_request()
    body = {"object": "list", "data": [_model_object(m, owner) for m, owner in models.items()]}
    if "client_version" in request.args:
        body["models"] = []
    return _json(body)


class ModelNotFound(NotFound):
    code = "model_not_found"
    type = "invalid_request_error"


def retrieve_model_response(model: str) -> Response:
    models = _models_for_request()
    if model not in models:
        raise ModelNotFound(f"The model '{model}' does not exist", param="model")
    return _json(_model_object(model, models[model]))
