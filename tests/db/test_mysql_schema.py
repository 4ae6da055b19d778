"""MySQL/MariaDB specifics of the schema: the Alembic chain and the adoption of a Go one-api
database both leave tokens.key and abilities.model case-sensitive (binary collation), and a Go
database (GORM's MySQL DDL, case-insensitive utf8mb4 default) is adopted without losing rows."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from oneapi import create_app
from oneapi.config import from_env
from oneapi.extensions import db
from oneapi.services.dbsetup import migrate_database

pytestmark = pytest.mark.mysql


def _fresh_mysql_database() -> str:
    base = os.environ.get("TEST_MYSQL_URL")
    if not base:
        if os.environ.get("CI") or os.environ.get("ONEAPI_REQUIRE_SERVICES"):
            pytest.fail("TEST_MYSQL_URL is not set: `make test` starts the MariaDB server")
        pytest.skip("TEST_MYSQL_URL not set (run through `make test`)")
    url = make_url(base)
    name = f"oneapi_my_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        # The server default an operator's database typically has: utf8mb4, case-insensitive.
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"))
    engine.dispose()
    return url.set(database=name).update_query_dict({"charset": "utf8mb4"}).render_as_string(hide_password=False)


def _app(url: str):
    return create_app({"SETTINGS": from_env({"SESSION_SECRET": "x"}), "SQLALCHEMY_DATABASE_URI": url,
                       "ONEAPI_SKIP_RUNTIME": True})


def _collations(conn) -> dict[str, str]:
    rows = conn.execute(text(
        "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME), COLLATION_NAME FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = DATABASE() AND COLLATION_NAME IS NOT NULL")).all()
    return {r[0]: r[1] for r in rows}


def test_fresh_schema_has_case_sensitive_keys_and_models():
    url = _fresh_mysql_database()
    app = _app(url)
    migrate_database(app)
    migrate_database(app)  # idempotent
    with app.app_context():
        with db.engine.connect() as conn:
            collations = _collations(conn)
            assert collations["tokens.key"] == "utf8mb4_bin"
            assert collations["abilities.model"] == "utf8mb4_bin"
            assert collations["users.username"] != "utf8mb4_bin"  # untouched: Go one-api's behaviour
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        db.engine.dispose()


GO_MYSQL_SCHEMA = [
    # What GORM AutoMigrate creates on MySQL for upstream one-api (a subset of the columns).
    """CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, username varchar(191) UNIQUE,
       password longtext NOT NULL, display_name varchar(191), role bigint DEFAULT 1, status bigint DEFAULT 1,
       email varchar(191), github_id varchar(191), wechat_id varchar(191), lark_id varchar(191),
       oidc_id varchar(191), access_token char(32) UNIQUE, quota bigint DEFAULT 0, used_quota bigint DEFAULT 0,
       request_count bigint DEFAULT 0, `group` varchar(32) DEFAULT 'default', aff_code varchar(32) UNIQUE,
       inviter_id bigint, KEY idx_users_display_name (display_name), KEY idx_users_email (email))""",
    """CREATE TABLE tokens (id bigint AUTO_INCREMENT PRIMARY KEY, user_id bigint, `key` char(48) UNIQUE,
       status bigint DEFAULT 1, name varchar(191), created_time bigint, accessed_time bigint,
       expired_time bigint DEFAULT -1, remain_quota bigint DEFAULT 0, unlimited_quota boolean DEFAULT false,
       used_quota bigint DEFAULT 0, KEY idx_tokens_name (name))""",
    """CREATE TABLE channels (id bigint AUTO_INCREMENT PRIMARY KEY, type bigint DEFAULT 0, `key` text,
       status bigint DEFAULT 1, name varchar(191), weight bigint unsigned DEFAULT 0, created_time bigint,
       test_time bigint, response_time bigint, base_url varchar(191) DEFAULT '', other longtext,
       balance double, balance_updated_time bigint, models longtext, `group` varchar(32) DEFAULT 'default',
       used_quota bigint DEFAULT 0, model_mapping varchar(1024) DEFAULT '', priority bigint DEFAULT 0,
       config longtext, KEY idx_channels_name (name))""",
    """CREATE TABLE abilities (`group` varchar(32), model varchar(191), channel_id bigint, enabled boolean,
       priority bigint DEFAULT 0, PRIMARY KEY (`group`, model, channel_id), KEY idx_abilities_channel_id (channel_id),
       KEY idx_abilities_priority (priority))""",
    """CREATE TABLE logs (id bigint AUTO_INCREMENT PRIMARY KEY, user_id bigint, created_at bigint, type bigint,
       content longtext, username varchar(191) DEFAULT '', token_name varchar(191) DEFAULT '',
       model_name varchar(191) DEFAULT '', quota bigint DEFAULT 0, prompt_tokens bigint DEFAULT 0,
       completion_tokens bigint DEFAULT 0, channel_id bigint, request_id varchar(191) DEFAULT '',
       elapsed_time bigint DEFAULT 0, is_stream boolean DEFAULT false, system_prompt_reset boolean DEFAULT false,
       KEY idx_created_at_type (created_at, type), KEY index_username_model_name (model_name, username))""",
    """CREATE TABLE options (`key` varchar(191) PRIMARY KEY, value longtext)""",
    """CREATE TABLE redemptions (id bigint AUTO_INCREMENT PRIMARY KEY, user_id bigint, `key` char(32) UNIQUE,
       status bigint DEFAULT 1, name varchar(191), quota bigint DEFAULT 100, created_time bigint,
       redeemed_time bigint)""",
]

KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789aBcDeFgHiJkL"


def test_adopts_go_one_api_mysql_database():
    url = _fresh_mysql_database()
    engine = create_engine(url)
    with engine.begin() as conn:
        for ddl in GO_MYSQL_SCHEMA:
            conn.execute(text(ddl))
        conn.execute(text("INSERT INTO users (id, username, password, role, status, quota, `group`, access_token) "
                          "VALUES (1, 'root', '$2a$10$abcdefghijklmnopqrstuu', 100, 1, 12345, 'default', 'a'), "
                          "(7, 'alice', 'x', 1, 1, 999, 'vip', 'b')"))
        conn.execute(text("INSERT INTO tokens (id, user_id, `key`, name, remain_quota, unlimited_quota) "
                          "VALUES (3, 7, :k, 'k', 50, false)"), {"k": KEY})
        conn.execute(text("INSERT INTO channels (id, type, `key`, name, models, `group`) "
                          "VALUES (5, 1, 'sk-up', 'up', 'gpt-4o,GPT-4o', 'default')"))
        conn.execute(text("INSERT INTO abilities (`group`, model, channel_id, enabled, priority) "
                          "VALUES ('default', 'gpt-4o', 5, true, 0)"))
        conn.execute(text("INSERT INTO options (`key`, value) VALUES ('SystemName', 'Go One API')"))
    engine.dispose()

    app = _app(url)
    migrate_database(app)
    with app.app_context():
        insp = inspect(db.engine)
        assert {"alembic_version", "user_request_costs", "token_transactions"} <= set(insp.get_table_names())
        assert {"created_at", "subnet", "models"} <= {c["name"] for c in insp.get_columns("tokens")}
        assert "suspend_until" in {c["name"] for c in insp.get_columns("abilities")}
        with db.engine.connect() as conn:
            collations = _collations(conn)
            assert collations["tokens.key"] == "utf8mb4_bin"
            assert collations["abilities.model"] == "utf8mb4_bin"
            assert conn.execute(text("SELECT COUNT(*) FROM tokens WHERE `key` = :k"), {"k": KEY}).scalar() == 1
            assert conn.execute(text("SELECT COUNT(*) FROM tokens WHERE `key` = :k"),
                                {"k": KEY.swapcase()}).scalar() == 0
            users = conn.execute(text("SELECT id, username, quota FROM users ORDER BY id")).all()
            assert [tuple(u) for u in users] == [(1, "root", 12345), (7, "alice", 999)]
            assert conn.execute(text("SELECT remain_quota FROM tokens WHERE id = 3")).scalar() == 50
            # The GPT-4o ability the case-insensitive key refused can now exist beside gpt-4o.
            conn.execute(text("INSERT INTO abilities (`group`, model, channel_id, enabled, priority) "
                              "VALUES ('default', 'GPT-4o', 5, true, 0)"))
            conn.commit()
        db.engine.dispose()
    migrate_database(app)  # a second start is a no-op
