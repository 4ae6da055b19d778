"""Users: registration, login, self-service, admin management (callers must outrank targets)."""
from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError

from ..errors import BadRequest, Conflict, Forbidden, NotFound
from ..extensions import db
from ..models import Ability, LogType, Role, Token, TokenStatus, User, UserStatus, now_s
from . import cache_bus, options
from .logs import record_log
from .security import hash_password, new_access_token, new_aff_code, new_token_key, random_string, verify_password

log = logging.getLogger(__name__)
USER_SORTS = ("id", "username", "email", "display_name", "role", "status", "quota", "used_quota",
              "request_count", "created_at", "updated_at")
LEGACY_ORDERS = ("quota", "used_quota", "request_count")
SEARCH_LIMIT = 1000


class PermissionDenied(Forbidden):
    """A business refusal (caller does not outrank the target): envelope with HTTP 200."""

    envelope_status = 200


def format_quota(quota: int) -> str:
    if options.get_bool("DisplayInCurrencyEnabled"):
        per_unit = options.get_float("QuotaPerUnit", 500000.0) or 500000.0
        return f"${quota / per_unit:.6f} quota"
    return f"{quota} point quota"


def _changed(session=None) -> None:
    cache_bus.touch(session or db.session, "users")


def _flush_unique() -> None:
    """Flush; a concurrent writer taking the same username/aff code becomes a clear conflict."""
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict("username already exists") from None


# --- lookups -------------------------------------------------------------------------------

MAX_ID = 2**31 - 1


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id) if 0 < user_id <= MAX_ID else None
    if user is None or user.status == UserStatus.DELETED:
        raise NotFound(f"user {user_id} not found")
    return user


def find_by_username(username: str) -> User | None:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()


def find_by_email(email: str) -> User | None:
    if not email:
        return None
    return db.session.execute(
        db.select(User).where(func.lower(User.email) == email.strip().lower(), User.status != UserStatus.DELETED)
        .order_by(User.id).limit(1)).scalar_one_or_none()


def _find_by(column, value: str) -> User | None:
    if not value:
        return None
    return db.session.execute(
        db.select(User).where(column == value, User.status != UserStatus.DELETED).order_by(User.id).limit(1)
    ).scalar_one_or_none()


def username_taken(username: str) -> bool:
    return db.session.execute(db.select(User.id).where(User.username == username)).first() is not None


def email_taken(email: str) -> bool:
    return find_by_email(email) is not None


# --- creation ------------------------------------------------------------------------------

def _unique_aff_code() -> str:
    for _ in range(20):
        code = new_aff_code()
        if db.session.execute(db.select(User.id).where(User.aff_code == code)).first() is None:
            return code
    return random_string(8)


def _insert_user(username: str, password: str, *, display_name: str = "", email: str = "",
                 inviter: User | None = None, **identity: Any) -> User:
    """one-api's ``User.Insert``: new-user quota, access token, aff code, invitation rewards,
    system logs, and a default unlimited relay key named ``default``."""
    if username_taken(username):
        raise Conflict("username already exists")
    quota_new = max(0, options.get_int("QuotaForNewUser"))
    user = User(username=username, password=hash_password(password), display_name=display_name or username,
                email=email or "", role=int(Role.COMMON), status=int(UserStatus.ENABLED), quota=quota_new,
                access_token=new_access_token(), aff_code=_unique_aff_code(), group="default",
                inviter_id=inviter.id if inviter else 0, **identity)
    db.session.add(user)
    _flush_unique()
    if quota_new > 0:
        record_log(user.id, LogType.SYSTEM, f"New user registration gift {format_quota(quota_new)}",
                   username=user.username)
    if inviter is not None:
        invitee_bonus = max(0, options.get_int("QuotaForInvitee"))
        inviter_bonus = max(0, options.get_int("QuotaForInviter"))
        if invitee_bonus > 0:
            user.quota += invitee_bonus
            record_log(user.id, LogType.SYSTEM, f"Invitation gift {format_quota(invitee_bonus)}",
                       username=user.username)
        if inviter_bonus > 0:
            db.session.execute(db.update(User).where(User.id == inviter.id)
                               .values(quota=User.quota + inviter_bonus))
            record_log(inviter.id, LogType.SYSTEM,
                       f"Invitation reward {format_quota(inviter_bonus)} (invited {user.username})")
    now = now_s()
    db.session.add(Token(user_id=user.id, key=new_token_key(), name="default", status=int(TokenStatus.ENABLED),
                         created_time=now, accessed_time=now, expired_time=-1, remain_quota=-1,
                         unlimited_quota=True))
    db.session.flush()
    _changed()
    cache_bus.touch(db.session, "tokens")
    return user


def _inviter_by_code(aff_code: str) -> User | None:
    if not aff_code:
        return None
    inviter = db.session.execute(db.select(User).where(User.aff_code == aff_code)).scalar_one_or_none()
    if inviter is None or inviter.status == UserStatus.DELETED:
        # like one-api: a stale invitation link must not block sign-up; it just earns nothing
        log.info("registration with unknown invitation code ignored")
        return None
    return inviter


def register(data: dict) -> User:
    """Self sign-up (switches and email code are checked by the caller's flow below)."""
    if not options.get_bool("RegisterEnabled"):
        raise BadRequest("new user registration has been disabled by the administrator")
    if not options.get_bool("PasswordRegisterEnabled"):
        raise BadRequest("password registration has been disabled by the administrator; "
                         "please sign up with a third-party account")
    email = ""
    if options.get_bool("EmailVerificationEnabled"):
        from . import verification

        email = data.get("email") or ""
        if not email or not data.get("verification_code"):
            raise BadRequest("email and verification code are required")
        check_email_domain(email)
        if email_taken(email):
            raise Conflict("email already in use")
        if not verification.check(verification.EMAIL_VERIFICATION, email, data["verification_code"]):
            raise BadRequest("verification code is invalid or has expired")
    inviter = _inviter_by_code(data.get("aff_code") or "")
    return _insert_user(data["username"], data["password"], display_name=data.get("display_name") or "",
                        email=email, inviter=inviter)


def check_email_domain(email: str) -> None:
    if not options.get_bool("EmailDomainRestrictionEnabled"):
        return
    domain = email.rsplit("@", 1)[-1].strip().lower()
    allowed = {d.strip().lower() for d in options.get_option("EmailDomainWhitelist").split(",") if d.strip()}
    if domain not in allowed:
        raise BadRequest("the administrator has restricted registration to whitelisted email domains")


# --- login ---------------------------------------------------------------------------------

def authenticate(identifier: str, password: str) -> User:
    user = find_by_username(identifier)
    if user is None and "@" in identifier:
        user = find_by_email(identifier)
    if not options.get_bool("PasswordLoginEnabled") and (user is None or user.role != Role.ROOT):
        raise BadRequest("password login has been disabled by the administrator")
    if user is None or user.status == UserStatus.DELETED or not verify_password(password, user.password):
        raise BadRequest("username or password is incorrect, or the user has been banned")
    if user.status != UserStatus.ENABLED:
        raise BadRequest("user has been banned")
    return user


# --- self-service --------------------------------------------------------------------------

def update_self(user: User, data: dict) -> User:
    username = (data.get("username") or "").strip()
    if username and username != user.username:
        if username_taken(username):
            raise Conflict("username already exists")
        user.username = username
    if data.get("display_name") is not None:
        user.display_name = data["display_name"]
    if data.get("password"):
        _set_password(user, data["password"])
    _flush_unique()
    _changed()
    return user


def _set_password(user: User, password: str) -> None:
    if not 8 <= len(password) <= 20:
        raise BadRequest("invalid request: password: password must be 8 to 20 characters")
    if len(password.encode()) > 72:
        raise BadRequest("invalid request: password: password must be at most 72 bytes")
    user.password = hash_password(password)


def soft_delete(user: User) -> None:
    if user.role == Role.ROOT:
        raise PermissionDenied("the root user cannot be deleted")
    user.username = f"deleted_{uuid.uuid4().hex}"
    user.status = int(UserStatus.DELETED)
    user.access_token = None
    db.session.flush()
    _changed()


def rotate_access_token(user: User) -> str:
    user.access_token = new_access_token()
    db.session.flush()
    _changed()
    return user.access_token


def ensure_aff_code(user: User) -> str:
    if not user.aff_code:
        user.aff_code = _unique_aff_code()
        _flush_unique()
        _changed()
    return user.aff_code


def available_models(user: User) -> list[str]:
    rows = db.session.execute(db.select(Ability.model).where(Ability.group == user.group, Ability.enabled.is_(True))
                              .distinct()).scalars().all()
    return sorted(set(rows))


# --- admin ---------------------------------------------------------------------------------

def _require_outrank(caller: User, target: User, what: str) -> None:
    if caller.role <= target.role and caller.role != Role.ROOT:
        raise PermissionDenied(f"no permission to {what} a user of the same or a higher role")


def list_users(page, sort: str, desc: bool) -> tuple[list[User], int]:
    base = db.select(User).where(User.status != UserStatus.DELETED)
    total = db.session.execute(db.select(func.count()).select_from(base.subquery())).scalar_one()
    column = getattr(User, sort if sort in USER_SORTS else "id")
    order = [column.desc() if desc else column.asc(), User.id.desc()]
    rows = db.session.execute(base.order_by(*order).offset(page.offset).limit(page.size)).scalars().all()
    return list(rows), total


def _like_prefix(keyword: str) -> str:
    return keyword.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def search_users(keyword: str, sort: str, desc: bool) -> tuple[list[User], int]:
    keyword = (keyword or "").replace("\x00", "").strip()
    query = db.select(User).where(User.status != UserStatus.DELETED)
    if keyword:
        pattern = _like_prefix(keyword)
        conds = [User.username.like(pattern, escape="!"), User.email.like(pattern, escape="!"),
                 User.display_name.like(pattern, escape="!")]
        if keyword.isdigit() and len(keyword) < 10:
            conds.append(User.id == int(keyword))
        query = query.where(or_(*conds))
    column = getattr(User, sort if sort in USER_SORTS else "id")
    total = db.session.execute(db.select(func.count()).select_from(query.subquery())).scalar_one()
    rows = db.session.execute(query.order_by(column.desc() if desc else column.asc(), User.id.desc())
                              .limit(SEARCH_LIMIT)).scalars().all()
    return list(rows), total


def admin_get(caller: User, user_id: int) -> User:
    target = get_user(user_id)
    if caller.id != target.id:
        _require_outrank(caller, target, "view")
    return target


def admin_create(caller: User, data: dict) -> User:
    role = data.get("role")
    if role is not None and role >= caller.role:
        raise PermissionDenied("cannot create a user with a role greater than or equal to your own")
    user = _insert_user(data["username"], data["password"], display_name=data.get("display_name") or "",
                        email=data.get("email") or "")
    if data.get("quota"):
        user.quota = data["quota"]
    if data.get("group"):
        user.group = data["group"]
    db.session.flush()
    return user


def admin_update(caller: User, data: dict) -> User:
    target = get_user(data["id"])
    if caller.id != target.id:
        _require_outrank(caller, target, "edit")
    role = data.get("role")
    if role is not None and role != target.role:
        if target.role == Role.ROOT:
            raise PermissionDenied("the root user's role cannot be changed")
        if caller.role != Role.ROOT and role >= caller.role:
            raise PermissionDenied("cannot grant a role greater than or equal to your own")
        target.role = role
    status = data.get("status")
    if status is not None and status != target.status:
        if target.role == Role.ROOT:
            raise PermissionDenied("the root user cannot be disabled or deleted")
        if status == UserStatus.DELETED:
            soft_delete(target)
            return target
        target.status = status
    username = data.get("username")
    if username is not None and username != target.username:
        if username_taken(username):
            raise Conflict("username already exists")
        target.username = username
        _flush_unique()
    for name in ("display_name", "email", "group"):
        if data.get(name) is not None:
            setattr(target, name, data[name])
    if data.get("password"):
        _set_password(target, data["password"])
    quota = data.get("quota")
    if quota is not None and quota != target.quota:
        old = target.quota
        target.quota = quota
        record_log(target.id, LogType.MANAGE,
                   f"Administrator {caller.username} changed user quota from {format_quota(old)} "
                   f"to {format_quota(quota)}", username=target.username)
    _flush_unique()
    _changed()
    return target


def manage(caller: User, username: str, action: str) -> dict:
    target = find_by_username(username)
    if target is None or target.status == UserStatus.DELETED:
        raise NotFound(f"user {username!r} not found")
    _require_outrank(caller, target, "manage")
    if action == "disable":
        if target.role == Role.ROOT:
            raise PermissionDenied("the root user cannot be disabled")
        target.status = int(UserStatus.DISABLED)
    elif action == "enable":
        target.status = int(UserStatus.ENABLED)
    elif action == "delete":
        soft_delete(target)
    elif action == "promote":
        if caller.role != Role.ROOT:
            raise PermissionDenied("only the root user can promote users to admin")
        if target.role >= Role.ADMIN:
            raise BadRequest("the user is already an admin")
        target.role = int(Role.ADMIN)
    elif action == "demote":
        if target.role == Role.ROOT:
            raise PermissionDenied("the root user cannot be demoted")
        if target.role == Role.COMMON:
            raise BadRequest("the user is already a common user")
        target.role = int(Role.COMMON)
    db.session.flush()
    _changed()
    return {"role": target.role, "status": target.status}


def admin_delete(caller: User, user_id: int) -> None:
    target = get_user(user_id)
    if caller.role <= target.role:
        raise PermissionDenied("no permission to delete a user of the same or a higher role")
    soft_delete(target)


def bind_email(user: User, email: str, code: str) -> None:
    """Set or change the caller's email after checking the code mailed by ``/api/verification``."""
    from . import verification

    check_email_domain(email)
    owner = find_by_email(email)
    if owner is not None and owner.id != user.id:
        raise Conflict("email already in use")
    if not verification.check(verification.EMAIL_VERIFICATION, email, code):
        raise BadRequest("verification code is invalid or has expired")
    user.email = email
    db.session.flush()
    _changed()


# --- password reset ------------------------------------------------------------------------

def reset_password(email: str, token: str, password: str) -> str:
    from . import verification

    if not verification.check(verification.PASSWORD_RESET, email, token):
        raise BadRequest("the reset link is invalid or has expired")
    user = find_by_email(email)
    if user is None:
        raise BadRequest("the reset link is invalid or has expired")
    password = password or random_string(12)
    _set_password(user, password)
    db.session.flush()
    _changed()
    return password


# --- OAuth ---------------------------------------------------------------------------------

OAUTH_COLUMNS = {"github": "github_id", "oidc": "oidc_id"}


def oauth_user(provider: str, identity: dict, bind_to: User | None) -> tuple[User, bool]:
    """Log in, auto-register (``<provider>_<n>``) or bind an external identity.

    ``identity`` = {id, username?, display_name?, email?}; returns (user, bound)."""
    column_name = OAUTH_COLUMNS[provider]
    column = getattr(User, column_name)
    external_id = str(identity["id"])
    owner = _find_by(column, external_id)
    if bind_to is not None:
        if owner is not None and owner.id != bind_to.id:
            raise Conflict(f"this {provider} account is already bound to another user")
        setattr(bind_to, column_name, external_id)
        db.session.flush()
        _changed()
        return bind_to, True
    if owner is not None:
        if owner.status != UserStatus.ENABLED:
            raise BadRequest("user has been banned")
        return owner, False
    if not options.get_bool("RegisterEnabled"):
        raise BadRequest("new user registration has been disabled by the administrator")
    wanted = (identity.get("username") or "").strip()
    if not wanted or len(wanted) > 30 or username_taken(wanted):
        next_id = (db.session.execute(db.select(func.max(User.id))).scalar() or 0) + 1
        wanted = f"{provider}_{next_id}"
        while username_taken(wanted):
            next_id += 1
            wanted = f"{provider}_{next_id}"
    display = (identity.get("display_name") or wanted)[:20]
    email = (identity.get("email") or "")[:50]
    user = _insert_user(wanted, random_string(16), display_name=display, email=email,
                        **{column_name: external_id})
    return user, False
