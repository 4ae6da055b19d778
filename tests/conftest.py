"""Shared fixtures: a real database (SQLite file, PostgreSQL with ONEAPI_TEST_DB=postgres, or
MySQL/MariaDB with ONEAPI_TEST_DB=mysql),
the app, clients logged in as root / admin / common users, and factories."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

from oneapi import create_app
from oneapi.config import from_env
from oneapi.extensions import db
from oneapi.services import options as options_service
from oneapi.services.dbsetup import migrate_database

pytest_plugins = ["tests.support.factories"]


def _database_url(tmp_path_factory) -> str:
    backend = os.environ.get("ONEAPI_TEST_DB", "sqlite")
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'one-api.db'}"
    if backend == "postgres":
        base = os.environ["TEST_PG_URL"]
        name = f"oneapi_test_{uuid.uuid4().hex[:10]}"
        engine = create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return base.rsplit("/", 1)[0] + "/" + name
    if backend == "mysql":
        # A fresh database per session with the server's ordinary utf8mb4 default (case-insensitive,
        # as an operator's Go one-api database has): the columns one-api needs case-sensitive get
        # a binary collation from the migrations, not from the test setup.
        base = make_url(os.environ["TEST_MYSQL_URL"])
        name = f"oneapi_test_{uuid.uuid4().hex[:10]}"
        engine = create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        engine.dispose()
        url = base.set(database=name).update_query_dict({"charset": "utf8mb4"})
        return url.render_as_string(hide_password=False)
    raise RuntimeError(f"unknown ONEAPI_TEST_DB={backend}")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


def make_settings(database_url: str, **overrides):
    env = {"SESSION_SECRET": "test-secret", "RATE_LIMIT_DISABLED": "true"}
    settings = from_env(env, **overrides)
    return settings


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({
        "SETTINGS": make_settings(database_url),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": True,
    })
    migrate_database(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def _reset_database(app) -> None:
    from oneapi.services.bootstrap import bootstrap_root

    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        bootstrap_root(app.config["SETTINGS"])
        options_service.store().load()


@pytest.fixture(autouse=True)
def _clean_db(request):
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        _reset_database(app)
    yield


@pytest.fixture
def client(app):
    return app.test_client()
