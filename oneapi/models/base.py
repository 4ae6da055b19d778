"""Shared column helpers and enums (one-api's numeric values)."""
from __future__ import annotations

import time
from enum import IntEnum

from sqlalchemy.dialects import mysql

from ..extensions import db


def now_s() -> int:
    return int(time.time())


def now_ms() -> int:
    return int(time.time() * 1000)


class Role(IntEnum):
    GUEST = 0
    COMMON = 1
    ADMIN = 10
    ROOT = 100


class UserStatus(IntEnum):
    ENABLED = 1
    DISABLED = 2
    DELETED = 3


class TokenStatus(IntEnum):
    ENABLED = 1
    DISABLED = 2
    EXPIRED = 3
    EXHAUSTED = 4


class ChannelStatus(IntEnum):
    UNKNOWN = 0
    ENABLED = 1
    MANUALLY_DISABLED = 2
    AUTO_DISABLED = 3


class RedemptionStatus(IntEnum):
    ENABLED = 1
    DISABLED = 2
    USED = 3


class LogType(IntEnum):
    UNKNOWN = 0
    TOPUP = 1
    CONSUME = 2
    MANAGE = 3
    SYSTEM = 4
    TEST = 5
    PROVISIONAL = 6
    TOOL = 7


class TransactionStatus(IntEnum):
    """token_transactions.status as the fork stores it (reference core §1.3)."""

    PENDING = 1
    CONFIRMED = 2
    AUTO_CONFIRMED = 3
    CANCELED = 4


class TimestampMixin:
    """``created_at`` / ``updated_at`` in Unix milliseconds, like one-api's fork."""

    created_at = db.Column(db.BigInteger, default=now_ms)
    updated_at = db.Column(db.BigInteger, default=now_ms, onupdate=now_ms)


def case_sensitive_string(length: int):
    """A VARCHAR compared byte for byte on every backend: MySQL/MariaDB's default utf8mb4
    collation ignores case, so the column gets ``utf8mb4_bin`` there (migration 0002)."""
    return db.String(length).with_variant(mysql.VARCHAR(length, collation="utf8mb4_bin"), "mysql", "mariadb")
