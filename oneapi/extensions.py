"""Flask extensions, created unbound; ``create_app`` binds them."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def init_migrate(app) -> None:
    """Flask-Migrate (Alembic, ~11 MB resident) for ``oneapi migrate`` and ``flask db``; server
    workers never load it (``create_app`` skips it under gunicorn)."""
    if "migrate" in app.extensions:
        return
    import os

    from flask_migrate import Migrate

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    Migrate(app, db, directory=os.path.join(root, "migrations"), render_as_batch=True, compare_type=False)
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
