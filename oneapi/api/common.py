"""Shared pieces of the admin API views: envelope, body loading, paging, transactions."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Iterable

from flask import Response, current_app, jsonify, request
from marshmallow import Schema, ValidationError

from ..errors import BadRequest
from ..extensions import db


def ok(data: Any = None, message: str = "", **extra: Any) -> Response:
    body = {"success": True, "message": message, "data": data}
    body.update(extra)
    return jsonify(body)


def fail(message: str) -> Response:
    return jsonify({"success": False, "message": message})


def _first_error(messages: Any, prefix: str = "") -> str:
    if isinstance(messages, dict):
        for field, value in messages.items():
            name = f"{prefix}.{field}" if prefix else str(field)
            return _first_error(value, name)
    if isinstance(messages, list) and messages:
        first = messages[0]
        if isinstance(first, (dict, list)):
            return _first_error(first, prefix)
        return f"{prefix}: {first}" if prefix else str(first)
    return f"{prefix}: invalid value" if prefix else "invalid request"


def json_body() -> dict:
    """The request body as a JSON object, or a clear 4xx-style error."""
    data = request.get_json(silent=True, force=True)
    if data is None:
        raise BadRequest("invalid request body: expected a JSON object")
    if not isinstance(data, dict):
        raise BadRequest("invalid request body: expected a JSON object")
    return data


def load(schema: Schema, data: Any = None, *, partial: bool | Iterable[str] = False) -> dict:
    """Validate with marshmallow; the first problem becomes the error message."""
    if data is None:
        data = json_body()
    try:
        return schema.load(data, partial=partial)
    except ValidationError as err:
        raise BadRequest(f"invalid request: {_first_error(err.messages)}") from None


@dataclass(frozen=True)
class Page:
    page: int
    size: int

    @property
    def offset(self) -> int:
        return self.page * self.size


def page_params(default_size: int = 10) -> Page:
    """``p`` zero-based (negatives → 0), ``size`` (≤0 → default, capped at MAX_ITEMS_PER_PAGE)."""
    cap = current_app.config["SETTINGS"].max_items_per_page
    p = _int_arg("p", 0)
    size = _int_arg("size", 0) or _int_arg("page_size", 0) or _int_arg("items_per_page", 0)
    if size <= 0:
        size = default_size
    # a page far beyond any table is simply empty (and keeps OFFSET inside a bigint)
    return Page(page=min(max(p, 0), 10**9), size=min(size, cap))


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"invalid query parameter {name}: must be an integer") from None


def int_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    return _int_arg(name, 0)


def sort_params(allowed: Iterable[str], default: str = "id") -> tuple[str, bool]:
    """(column, descending) from ``sort``/``sort_by`` + ``order``/``sort_order``; whitelisted."""
    allowed = set(allowed)
    column = request.args.get("sort") or request.args.get("sort_by") or ""
    order = (request.args.get("order") or request.args.get("sort_order") or "desc").lower()
    if column not in allowed:
        return default, True
    return column, order != "asc"


def transactional(view):
    """Commit the unit of work when the view returns, roll back when it raises."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            response = view(*args, **kwargs)
            db.session.commit()
            return response
        except Exception:
            db.session.rollback()
            raise

    return wrapped
