"""Per-process runtime state started by ``create_app``: cache bus, options, tokenizer."""
from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import inspect

from ..extensions import db
from . import cache_bus, options

log = logging.getLogger(__name__)


def start(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    redis_client = None
    if settings.redis_enabled:
        import redis

        redis_client = redis.Redis.from_url(settings.redis_conn_string, socket_timeout=5)
        redis_client.ping()
        app.extensions["oneapi_redis"] = redis_client
    cache_bus.init_bus(app.config["SQLALCHEMY_DATABASE_URI"], redis_client)
    if not app.extensions.get("oneapi_session_hooks"):
        from sqlalchemy.orm import Session

        cache_bus.install_session_hooks(Session)
        app.extensions["oneapi_session_hooks"] = True
    options.init_store(settings.sync_frequency)
    if settings.log_sql_dsn:
        log.warning("LOG_SQL_DSN is set but not supported yet: logs are stored in the main database")
    if app.config.get("ONEAPI_SKIP_RUNTIME"):
        return
    _start_relay(app, settings)
    from ..relay.tokenizer import init_tokenizers, preload_for_models

    init_tokenizers(settings.tiktoken_cache_dir or None)
    with app.app_context():
        if inspect(db.engine).has_table("options"):
            options.store().load()
            preload_for_models(_configured_models())
        else:
            log.warning("database has no tables yet: run `oneapi migrate`")
    from .scheduler import start_channel_test_loop

    start_channel_test_loop(app, settings.channel_test_frequency)


def _configured_models() -> list[str]:
    from ..models import Ability

    return list(db.session.execute(db.select(Ability.model).distinct()).scalars())


def _start_relay(app: Flask, settings) -> None:
    """Relay runtime: fresh per-worker caches; batch updater flushed on exit."""
    import atexit

    from . import batch, billing, relay_cache

    relay_cache.reset()
    import sys

    from . import settle_writer

    mode = settings.settle_writer
    settle_writer.enable(mode == "true" or (mode == "auto" and "gunicorn.workers.ggevent" in sys.modules))
    billing.enable_batch(settings.batch_update_enabled)
    if settings.batch_update_enabled:
        batch.updater().start(app, settings.batch_update_interval)
        atexit.register(batch.flush_all)
