"""Relay blueprint under ``/v1``."""
from __future__ import annotations

from flask import Blueprint, Flask, request

from ..errors import NotImplementedAPI

bp = Blueprint("relay", __name__, url_prefix="/v1")

NOT_IMPLEMENTED = (
    "/files", "/files/<path:_rest>", "/fine_tuning/<path:_rest>", "/fine-tunes", "/fine-tunes/<path:_rest>",
    "/assistants", "/assistants/<path:_rest>", "/threads", "/threads/<path:_rest>", "/images/variations",
)


def _not_implemented(**_kwargs):
    raise NotImplementedAPI(f"API not implemented: {request.method} {request.path}")


for _i, _rule in enumerate(NOT_IMPLEMENTED):
    bp.add_url_rule(_rule, f"not_implemented_{_i}", _not_implemented, methods=["GET", "POST", "DELETE"])


def register_relay(app: Flask) -> None:
    app.register_blueprint(bp)
