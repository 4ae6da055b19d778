"""Admin and self-service JSON API under ``/api`` (and ``/dashboard/billing``).

Each module defines a blueprint ``bp``; the list below is explicit on purpose."""
from __future__ import annotations

from flask import Flask

API_MODULES = (
    "status",
    "users",
    "options",
    "dashboard",
    "channels",
    "tokens",
    "redemptions",
    "logs",
    "billing",
    "models_catalog",
)


def register_api(app: Flask) -> None:
    import importlib

    from .ratelimits import global_api_limit

    for name in API_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        global_api_limit(module.bp)  # GLOBAL_API_RATE_LIMIT per IP, one budget for all of /api
        app.register_blueprint(module.bp)
