"""The Alembic chain builds the schema on SQLite, PostgreSQL and MySQL, and a database created
by Go one-api (tables present, no alembic_version) is adopted without losing rows."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

from oneapi import create_app
from oneapi.config import from_env
from oneapi.extensions import db
from oneapi.services.dbsetup import migrate_database

TABLES = {"users", "tokens", "channels", "abilities", "logs", "options", "redemptions",
          "user_request_costs", "token_transactions", "alembic_version"}


def _fresh_database(kind: str, tmp_path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {"postgres": "TEST_PG_URL", "mysql": "TEST_MYSQL_URL"}[kind]
    base = os.environ.get(env)
    if not base:
        if os.environ.get("CI") or os.environ.get("ONEAPI_REQUIRE_SERVICES"):
            pytest.fail(f"{env} is not set: `make test` starts the {kind} server")
        pytest.skip(f"{env} not set (run through `make test`)")
    name = f"oneapi_mig_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        quoted = f'"{name}"' if kind == "postgres" else f"`{name}`"
        conn.execute(text(f"CREATE DATABASE {quoted}"))
    engine.dispose()
    url = base.rsplit("/", 1)[0] + "/" + name
    return url + ("?charset=utf8mb4" if kind == "mysql" else "")


def _app(url: str):
    return create_app({"SETTINGS": from_env({"SESSION_SECRET": "x"}), "SQLALCHEMY_DATABASE_URI": url,
                       "ONEAPI_SKIP_RUNTIME": True})


@pytest.mark.parametrize("kind", ["sqlite", "postgres", "mysql"])
def test_upgrade_builds_schema_and_root(kind, tmp_path):
    url = _fresh_database(kind, tmp_path)
    app = _app(url)
    migrate_database(app)
    migrate_database(app)  # idempotent
    with app.app_context():
        names = set(inspect(db.engine).get_table_names())
        assert TABLES <= names
        rows = db.session.execute(text("SELECT username, role, quota FROM users")).all()
        assert [(r[0], r[1]) for r in rows] == [("root", 100)]
        db.engine.dispose()


GO_SCHEMA = [
    # A subset of what Go one-api's GORM AutoMigrate creates (upstream columns only).
    """CREATE TABLE users (id integer primary key, username varchar(191) unique, password text not null,
       display_name varchar(191), role integer default 1, status integer default 1, email varchar(191),
       github_id varchar(191), wechat_id varchar(191), lark_id varchar(191), oidc_id varchar(191),
       access_token char(32) unique, quota bigint default 0, used_quota bigint default 0,
       request_count integer default 0, "group" varchar(32) default 'default', aff_code varchar(32) unique,
       inviter_id integer)""",
    """CREATE TABLE tokens (id integer primary key, user_id integer, "key" char(48) unique, status integer default 1,
       name varchar(191), created_time bigint, accessed_time bigint, expired_time bigint default -1,
       remain_quota bigint default 0, unlimited_quota numeric default false, used_quota bigint default 0)""",
    """CREATE TABLE channels (id integer primary key, type integer default 0, "key" text, status integer default 1,
       name varchar(191), weight integer default 0, created_time bigint, test_time bigint, response_time integer,
       base_url varchar(191) default '', other text, balance real, balance_updated_time bigint, models text,
       "group" varchar(32) default 'default', used_quota bigint default 0, model_mapping varchar(1024),
       priority bigint default 0, config text)""",
    """CREATE TABLE abilities ("group" varchar(32), model varchar(191), channel_id integer, enabled numeric,
       priority bigint default 0, primary key ("group", model, channel_id))""",
    """CREATE TABLE logs (id integer primary key, user_id integer, created_at bigint, type integer, content text,
       username varchar(191) default '', token_name varchar(191) default '', model_name varchar(191) default '',
       quota integer default 0, prompt_tokens integer default 0, completion_tokens integer default 0,
       channel_id integer, request_id varchar(191) default '', elapsed_time integer default 0,
       is_stream numeric default false, system_prompt_reset numeric default false)""",
    """CREATE TABLE options ("key" varchar(191) primary key, value text)""",
    """CREATE TABLE redemptions (id integer primary key, user_id integer, "key" char(32) unique,
       status integer default 1, name varchar(191), quota bigint default 100, created_time bigint,
       redeemed_time bigint)""",
]


def test_adopts_go_one_api_database_without_losing_rows(tmp_path):
    path = tmp_path / "go-one-api.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        for ddl in GO_SCHEMA:
            conn.execute(text(ddl))
        conn.execute(text("""INSERT INTO users (id, username, password, role, status, quota, "group", access_token)
                             VALUES (1, 'root', '$2a$10$abcdefghijklmnopqrstuu', 100, 1, 12345, 'default', 'a')"""))
        conn.execute(text("""INSERT INTO users (id, username, password, role, status, quota, "group", access_token)
                             VALUES (7, 'alice', 'x', 1, 1, 999, 'vip', 'b')"""))
        conn.execute(text("""INSERT INTO tokens (id, user_id, "key", name, remain_quota, unlimited_quota)
                             VALUES (3, 7, 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv', 'k', 50, 0)"""))
        conn.execute(text("""INSERT INTO channels (id, type, "key", name, models, "group")
                             VALUES (5, 1, 'sk-up', 'up', 'gpt-4o', 'default')"""))
        conn.execute(text("""INSERT INTO options ("key", value) VALUES ('SystemName', 'Go One API')"""))
    engine.dispose()

    app = _app(f"sqlite:///{path}")
    migrate_database(app)
    with app.app_context():
        insp = inspect(db.engine)
        assert "alembic_version" in insp.get_table_names()
        assert "user_request_costs" in insp.get_table_names()
        assert "created_at" in {c["name"] for c in insp.get_columns("users")}
        assert "origin_model_name" in {c["name"] for c in insp.get_columns("logs")}
        users = db.session.execute(text("SELECT id, username, quota FROM users ORDER BY id")).all()
        assert [tuple(u) for u in users] == [(1, "root", 12345), (7, "alice", 999)]  # no second root
        assert db.session.execute(text("SELECT remain_quota FROM tokens WHERE id=3")).scalar() == 50
        assert db.session.execute(text("SELECT value FROM options WHERE \"key\"='SystemName'")).scalar() \
            == "Go One API"
        db.engine.dispose()
    migrate_database(app)  # a second start is a no-op upgrade
