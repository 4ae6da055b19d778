"""Request id, error rendering, and serving the built frontend with SPA fallback."""
from __future__ import annotations

import logging
import os
import random
import time

from flask import Flask, Response, g, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException

from .errors import OneAPIError

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Oneapi-Request-Id"
RELAY_PREFIXES = ("/v1", "/dashboard/billing")


_stamp = [-1, ""]  # (second, its UTC ``YYYYMMDDhhmmss``): formatted once per second


def new_request_id() -> str:
    """``YYYYMMDDhhmmss`` + nanoseconds mod 1e9 + 8 random digits (31 chars)."""
    now = time.time_ns()
    second, nanos = divmod(now, 1_000_000_000)
    cached = _stamp
    if cached[0] != second:
        cached[1] = time.strftime("%Y%m%d%H%M%S", time.gmtime(second))
        cached[0] = second
    return f"{cached[1]}{nanos:09d}{int(random.random() * 100_000_000):08d}"


def request_id() -> str:
    rid = g.get("request_id")
    if rid is None:
        rid = g.request_id = new_request_id()
    return rid


def is_relay_path(path: str) -> bool:
    return path.startswith(RELAY_PREFIXES)


def register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _assign_request_id():
        g.request_id = new_request_id()

    @app.after_request
    def _set_request_id(response: Response):
        response.headers[REQUEST_ID_HEADER] = request_id()
        return response


def error_response(err: OneAPIError) -> Response:
    """Render in the dialect of the path: OpenAI body for relay, envelope for /api."""
    if is_relay_path(request.path):
        resp = jsonify(err.openai_body(request_id()))
        resp.status_code = err.status
        return resp
    resp = jsonify({"success": False, "message": err.message})
    # one-api answers business errors with HTTP 200; auth, rate limits and errors marked
    # ``envelope_status`` (e.g. malformed option JSON → 400) keep their real status.
    real = getattr(err, "envelope_status", None)
    resp.status_code = real or (err.status if err.status in (401, 403, 429) else 200)
    return resp


def register_error_handlers(app: Flask) -> None:
    from .extensions import db

    @app.errorhandler(OneAPIError)
    def _oneapi_error(err: OneAPIError):
        db.session.rollback()
        return error_response(err)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        code = err.code or 500
        if code in (404, 405) and is_relay_path(request.path):
            message = f"Invalid URL ({request.method} {request.path})"
            return error_response(OneAPIError(message, status=404, code="not_found",
                                              type="invalid_request_error"))
        if request.path.startswith("/api") or is_relay_path(request.path):
            status_code = code
            body = {"success": False, "message": err.description or err.name}
            if is_relay_path(request.path):
                body = OneAPIError(err.description or err.name, status=code).openai_body(request_id())
            resp = jsonify(body)
            resp.status_code = status_code
            return resp
        return err

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        db.session.rollback()
        log.exception("unhandled error on %s %s (request id %s)", request.method, request.path, request_id())
        return error_response(OneAPIError("internal server error", status=500, code="internal_error"))


def _frontend_dir(app: Flask) -> str:
    configured = app.config["SETTINGS"].frontend_dist
    if configured:
        return os.path.abspath(configured)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(root, "frontend", "dist")


def register_web(app: Flask) -> None:
    """Serve ``frontend/dist``: hashed assets cached long, ``index.html`` never cached,
    SPA fallback for every path that is not ``/api``, ``/v1`` or an existing file."""
    dist = _frontend_dir(app)
    settings = app.config["SETTINGS"]
    redirect_base = settings.frontend_base_url if not settings.is_master else ""

    def index() -> Response:
        if redirect_base:
            from flask import redirect

            return redirect(redirect_base + request.full_path.rstrip("?"), code=302)
        if not os.path.isfile(os.path.join(dist, "index.html")):
            return Response("Frontend not built: run `make run` (or `npm run build` in frontend/).",
                            status=503, mimetype="text/plain")
        resp = send_from_directory(dist, "index.html", max_age=0)
        resp.headers["Cache-Control"] = "no-cache"
        return resp

    @app.route("/", methods=["GET"])
    def web_root():
        return index()

    @app.route("/<path:path>", methods=["GET"])
    def web_path(path: str):
        if path.startswith(("api/", "v1/")) or path in ("api", "v1"):
            return error_response(OneAPIError(f"Invalid URL ({request.method} /{path})", status=404,
                                              code="not_found", type="invalid_request_error"))
        full = os.path.join(dist, path)
        if os.path.isfile(full) and os.path.abspath(full).startswith(dist + os.sep):
            immutable = path.startswith("assets/")
            resp = send_from_directory(dist, path, max_age=31536000 if immutable else 3600)
            if immutable:
                resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return resp
        return index()
