"""Database lifecycle: SQLite pragmas, migrations (adopting a Go one-api database), bootstrap."""
from __future__ import annotations

import logging

from sqlalchemy import event, inspect, text
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
                if column.default is not None and getattr(column.default, "is_scalar", False):
                    value = column.default.arg
                    if isinstance(value, bool):
                        value = int(value) if engine.dialect.name != "postgresql" else str(value).lower()
                    default = f" DEFAULT {value!r}" if isinstance(value, str) else f" DEFAULT {value}"
                conn.execute(text(f"ALTER TABLE {tname} ADD COLUMN {name} {col_type}{default}"))
                log.info("added column %s.%s", table.name, column.name)
    return True


def migrate_database(app) -> None:
    """Bring the schema to the latest revision (master nodes only) and bootstrap root."""
    from flask_migrate import stamp, upgrade

    with app.app_context():
        if app.config["SETTINGS"].is_master:
            if _adopt_existing(db.engine):
                stamp(revision="head")
            else:
                upgrade()
        from . import bootstrap

        bootstrap.bootstrap_root(app.config["SETTINGS"])
