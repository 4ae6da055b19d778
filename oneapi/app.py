"""Application factory: configuration, extensions, blueprints, error handlers."""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Mapping

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from . import config as config_mod
from .extensions import db, init_migrate, limiter, login_manager


def get_settings() -> config_mod.Settings:
    from flask import current_app

    return current_app.config["SETTINGS"]


def _engine_options(uri: str, settings: config_mod.Settings) -> dict[str, Any]:
    if uri.startswith("sqlite"):
        return {"connect_args": {"timeout": settings.sqlite_busy_timeout / 1000, "check_same_thread": False}}
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_recycle": settings.sql_max_lifetime,
        "pool_size": 20,
        "max_overflow": max(0, min(settings.sql_max_open_conns, 200) - 20),
    }
    if uri.startswith("mysql"):
        # MySQL/MariaDB default to REPEATABLE READ: a read after a conditional UPDATE that lost a
        # race would see the transaction's old snapshot. READ COMMITTED is PostgreSQL's default,
        # so every backend runs the same read-after-write semantics.
        options["isolation_level"] = "READ COMMITTED"
    return options


class _CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, minus the itsdangerous serializer it builds on every
    request: relay calls (and most API calls) carry no session cookie at all."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


class OneAPIFlask(Flask):
    session_interface = _CookieSessions()

    def ensure_sync(self, func):
        # every view and hook of this app is synchronous (gevent does the concurrency): skip
        # Flask's per-call coroutine check, about a dozen calls per request
        return func


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` may hold Flask keys, ``SETTINGS`` (a Settings) or
    ``ONEAPI_ENV`` (a mapping parsed instead of ``os.environ``)."""
    config = dict(config or {})
    settings = config.pop("SETTINGS", None) or config_mod.from_env(config.pop("ONEAPI_ENV", None))
    app = OneAPIFlask(__name__, static_folder=None)
    uri = config.pop("SQLALCHEMY_DATABASE_URI", None) or settings.database_uri()
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.session_secret,
        SQLALCHEMY_DATABASE_URI=uri,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(uri, settings),
        SQLALCHEMY_ECHO=settings.debug_sql,
        SESSION_COOKIE_NAME="session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.cookie_maxage_hours),
        REMEMBER_COOKIE_SECURE=settings.cookie_secure,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=128 * 1024 * 1024,
        RATELIMIT_ENABLED=not settings.rate_limit_disabled,
        RATELIMIT_STORAGE_URI=settings.redis_conn_string if settings.redis_enabled else "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    app.config.update(config)
    logging.basicConfig(level=logging.DEBUG if settings.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from .logpush import install_log_push

    install_log_push(settings)
    register_extensions(app)
    from .metrics import init_metrics

    init_metrics(app)
    register_blueprints(app)
    from .web import register_error_handlers, register_request_hooks

    register_request_hooks(app)
    register_error_handlers(app)
    from .cli import register_cli

    register_cli(app)
    from .services import runtime

    runtime.start(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    import sys

    if "gunicorn.workers.ggevent" not in sys.modules:  # a server worker never migrates
        init_migrate(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    from .auth.session import init_login_manager

    init_login_manager(login_manager)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from .services.dbsetup import install_sqlite_pragmas

        with app.app_context():
            install_sqlite_pragmas(db.engine)


def register_blueprints(app: Flask) -> None:
    from .api import register_api
    from .relay.views import register_relay
    from .web import register_web

    register_api(app)
    register_relay(app)
    register_web(app)
    from .api.ratelimits import global_web_limit, install_relay_limit

    install_relay_limit(app, [bp for name, bp in app.blueprints.items() if name.startswith("relay")])
    app.view_functions["web_root"] = global_web_limit(app.view_functions["web_root"])
    app.view_functions["web_path"] = global_web_limit(app.view_functions["web_path"])
