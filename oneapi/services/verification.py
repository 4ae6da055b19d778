"""Short-lived secrets: email verification codes and password-reset tokens.

Stored in Redis when it is enabled (shared by every worker and node), otherwise in a
process-local map with expiry. Codes are keyed by purpose + email and are single use."""
from __future__ import annotations

import hmac
import html
import logging
import threading
import time

from flask import current_app

from .security import new_redemption_key, random_string

log = logging.getLogger(__name__)
EMAIL_VERIFICATION = "email_verification"
PASSWORD_RESET = "password_reset"
VALID_SECONDS = 10 * 60
CODE_LENGTH = 6


class MemoryBackend:
    def __init__(self):
        self._items: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def put(self, key: str, value: str, ttl: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._items = {k: v for k, v in self._items.items() if v[1] > now}
            self._items[key] = (value, now + ttl)

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[1] <= time.monotonic():
                self._items.pop(key, None)
                return None
            return item[0]

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


class RedisBackend:
    def __init__(self, client):
        self._client = client

    def put(self, key: str, value: str, ttl: int) -> None:
        self._client.set(f"oneapi:verify:{key}", value, ex=ttl)

    def get(self, key: str) -> str | None:
        raw = self._client.get(f"oneapi:verify:{key}")
        return raw.decode() if isinstance(raw, bytes) else raw

    def delete(self, key: str) -> None:
        self._client.delete(f"oneapi:verify:{key}")


_memory = MemoryBackend()


def _backend():
    client = current_app.extensions.get("oneapi_redis")
    return RedisBackend(client) if client is not None else _memory


def _key(purpose: str, email: str) -> str:
    return f"{purpose}:{email.strip().lower()}"


def issue(purpose: str, email: str, backend=None) -> str:
    """Create (and remember) a new secret for ``email``: a 6-char code for verification,
    a 32-hex token for password reset. A new one replaces the previous."""
    secret = random_string(CODE_LENGTH) if purpose == EMAIL_VERIFICATION else new_redemption_key()
    (backend or _backend()).put(_key(purpose, email), secret, VALID_SECONDS)
    return secret


def check(purpose: str, email: str, secret: str, *, consume: bool = True, backend=None) -> bool:
    """True when ``secret`` is the live secret for ``email``; consumed on success by default."""
    if not email or not secret:
        return False
    store = backend or _backend()
    key = _key(purpose, email)
    stored = store.get(key)
    if stored is None or not hmac.compare_digest(stored, secret.strip()):
        return False
    if consume:
        store.delete(key)
    return True


# --- the two mails -------------------------------------------------------------------------

def send_verification_code(email: str) -> None:
    """Mail a sign-up code unless the address is already used (the reply is uniform)."""
    from . import email as mail
    from . import options, users

    if not mail.smtp_configured():
        from ..errors import BadRequest

        raise BadRequest("SMTP server is not configured")
    users.check_email_domain(email)
    if users.email_taken(email):
        log.info("verification code not sent: address already in use")
        return
    code = issue(EMAIL_VERIFICATION, email)
    system = options.get_option("SystemName") or "One API"
    try:
        mail.send_email(f"{system} email verification", email,
                        f"<p>Hello,</p><p>You are verifying your email for {system}.</p>"
                        f"<p>Your verification code is: <strong>{code}</strong></p>"
                        f"<p>The code is valid for {VALID_SECONDS // 60} minutes.</p>")
    except Exception as exc:  # uniform reply: the failure is logged, not revealed
        log.warning("verification mail failed: %s", exc)


def send_password_reset(email: str) -> None:
    """Mail a reset link when ``email`` belongs to an account (the reply is uniform)."""
    from urllib.parse import urlencode

    from . import email as mail
    from . import options, users

    if not mail.smtp_configured():
        from ..errors import BadRequest

        raise BadRequest("SMTP server is not configured")
    user = users.find_by_email(email)
    if user is None:
        log.info("password reset not sent: no account for the address")
        return
    token = issue(PASSWORD_RESET, email)
    system = options.get_option("SystemName") or "One API"
    base = options.get_option("ServerAddress").rstrip("/")
    link = html.escape(f"{base}/user/reset?{urlencode({'email': email, 'token': token})}")
    try:
        mail.send_email(f"{system} password reset", email,
                        f"<p>Hello,</p><p>You requested a password reset for {system}.</p>"
                        f"<p>Open <a href=\"{link}\">{link}</a> to reset your password.</p>"
                        f"<p>The link is valid for {VALID_SECONDS // 60} minutes.</p>")
    except Exception as exc:
        log.warning("password reset mail failed: %s", exc)
