"""Cloudflare Turnstile check (``TurnstileCheckEnabled``)."""
from __future__ import annotations

import logging
import threading
import time

import requests

from ..errors import BadRequest
from ..services import options

log = logging.getLogger(__name__)
# Module constant so tests can point it at a loopback server.
TURNSTILE_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
VERIFY_TIMEOUT = 10


def enabled() -> bool:
    return options.get_bool("TurnstileCheckEnabled")


def verify(token: str, remote_ip: str | None) -> None:
    """Raise a clear error unless Turnstile accepts ``token``."""
    if not token:
        raise BadRequest("Turnstile token is empty")
    try:
        resp = requests.post(TURNSTILE_VERIFY_URL, timeout=VERIFY_TIMEOUT, data={
            "secret": options.get_option("TurnstileSecretKey"),
            "response": token,
            "remoteip": remote_ip or "",
        })
        body = resp.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("turnstile verification request failed: %s", exc)
        raise BadRequest("Turnstile verification failed: verification service unreachable") from None
    if not isinstance(body, dict) or body.get("success") is not True:
        raise BadRequest("Turnstile verification failed, please refresh and try again")


# Login asks for Turnstile only for a username with a failed attempt in the last 10 minutes.
FAILURE_WINDOW = 600
_failures: dict[str, float] = {}
_failures_lock = threading.Lock()


def record_login_failure(username: str) -> None:
    now = time.monotonic()
    with _failures_lock:
        if len(_failures) > 10000:
            for name in [n for n, t in _failures.items() if now - t > FAILURE_WINDOW]:
                _failures.pop(name, None)
        _failures[username] = now


def login_needs_check(username: str) -> bool:
    with _failures_lock:
        seen = _failures.get(username)
    return seen is not None and time.monotonic() - seen <= FAILURE_WINDOW
