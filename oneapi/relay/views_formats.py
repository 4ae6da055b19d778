"""``POST /v1/messages`` (Anthropic Messages, plus the Claude-Code path rewrites),
``POST /v1/messages/count_tokens`` (answered locally) and ``POST /v1/responses``.

Errors on the Messages routes are rendered in the Anthropic dialect
(``{"type": "error", "error": {"type", "message"}}``) with the real HTTP status, so the
anthropic SDK raises the matching exception class; the Response API routes keep the OpenAI
error body.
"""
from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request

from ..errors import InvalidRequest, OneAPIError
from ..extensions import db
from ..services import options
from ..web import request_id
from .front_claude import ClaudeFront, claude_error_body, count_prompt_tokens, validate_claude_request
from . import format_detect
from .front_responses import ResponsesFront
from .modes import RelayMode

bp = Blueprint("relay_formats", __name__)

# one-api RewriteClaudeMessagesPrefix (reference relay §1) + the /v1/openai variant some
# clients build from an OpenAI-style base URL.
MESSAGES_PATHS = ("/v1/messages", "/v1/v1/messages", "/openai/v1/messages", "/openai/v1/v1/messages",
                  "/api/v1/v1/messages", "/v1/openai/v1/messages")


def _is_messages_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in MESSAGES_PATHS)


@bp.errorhandler(OneAPIError)
def _format_error(err: OneAPIError):
    return render_error(err, claude=_is_messages_path(request.path))


def render_error(err: OneAPIError, claude: bool):
    """An error in the Anthropic dialect (``claude``) or the OpenAI one."""
    db.session.rollback()
    if claude:
        error = {"message": err.message, "type": err.type, "code": err.code, "param": err.param}
        body = claude_error_body(err.status, error, request_id())
        if err.type not in ("authentication_error", "permission_error", "rate_limit_error"):
            body["error"]["type"] = _claude_type(err.status, body["error"]["type"])
        resp = jsonify(body)
    else:
        resp = jsonify(err.openai_body(request_id()))
    resp.status_code = err.status
    return resp


def _claude_type(status: int, current: str) -> str:
    by_status = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                 529: "overloaded_error"}
    return by_status.get(status, current if status < 500 else "api_error")


def _approximate() -> bool:
    return options.get_bool("ApproximateTokenEnabled")


def messages() -> Response:
    rerouted = format_detect.dispatch(format_detect.FORMAT_CLAUDE,
                                      {format_detect.FORMAT_RESPONSES: serve_responses})
    return rerouted if rerouted is not None else _messages()


def _messages() -> Response:
    from .pipeline import relay

    front = ClaudeFront(anthropic_version=request.headers.get("anthropic-version", ""),
                        anthropic_beta=request.headers.get("anthropic-beta", ""),
                        body_size=request.content_length or 0, approximate_tokens=_approximate())
    return relay(front, RelayMode.CLAUDE_MESSAGES)


def count_tokens() -> Response:
    """Answered by the gateway: nothing goes upstream, nothing is billed (peers §3 #24)."""
    from .auth import authenticate, check_model_allowed
    from .pipeline import _parse_body

    raw = request.get_data(cache=False)
    route = request.access_route
    auth = authenticate(request.headers, route[0] if route else request.remote_addr)
    body = _parse_body(raw)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("model: field required", code="invalid_request", param="model")
    check_model_allowed(auth.token, model)
    validate_claude_request(body)
    db.session.close()
    return jsonify({"input_tokens": count_prompt_tokens(body, len(raw), _approximate())})


for _i, _path in enumerate(MESSAGES_PATHS):
    bp.add_url_rule(_path, f"messages_{_i}", messages, methods=["POST"])
    bp.add_url_rule(_path + "/count_tokens", f"count_tokens_{_i}", count_tokens, methods=["POST"])


@bp.post("/v1/responses")
def responses() -> Response:
    rerouted = format_detect.dispatch(format_detect.FORMAT_RESPONSES,
                                      {format_detect.FORMAT_CLAUDE: serve_messages})
    return rerouted if rerouted is not None else _responses()


def _responses() -> Response:
    from .pipeline import relay

    return relay(ResponsesFront(approximate_tokens=_approximate()), RelayMode.RESPONSE_API)


def serve_messages() -> Response:
    """Serve the current request as ``/v1/messages`` from another path (format auto-detection):
    errors in the Anthropic dialect, whatever the path."""
    try:
        return _messages()
    except OneAPIError as err:
        return render_error(err, claude=True)


def serve_responses() -> Response:
    """Serve the current request as ``/v1/responses`` from another path (OpenAI error body)."""
    try:
        return _responses()
    except OneAPIError as err:
        return render_error(err, claude=False)


@bp.route("/v1/responses/<response_id>", methods=["GET", "DELETE"])
@bp.post("/v1/responses/<response_id>/cancel")
def response_state(response_id: str):
    raise InvalidRequest(f"response {response_id!r} cannot be retrieved, deleted or cancelled: this gateway "
                         f"keeps no response state (store is not supported)", code="response_state_not_supported",
                         param="response_id")


def register_formats(app: Flask) -> None:
    app.register_blueprint(bp)
