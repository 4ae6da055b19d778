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

    for name in API_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        app.register_blueprint(module.bp)
