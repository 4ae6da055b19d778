"""Database lifecycle: SQLite pragmas, migrations (adopting a Go one-api database), bootstrap."""
from __future__ import annotations

import logging

from sqlalchemy import Text, event, inspect, text
from sqlalchemy.engine import Engine

from ..extensions import db

log = logging.getLogger(__name__)


def install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=OFF")
        cur.close()


# Columns one-api compares byte for byte: relay keys (sk-… mixes cases) and ability models (a
# channel may serve "Qwen-Max" and "qwen-max"). MySQL/MariaDB's default collations ignore case.
CASE_SENSITIVE_COLUMNS = (("tokens", "key"), ("abilities", "model"))


def mysql_case_sensitive_columns(conn) -> list[str]:
    """Give CASE_SENSITIVE_COLUMNS the binary collation of their character set (MySQL/MariaDB
    only; keeps type, length and nullability; a no-op when already binary). Returns what changed."""
    if conn.dialect.name not in ("mysql", "mariadb"):
        return []
    changed = []
    for table, column in CASE_SENSITIVE_COLUMNS:
        row = conn.execute(text(
            "SELECT COLUMN_TYPE, IS_NULLABLE, CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :t AND COLUMN_NAME = :c"), {"t": table, "c": column}
        ).first()
        if row is None or not row[2] or (row[3] or "").endswith("_bin"):
            continue
        column_type, nullable, charset = row[0], row[1] == "YES", row[2]
        conn.execute(text(f"ALTER TABLE `{table}` MODIFY `{column}` {column_type} CHARACTER SET {charset} "
                          f"COLLATE {charset}_bin {'NULL' if nullable else 'NOT NULL'}"))
        log.info("%s.%s is now case-sensitive (%s_bin)", table, column, charset)
        changed.append(f"{table}.{column}")
    return changed


def _adopt_existing(engine: Engine) -> bool:
    """A database created by Go one-api has our tables but no ``alembic_version``: add any
    missing table or column (never dropping anything), then stamp the current head."""
    insp = inspect(engine)
    existing = set(insp.get_table_names())
    if "alembic_version" in existing or "users" not in existing:
        return False
    log.warning("adopting an existing one-api database (tables present, no alembic version)")
    metadata = db.metadata
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name not in existing:
                table.create(conn)
                continue
            have = {c["name"] for c in insp.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                col_type = column.type.compile(dialect=engine.dialect)
                name = engine.dialect.identifier_preparer.quote(column.name)
                tname = engine.dialect.identifier_preparer.quote(table.name)
                default = ""
                # MySQL refuses a literal DEFAULT on TEXT columns (the ORM fills them on insert).
                text_on_mysql = engine.dialect.name in ("mysql", "mariadb") and isinstance(column.type, Text)
                if column.default is not None and getattr(column.default, "is_scalar", False) and not text_on_mysql:
                    value = column.default.arg
                    if isinstance(value, bool):
                        value = int(value) if engine.dialect.name != "postgresql" else str(value).lower()
                    default = f" DEFAULT {value!r}" if isinstance(value, str) else f" DEFAULT {value}"
                conn.execute(text(f"ALTER TABLE {tname} ADD COLUMN {name} {col_type}{default}"))
                log.info("added column %s.%s", table.name, column.name)
        mysql_case_sensitive_columns(conn)
    return True


def migrate_database(app) -> None:
    """Bring the schema to the latest revision (master nodes only) and bootstrap root."""
    from flask_migrate import stamp, upgrade

    from ..extensions import init_migrate

    init_migrate(app)
    with app.app_context():
        if app.config["SETTINGS"].is_master:
            if _adopt_existing(db.engine):
                stamp(revision="head")
            else:
                upgrade()
        from . import bootstrap

        bootstrap.bootstrap_root(app.config["SETTINGS"])
