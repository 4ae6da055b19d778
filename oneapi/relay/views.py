"""Relay blueprint under ``/v1``: thin endpoints → ``pipeline.relay(front, mode)``."""
from __future__ import annotations

from flask import Blueprint, Flask, request

from ..errors import NotImplementedAPI
from ..services import options
from . import format_detect
from .front_openai import OpenAIFront
from .modes import RelayMode
from .views_formats import serve_messages, serve_responses

bp = Blueprint("relay", __name__, url_prefix="/v1")

NOT_IMPLEMENTED = (
    "/files", "/files/<path:_rest>", "/fine_tuning/<path:_rest>", "/fine-tunes", "/fine-tunes/<path:_rest>",
    "/assistants", "/assistants/<path:_rest>", "/threads", "/threads/<path:_rest>", "/images/variations",
)


def _not_implemented(**_kwargs):
    raise NotImplementedAPI(f"API not implemented: {request.method} {request.path}")


for _i, _rule in enumerate(NOT_IMPLEMENTED):
    bp.add_url_rule(_rule, f"not_implemented_{_i}", _not_implemented, methods=["GET", "POST", "DELETE"])


def _openai(mode: RelayMode, path_model: str = ""):
    from .pipeline import relay

    front = OpenAIFront(mode, path_model, approximate_tokens=options.get_bool("ApproximateTokenEnabled"))
    return relay(front, mode)


@bp.post("/chat/completions")
def chat_completions():
    rerouted = format_detect.dispatch(format_detect.FORMAT_CHAT, {format_detect.FORMAT_RESPONSES: serve_responses,
                                                                  format_detect.FORMAT_CLAUDE: serve_messages})
    return rerouted if rerouted is not None else _openai(RelayMode.CHAT)


@bp.post("/completions")
def completions():
    return _openai(RelayMode.COMPLETIONS)


@bp.post("/embeddings")
def embeddings():
    return _openai(RelayMode.EMBEDDINGS)


@bp.post("/engines/<path:model>/embeddings")
def engine_embeddings(model: str):
    return _openai(RelayMode.EMBEDDINGS, path_model=model)


@bp.post("/moderations")
def moderations():
    return _openai(RelayMode.MODERATIONS)


@bp.post("/edits")
def edits():
    return _openai(RelayMode.EDITS)


def register_relay(app: Flask) -> None:
    app.register_blueprint(bp)
    from .views_formats import bp as formats_bp  # /v1/messages (+ Claude Code paths), /v1/responses
    app.register_blueprint(formats_bp)
    from .views_media import bp as media_bp  # images, audio, rerank, models, proxy
    app.register_blueprint(media_bp)
