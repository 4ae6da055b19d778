"""Password hashing and generation of keys, access tokens and codes."""
from __future__ import annotations

import secrets
import string
import uuid

import bcrypt

_ALNUM = string.ascii_letters + string.digits


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), (hashed or "").encode())
    except ValueError:
        return False


def random_string(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def new_access_token() -> str:
    """32 hex characters, like one-api's dashless UUID."""
    return uuid.uuid4().hex


def new_token_key() -> str:
    """48 characters: 16 random alphanumerics + a dashless UUID with letters mixed in case."""
    tail = "".join(c.upper() if i % 2 == 0 and c.isalpha() else c for i, c in enumerate(uuid.uuid4().hex))
    return random_string(16) + tail


def new_aff_code() -> str:
    return random_string(4)


def new_redemption_key() -> str:
    return uuid.uuid4().hex


def mask_secret(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
