"""The gunicorn test gateway runs on the backend the suite was asked for: a fresh PostgreSQL
database per gateway (``SQL_DSN=postgres://…``) under ``ONEAPI_TEST_DB=postgres``, else SQLite."""
from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from oneapi.config import dsn_to_uri
from tests.mocks.gateway import Gateway


def test_gateway_backend_follows_the_suite(tmp_path):
    first, second = Gateway(tmp_path / "a"), Gateway(tmp_path / "b")
    if os.environ.get("ONEAPI_TEST_DB") == "postgres" and os.environ.get("TEST_PG_URL"):
        assert first.backend == second.backend == "postgres"
        assert first.env["SQL_DSN"].startswith("postgres://") and first.uri == dsn_to_uri(first.env["SQL_DSN"])
        assert first.uri != second.uri  # a fresh database per gateway
        for gw in (first, second):
            engine = create_engine(gw.uri)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT current_database()")).scalar() == gw.uri.rsplit("/", 1)[1]
            engine.dispose()
    else:
        assert first.backend == "sqlite" and "SQL_DSN" not in first.env
        assert first.uri.startswith("sqlite:///") and first.uri != second.uri
