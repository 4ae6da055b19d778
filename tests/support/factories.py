"""Factory fixtures and login helpers (real rows, real password hashes)."""
from __future__ import annotations

import itertools

import pytest

from oneapi.extensions import db
from oneapi.models import Channel, Role, Token, User, now_s
from oneapi.services.security import hash_password, new_access_token, new_aff_code, new_token_key

_seq = itertools.count(1)
# bcrypt is slow by design: hash the shared test password once.
_PASSWORD = "password123"
_HASH = None


def _hashed() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(_PASSWORD)
    return _HASH


@pytest.fixture
def make_user(app):
    def factory(username: str | None = None, role: int = Role.COMMON, quota: int = 0, group: str = "default",
                status: int = 1, **fields) -> User:
        with app.app_context():
            user = User(username=username or f"user{next(_seq)}", password=_hashed(), role=int(role),
                        status=status, quota=quota, group=group, display_name=username or "",
                        access_token=new_access_token(), aff_code=new_aff_code(), **fields)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return factory


@pytest.fixture
def make_token(app):
    def factory(user: User, name: str = "t", remain_quota: int = 0, unlimited_quota: bool = True,
                **fields) -> Token:
        with app.app_context():
            token = Token(user_id=user.id, key=new_token_key(), name=name, remain_quota=remain_quota,
                          unlimited_quota=unlimited_quota, created_time=now_s(), accessed_time=now_s(),
                          expired_time=fields.pop("expired_time", -1), **fields)
            db.session.add(token)
            db.session.commit()
            db.session.refresh(token)
            db.session.expunge(token)
            return token

    return factory


@pytest.fixture
def make_channel(app):
    def factory(**fields) -> Channel:
        from oneapi.services.channels import create_channels

        fields.setdefault("name", f"ch{next(_seq)}")
        fields.setdefault("type", 1)
        fields.setdefault("key", "sk-upstream")
        fields.setdefault("models", "gpt-3.5-turbo")
        fields.setdefault("group", "default")
        with app.app_context():
            channel = create_channels(fields)[0]
            db.session.commit()
            db.session.refresh(channel)
            db.session.expunge(channel)
            return channel

    return factory


def login(client, username: str, password: str = _PASSWORD) -> dict:
    resp = client.post("/api/user/login", json={"username": username, "password": password})
    body = resp.get_json()
    assert body["success"], body
    return body["data"]


@pytest.fixture
def root_client(app):
    c = app.test_client()
    login(c, "root", "123456")
    return c


@pytest.fixture
def user_client(app, make_user):
    """(client logged in as a fresh common user, that user)."""
    user = make_user(quota=1000)
    c = app.test_client()
    login(c, user.username)
    return c, user


@pytest.fixture
def admin_client(app, make_user):
    user = make_user(role=Role.ADMIN)
    c = app.test_client()
    login(c, user.username)
    return c, user


@pytest.fixture
def set_option(app):
    """Write one option through the options service and commit (every worker reloads)."""
    from oneapi.services import options

    def setter(key: str, value: str) -> None:
        with app.app_context():
            options.set_option(key, value)
            db.session.commit()

    return setter
