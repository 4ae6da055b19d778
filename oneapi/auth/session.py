"""Who is calling the admin API: session cookie (Flask-Login) or management access token."""
from __future__ import annotations

from flask import g, request
from flask_login import LoginManager, current_user, login_user, logout_user

from ..errors import Forbidden, Unauthorized
from ..extensions import db
from ..models import Role, User, UserStatus


def init_login_manager(manager: LoginManager) -> None:
    @manager.user_loader
    def _load_user(user_id: str):
        try:
            return db.session.get(User, int(user_id))
        except (TypeError, ValueError):
            return None

    @manager.unauthorized_handler
    def _unauthorized():
        raise Unauthorized("Unauthorized: not logged in and no access token provided")


def _user_from_access_token() -> User | None:
    raw = request.headers.get("Authorization", "").strip()
    if not raw:
        return None
    if raw.startswith("Bearer "):
        raw = raw[len("Bearer "):].strip()
    if not raw or raw.startswith("sk-"):
        raise Unauthorized("Unauthorized: invalid access token")
    user = db.session.execute(db.select(User).where(User.access_token == raw)).scalar_one_or_none()
    if user is None:
        raise Unauthorized("Unauthorized: invalid access token")
    return user


def authenticated_user(optional: bool = False) -> User | None:
    """The calling user, re-read from the database on every request so a ban or a role change
    applies at once. Raises 401/403 unless ``optional``."""
    if "auth_user" in g:
        return g.auth_user
    user = current_user._get_current_object() if current_user.is_authenticated else None
    if user is None:
        try:
            user = _user_from_access_token()
        except Unauthorized:
            if optional:
                user = None
            else:
                raise
    if user is None:
        if optional:
            return None
        raise Unauthorized("Unauthorized: not logged in and no access token provided")
    if user.status != UserStatus.ENABLED:
        logout_user()
        if optional:
            return None
        raise Forbidden("User has been banned" if user.status == UserStatus.DISABLED else "User has been deleted")
    g.auth_user = user
    return user


def require_role(minimum: Role) -> User:
    user = authenticated_user()
    if user.role < minimum:
        raise Forbidden("Unauthorized: insufficient permissions")
    return user


def start_session(user: User) -> None:
    login_user(user, remember=False)
    from flask import session

    session.permanent = True


def end_session() -> None:
    logout_user()
