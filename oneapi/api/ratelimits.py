"""Flask-Limiter limits of one-api (reference §6.3), read from Settings at request time.

``global_api_limit`` (GLOBAL_API_RATE_LIMIT per 3 min per IP, one budget shared by every
decorated blueprint) and ``critical_limit`` (CRITICAL_RATE_LIMIT per 20 min per IP, shared by
login/register/verification/reset/OAuth). Exempt when the app runs with rate limits off,
so several apps in one process never share the on/off switch."""
from __future__ import annotations

from flask import current_app

from ..extensions import limiter


def _disabled() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def _global_api() -> str:
    return f"{current_app.config['SETTINGS'].global_api_rate_limit} per 3 minutes"


def _critical() -> str:
    return f"{current_app.config['SETTINGS'].critical_rate_limit} per 20 minutes"


global_api_limit = limiter.shared_limit(_global_api, scope="global_api", exempt_when=_disabled)
critical_limit = limiter.shared_limit(_critical, scope="critical", exempt_when=_disabled)
