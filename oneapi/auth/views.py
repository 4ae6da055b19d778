"""Account lifecycle under ``/api``: login, logout, register, email verification, password
reset, OAuth (GitHub, OIDC). Nested into the users blueprint (``oneapi/api/users.py``)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, session

from ..api.common import load, ok, transactional
from ..api.ratelimits import critical_limit
from ..errors import BadRequest
from ..schemas.users import EmailQueryIn, LoginIn, RegisterIn, ResetIn, login_out
from ..services import users, verification
from . import oauth, turnstile
from .session import authenticated_user, end_session, start_session

bp = Blueprint("auth", __name__)
TURNSTILE_SESSION_FLAG = "turnstile"


def _check_turnstile_once() -> None:
    """Register/verification/reset: verified once per session when Turnstile is on."""
    if not turnstile.enabled() or session.get(TURNSTILE_SESSION_FLAG):
        return
    turnstile.verify(request.args.get("turnstile", ""), request.remote_addr)
    session[TURNSTILE_SESSION_FLAG] = True


def _email_arg() -> str:
    return load(EmailQueryIn(), {"email": (request.args.get("email") or "").strip()})["email"]


@bp.post("/user/login")
@critical_limit
def login():
    data = load(LoginIn())
    username = data["username"].strip()
    if turnstile.enabled() and turnstile.login_needs_check(username):
        token = request.args.get("turnstile", "")
        if not token:
            return jsonify({"success": False, "message": "turnstile_required",
                            "data": {"turnstile_required": True}})
        turnstile.verify(token, request.remote_addr)
    try:
        user = users.authenticate(username, data["password"])
    except BadRequest:
        turnstile.record_login_failure(username)
        raise
    start_session(user)
    return ok(login_out.dump(user))


@bp.get("/user/logout")
def logout():
    end_session()
    session.pop("oauth_state", None)
    return ok(None)


@bp.post("/user/register")
@critical_limit
@transactional
def register():
    data = load(RegisterIn())
    _check_turnstile_once()
    users.register(data)
    return ok(None)


@bp.get("/verification")
@critical_limit
def send_verification():
    email = _email_arg()
    _check_turnstile_once()
    verification.send_verification_code(email)
    return ok(None, message="If the address can be used, a verification code has been sent")


@bp.get("/reset_password")
@critical_limit
def send_reset():
    email = _email_arg()
    _check_turnstile_once()
    verification.send_password_reset(email)
    return ok(None, message="If the address belongs to an account, a reset link has been sent")


@bp.post("/user/reset")
@critical_limit
@transactional
def reset_password():
    data = load(ResetIn())
    password = data["password"]
    if password and not 8 <= len(password) <= 20:
        raise BadRequest("invalid request: password: password must be 8 to 20 characters")
    return ok(users.reset_password(data["email"], data["token"], password))


@bp.get("/oauth/state")
@critical_limit
def oauth_state():
    state = oauth.new_state()
    session["oauth_state"] = state
    return ok(state)


def _oauth_callback(provider: str, fetch):
    state = request.args.get("state", "")
    expected = session.get("oauth_state")
    if not state or not expected or state != expected:
        raise BadRequest("state is empty or does not match")
    identity = fetch(request.args.get("code", ""))
    session.pop("oauth_state", None)
    bind_to = authenticated_user(optional=True)
    user, bound = users.oauth_user(provider, identity, bind_to)
    if bound:
        return ok(None, message="bind")
    start_session(user)
    return ok(login_out.dump(user))


@bp.get("/oauth/email/bind")
@critical_limit
@transactional
def bind_email():
    user = authenticated_user()
    users.bind_email(user, _email_arg(), (request.args.get("code") or "").strip())
    return ok(None)


@bp.get("/oauth/github")
@critical_limit
@transactional
def oauth_github():
    return _oauth_callback("github", oauth.fetch_github_identity)


@bp.get("/oauth/oidc")
@critical_limit
@transactional
def oauth_oidc():
    return _oauth_callback("oidc", oauth.fetch_oidc_identity)

