"""Flask-Limiter limits of one-api (reference §6.3), read from Settings at request time.

``global_api_limit`` (GLOBAL_API_RATE_LIMIT per 3 min per IP, one budget shared by every
decorated blueprint) and ``critical_limit`` (CRITICAL_RATE_LIMIT per 20 min per IP, shared by
login/register/verification/reset/OAuth). Exempt when the app runs with rate limits off,
so several apps in one process never share the on/off switch."""
from __future__ import annotations

import hashlib

from flask import current_app, request

from ..extensions import limiter


def _disabled() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def _global_api() -> str:
    return f"{current_app.config['SETTINGS'].global_api_rate_limit} per 3 minutes"


def _critical() -> str:
    return f"{current_app.config['SETTINGS'].critical_rate_limit} per 20 minutes"


global_api_limit = limiter.shared_limit(_global_api, scope="global_api", exempt_when=_disabled)
critical_limit = limiter.shared_limit(_critical, scope="critical", exempt_when=_disabled)


def _global_relay() -> str:
    return f"{current_app.config['SETTINGS'].global_relay_rate_limit} per 3 minutes"


def _global_web() -> str:
    return f"{current_app.config['SETTINGS'].global_web_rate_limit} per 3 minutes"


def relay_key() -> str:
    """Relay budget per key: sha256 of the credential (never the key itself in storage)."""
    raw = (request.headers.get("Authorization") or request.headers.get("x-api-key")
           or request.headers.get("api-key") or request.remote_addr or "")
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# GLOBAL_RELAY_RATE_LIMIT per key per 3 min on /v1; GLOBAL_WEB_RATE_LIMIT per IP on the UI.
global_relay_limit = limiter.shared_limit(_global_relay, scope="global_relay", key_func=relay_key,
                                          exempt_when=_disabled)
global_web_limit = limiter.shared_limit(_global_web, scope="global_web", exempt_when=_disabled)
