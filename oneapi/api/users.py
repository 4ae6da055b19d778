"""``/api`` users blueprint: account lifecycle (``auth.views``), self-service and admin
routes (the global API rate limit is applied in ``register_api``)."""
from __future__ import annotations

from flask import Blueprint

from ..auth.views import bp as auth_bp
from .users_admin import bp as admin_bp
from .users_self import bp as self_bp

bp = Blueprint("users", __name__, url_prefix="/api")
bp.register_blueprint(auth_bp)
bp.register_blueprint(self_bp)
bp.register_blueprint(admin_bp)
