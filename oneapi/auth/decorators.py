"""Route guards: ``@user_required``, ``@admin_required``, ``@root_required``.

The guarded view gets the caller from :func:`current_caller` (also ``g.auth_user``)."""
from __future__ import annotations

from functools import wraps

from flask import g

from ..models import Role, User
from .session import authenticated_user, require_role


def _guard(minimum: Role):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_role(minimum)
            return view(*args, **kwargs)

        return wrapped

    return decorator


user_required = _guard(Role.COMMON)
admin_required = _guard(Role.ADMIN)
root_required = _guard(Role.ROOT)


def current_caller() -> User:
    return g.auth_user


def optional_caller() -> User | None:
    return authenticated_user(optional=True)
