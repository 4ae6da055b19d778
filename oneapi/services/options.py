"""Runtime options (``options`` table): defaults, in-process cache, typed accessors.

Options are loaded once per process and re-read when another worker changes one (cache bus)
or every ``SYNC_FREQUENCY`` seconds (another node may have changed the table directly).
"""
from __future__ import annotations

import json
import threading
import time
from typing import Any

from ..extensions import db
from ..models import Option
from . import cache_bus

DEFAULT_OPTIONS: dict[str, str] = {
    "PasswordLoginEnabled": "true",
    "PasswordRegisterEnabled": "true",
    "EmailVerificationEnabled": "false",
    "GitHubOAuthEnabled": "false",
    "OidcEnabled": "false",
    "WeChatAuthEnabled": "false",
    "TurnstileCheckEnabled": "false",
    "RegisterEnabled": "true",
    "AutomaticDisableChannelEnabled": "false",
    "AutomaticEnableChannelEnabled": "false",
    "ApproximateTokenEnabled": "false",
    "LogConsumeEnabled": "true",
    "DisplayInCurrencyEnabled": "true",
    "DisplayTokenStatEnabled": "true",
    "ChannelDisableThreshold": "5",
    "EmailDomainRestrictionEnabled": "false",
    "EmailDomainWhitelist": "gmail.com,163.com,126.com,qq.com,outlook.com,hotmail.com,icloud.com,"
                            "yahoo.com,foxmail.com",
    "SMTPServer": "",
    "SMTPPort": "587",
    "SMTPAccount": "",
    "SMTPFrom": "",
    "SMTPToken": "",
    "Notice": "",
    "About": "",
    "HomePageContent": "",
    "Footer": "",
    "SystemName": "One API",
    "Logo": "",
    "ServerAddress": "http://localhost:3000",
    "GitHubClientId": "",
    "GitHubClientSecret": "",
    "LarkClientId": "",
    "LarkClientSecret": "",
    "OidcClientId": "",
    "OidcClientSecret": "",
    "OidcWellKnown": "",
    "OidcAuthorizationEndpoint": "",
    "OidcTokenEndpoint": "",
    "OidcUserinfoEndpoint": "",
    "WeChatServerAddress": "",
    "WeChatServerToken": "",
    "WeChatAccountQRCodeImageURL": "",
    "MessagePusherAddress": "",
    "MessagePusherToken": "",
    "TurnstileSiteKey": "",
    "TurnstileSecretKey": "",
    "QuotaForNewUser": "0",
    "QuotaForInviter": "0",
    "QuotaForInvitee": "0",
    "QuotaRemindThreshold": "1000",
    "PreConsumedQuota": "500",
    "GroupRatio": '{"default":1,"vip":1,"svip":1}',
    "ModelRatio": "{}",
    "CompletionRatio": "{}",
    "TopUpLink": "",
    "ChatLink": "",
    "QuotaPerUnit": "500000",
    "RetryTimes": "0",
    "Theme": "modern",
}

SENSITIVE_SUFFIXES = ("Token", "Secret", "SecretKey", "Password", "APIKey")
JSON_OPTIONS = ("GroupRatio", "ModelRatio", "CompletionRatio")


def is_sensitive(key: str) -> bool:
    return key.endswith(SENSITIVE_SUFFIXES)


class OptionStore:
    """Process-local snapshot of the options table."""

    def __init__(self, sync_seconds: int):
        self._values: dict[str, str] = dict(DEFAULT_OPTIONS)
        self._json_cache: dict[str, Any] = {}
        self._generation: int | None = None
        self._loaded_at = 0.0
        self._sync_seconds = max(1, sync_seconds)
        self._lock = threading.Lock()

    def load(self) -> None:
        rows = db.session.execute(db.select(Option.key, Option.value)).all()
        values = dict(DEFAULT_OPTIONS)
        values.update({k: (v if v is not None else "") for k, v in rows})
        with self._lock:
            self._values = values
            self._json_cache = {}
            self._loaded_at = time.monotonic()

    def _fresh(self) -> dict[str, str]:
        gen = cache_bus.generation("options")
        if gen != self._generation or time.monotonic() - self._loaded_at > self._sync_seconds:
            self._generation = gen
            self.load()
        return self._values

    def get(self, key: str) -> str:
        return self._fresh().get(key, "")

    def all(self) -> dict[str, str]:
        return dict(self._fresh())

    def get_json(self, key: str) -> Any:
        values = self._fresh()
        if key not in self._json_cache:
            try:
                self._json_cache[key] = json.loads(values.get(key) or "{}")
            except ValueError:
                self._json_cache[key] = {}
        return self._json_cache[key]


_store: OptionStore | None = None


def init_store(sync_seconds: int) -> OptionStore:
    global _store
    _store = OptionStore(sync_seconds)
    return _store


def store() -> OptionStore:
    if _store is None:
        raise RuntimeError("options store not initialised: create_app() must run first")
    return _store


def get_option(key: str) -> str:
    return store().get(key)


def get_bool(key: str) -> bool:
    return store().get(key).strip().lower() == "true"


def get_int(key: str, default: int = 0) -> int:
    try:
        return int(float(store().get(key)))
    except ValueError:
        return default


def get_float(key: str, default: float = 0.0) -> float:
    try:
        return float(store().get(key))
    except ValueError:
        return default


def get_json(key: str) -> Any:
    return store().get_json(key)


def set_option(key: str, value: str) -> None:
    """Write one option (flushes; the caller's transaction commits) and notify all workers."""
    row = db.session.get(Option, key)
    if row is None:
        db.session.add(Option(key=key, value=value))
    else:
        row.value = value
    db.session.flush()
    cache_bus.touch(db.session, "options")
