"""Flask-Limiter limits of one-api (reference §6.3), read from Settings at request time.

``global_api_limit`` (GLOBAL_API_RATE_LIMIT per 3 min per IP, one budget shared by every
decorated blueprint) and ``critical_limit`` (CRITICAL_RATE_LIMIT per 20 min per IP, shared by
login/register/verification/reset/OAuth). Exempt when the app runs with rate limits off,
so several apps in one process never share the on/off switch."""
from __future__ import annotations

import hashlib
import threading
import time

from flask import current_app, request

from ..errors import RateLimited
from ..extensions import limiter


def _disabled() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def _global_api() -> str:
    return f"{current_app.config['SETTINGS'].global_api_rate_limit} per 3 minutes"


def _critical() -> str:
    return f"{current_app.config['SETTINGS'].critical_rate_limit} per 20 minutes"


global_api_limit = limiter.shared_limit(_global_api, scope="global_api", exempt_when=_disabled)
critical_limit = limiter.shared_limit(_critical, scope="critical", exempt_when=_disabled)


def _global_web() -> str:
    return f"{current_app.config['SETTINGS'].global_web_rate_limit} per 3 minutes"


def relay_key() -> str:
    """Relay budget per key: sha256 of the credential (never the key itself in storage)."""
    raw = (request.headers.get("Authorization") or request.headers.get("x-api-key")
           or request.headers.get("api-key") or request.remote_addr or "")
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


RELAY_WINDOW = 180  # seconds: GLOBAL_RELAY_RATE_LIMIT counts per key per 3 minutes (fixed window)


class RelayLimiter:
    """GLOBAL_RELAY_RATE_LIMIT on the relay blueprints, checked before every relay request.

    Flask-Limiter's per-request machinery (limit resolution, exemption scopes, header
    injection) costs more than a whole relay call on the fast path, so the relay budget is a
    plain fixed window: per worker in memory, or in Redis (one counter per key and window, via
    ``limits``' Redis storage) when REDIS_CONN_STRING is set, shared by every worker and host.
    """

    def __init__(self, amount: int, storage_uri: str):
        self.amount = amount
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._window = 0
        self._shared = None
        if not storage_uri.startswith("memory://"):
            from limits import parse, storage, strategies

            self._shared = strategies.FixedWindowRateLimiter(storage.storage_from_string(storage_uri))
            self._item = parse(f"{amount} per 3 minutes")

    def hit(self, key: str) -> bool:
        """Count one request of ``key``; False when it is over the budget of this window."""
        if self._shared is not None:
            return self._shared.hit(self._item, "global_relay", key)
        window = int(time.time()) // RELAY_WINDOW
        with self._lock:
            if window != self._window:
                self._counts.clear()
                self._window = window
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
        return count <= self.amount


def install_relay_limit(app, blueprints) -> None:
    """Register the GLOBAL_RELAY_RATE_LIMIT check on ``blueprints`` and exempt them from
    Flask-Limiter (which keeps the API, critical and web limits)."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    relay = RelayLimiter(app.config["SETTINGS"].global_relay_rate_limit, app.config["RATELIMIT_STORAGE_URI"])
    names = {bp.name for bp in blueprints}
    app.extensions["oneapi_relay_limiter"] = relay

    def check() -> None:
        if not relay.hit(relay_key()):
            raise RateLimited(f"Too many requests: more than {relay.amount} per 3 minutes for this key")

    for name in names:  # on the app (blueprint objects are shared by every app in a process)
        app.before_request_funcs.setdefault(name, []).append(check)
    _skip_flask_limiter(app, names)


def _skip_flask_limiter(app, names: set[str]) -> None:
    """Flask-Limiter's app-wide hooks run for every request; on relay blueprints they only
    cost time (no Flask-Limiter limit applies there), so they are skipped."""
    import functools

    def unless_relay(fn):
        @functools.wraps(fn)
        def hook(*args):
            if request.blueprint in names:
                return args[0] if args else None  # after_request hooks return the response
            return fn(*args)
        return hook

    inject = getattr(type(limiter), "_Limiter__inject_headers", None)
    befores = app.before_request_funcs.get(None, [])
    for i, fn in enumerate(befores):
        if fn == limiter._check_request_limit:
            befores[i] = unless_relay(fn)
    afters = app.after_request_funcs.get(None, [])
    for i, fn in enumerate(afters):
        if isinstance(fn, functools.partial) and fn.func is inject:
            afters[i] = unless_relay(fn)
    release = getattr(limiter, "_Limiter__release_context", None)
    teardowns = app.teardown_request_funcs.get(None, [])
    for i, fn in enumerate(teardowns):
        if fn == release:
            teardowns[i] = unless_relay(fn)


# GLOBAL_WEB_RATE_LIMIT per IP on the UI.
global_web_limit = limiter.shared_limit(_global_web, scope="global_web", exempt_when=_disabled)
