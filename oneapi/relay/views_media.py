"""Media, model-list and proxy endpoints under ``/v1`` (thin: one call each)."""
from __future__ import annotations

from flask import Blueprint

from .modes import RelayMode

bp = Blueprint("relay_media", __name__, url_prefix="/v1")

_PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _media(front_cls, mode: RelayMode):
    from .front_media import relay_media

    return relay_media(front_cls(mode), mode)


@bp.post("/images/generations")
def images_generations():
    from .front_media import ImageFront

    return _media(ImageFront, RelayMode.IMAGES_GENERATIONS)


@bp.post("/images/edits")
def images_edits():
    from .front_media import ImageFront

    return _media(ImageFront, RelayMode.IMAGES_EDITS)


@bp.post("/audio/speech")
def audio_speech():
    from .front_media import SpeechFront

    return _media(SpeechFront, RelayMode.AUDIO_SPEECH)


@bp.post("/audio/transcriptions")
def audio_transcriptions():
    from .front_media import TranscriptionFront

    return _media(TranscriptionFront, RelayMode.AUDIO_TRANSCRIPTION)


@bp.post("/audio/translations")
def audio_translations():
    from .front_media import TranscriptionFront

    return _media(TranscriptionFront, RelayMode.AUDIO_TRANSLATION)


@bp.post("/rerank")
def rerank():
    from .front_media import RerankFront

    return _media(RerankFront, RelayMode.RERANK)


def _v2_rerank():
    """``/v2`` is outside the ``/v1`` error dialect: render errors the OpenAI way here."""
    from flask import jsonify

    from ..errors import OneAPIError
    from ..extensions import db
    from ..web import request_id

    try:
        return rerank()
    except OneAPIError as err:
        db.session.rollback()
        resp = jsonify(err.openai_body(request_id()))
        resp.status_code = err.status
        return resp


@bp.record_once
def _register_v2_rerank(state) -> None:
    """Cohere-style clients call ``POST /v2/rerank`` (reference relay §1: same pipeline)."""
    state.app.add_url_rule("/v2/rerank", "relay_media_v2_rerank", _v2_rerank, methods=["POST"])


@bp.get("/models")
def list_models():
    from .models_list import list_models_response

    return list_models_response()


@bp.get("/models/<path:model>")
def retrieve_model(model: str):
    from .models_list import retrieve_model_response

    return retrieve_model_response(model)


@bp.route("/oneapi/proxy/<int:channel_id>", methods=_PROXY_METHODS, defaults={"target": ""})
@bp.route("/oneapi/proxy/<int:channel_id>/<path:target>", methods=_PROXY_METHODS)
def proxy(channel_id: int, target: str):
    from .proxy import proxy_request

    return proxy_request(channel_id, target)
