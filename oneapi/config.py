"""Environment configuration: the only module that reads ``os.environ``.

Every variable keeps one-api's name and default (reference §5.2, SCOPE §2). A bad value stops
start-up with a :class:`ConfigError` naming the variable.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from typing import Any, Callable, Mapping
from urllib.parse import urlparse


class ConfigError(ValueError):
    """Raised for an environment variable whose value cannot be used."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")


def _int(name: str, raw: str, minimum: int | None = 0) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def _float(name: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must be >= 0, got {value}")
    return value


def _url(name: str, raw: str) -> str:
    value = raw.strip()
    if not value:
        return ""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https", "socks5", "socks5h") or not parsed.netloc:
        raise ConfigError(f"{name} must be an absolute URL, got {raw!r}")
    return value.rstrip("/")


def _str(_name: str, raw: str) -> str:
    return raw


def _choice(*allowed: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.strip()
        if value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


def _lower_choice(*allowed: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


def _node_type(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("", "master", "slave"):
        raise ConfigError(f"{name} must be 'master' or 'slave', got {raw!r}")
    return value or "master"


def _prefix(name: str, raw: str) -> str:
    value = raw.strip()
    if not value or len(value) > 16 or any(c.isspace() for c in value):
        raise ConfigError(f"{name} must be a short prefix without spaces, got {raw!r}")
    return value


def _env(name: str, parser: Callable[[str, str], Any], default: Any) -> Any:
    """dataclass field bound to an environment variable."""
    return field(default=default, metadata={"env": name, "parse": parser})


@dataclass(frozen=True)
class Settings:
    # Server, session, database
    port: int = _env("PORT", _int, 3000)
    node_type: str = _env("NODE_TYPE", _node_type, "master")
    shutdown_timeout: int = _env("SHUTDOWN_TIMEOUT", _int, 360)
    frontend_base_url: str = _env("FRONTEND_BASE_URL", _url, "")
    max_items_per_page: int = _env("MAX_ITEMS_PER_PAGE", _int, 100)
    session_secret: str = _env("SESSION_SECRET", _str, "")
    cookie_maxage_hours: int = _env("COOKIE_MAXAGE_HOURS", _int, 168)
    enable_cookie_secure: bool = _env("ENABLE_COOKIE_SECURE", _bool, False)
    disable_cookie_secure: bool = _env("DISABLE_COOKIE_SECURE", _bool, False)
    sql_dsn: str = _env("SQL_DSN", _str, "")
    sqlite_path: str = _env("SQLITE_PATH", _str, "one-api.db")
    sqlite_busy_timeout: int = _env("SQLITE_BUSY_TIMEOUT", _int, 10000)
    sql_max_open_conns: int = _env("SQL_MAX_OPEN_CONNS", _int, 2000)
    sql_max_lifetime: int = _env("SQL_MAX_LIFETIME", _int, 300)
    log_sql_dsn: str = _env("LOG_SQL_DSN", _str, "")
    redis_conn_string: str = _env("REDIS_CONN_STRING", _str, "")
    memory_cache_enabled: bool = _env("MEMORY_CACHE_ENABLED", _bool, False)
    sync_frequency: int = _env("SYNC_FREQUENCY", _int, 120)
    debug: bool = _env("DEBUG", _bool, False)
    debug_sql: bool = _env("DEBUG_SQL", _bool, False)
    # Rate limits (requests per 3 minutes, critical per 20 minutes)
    rate_limit_disabled: bool = _env("RATE_LIMIT_DISABLED", _bool, False)
    global_api_rate_limit: int = _env("GLOBAL_API_RATE_LIMIT", _int, 480)
    global_web_rate_limit: int = _env("GLOBAL_WEB_RATE_LIMIT", _int, 240)
    global_relay_rate_limit: int = _env("GLOBAL_RELAY_RATE_LIMIT", _int, 480)
    global_channel_rate_limit: bool = _env("GLOBAL_CHANNEL_RATE_LIMIT", _bool, False)
    critical_rate_limit: int = _env("CRITICAL_RATE_LIMIT", _int, 20)
    redeem_failure_rate_limit: int = _env("REDEEM_FAILURE_RATE_LIMIT", _int, 5)
    # Channels and monitoring
    channel_suspend_seconds_for_429: int = _env("CHANNEL_SUSPEND_SECONDS_FOR_429", _int, 60)
    channel_suspend_seconds_for_5xx: int = _env("CHANNEL_SUSPEND_SECONDS_FOR_5XX", _int, 30)
    channel_suspend_seconds_for_auth: int = _env("CHANNEL_SUSPEND_SECONDS_FOR_AUTH", _int, 60)
    channel_test_frequency: int = _env("CHANNEL_TEST_FREQUENCY", _int, 0)
    polling_interval: int = _env("POLLING_INTERVAL", _int, 0)
    enable_prometheus_metrics: bool = _env("ENABLE_PROMETHEUS_METRICS", _bool, True)
    metrics_token: str = _env("METRICS_TOKEN", _str, "")
    # Billing and relay
    enforce_include_usage: bool = _env("ENFORCE_INCLUDE_USAGE", _bool, True)
    batch_update_enabled: bool = _env("BATCH_UPDATE_ENABLED", _bool, False)
    batch_update_interval: int = _env("BATCH_UPDATE_INTERVAL", _int, 5)
    relay_timeout: int = _env("RELAY_TIMEOUT", _int, 0)
    idle_timeout: int = _env("IDLE_TIMEOUT", _int, 30)
    relay_proxy: str = _env("RELAY_PROXY", _url, "")
    user_content_request_proxy: str = _env("USER_CONTENT_REQUEST_PROXY", _url, "")
    user_content_request_timeout: int = _env("USER_CONTENT_REQUEST_TIMEOUT", _int, 30)
    max_inline_image_size_mb: int = _env("MAX_INLINE_IMAGE_SIZE_MB", _int, 16)
    default_max_token: int = _env("DEFAULT_MAX_TOKEN", _int, 2048)
    gemini_safety_setting: str = _env(
        "GEMINI_SAFETY_SETTING",
        _choice("BLOCK_NONE", "BLOCK_ONLY_HIGH", "BLOCK_MEDIUM_AND_ABOVE", "BLOCK_LOW_AND_ABOVE", "OFF",
                "HARM_BLOCK_THRESHOLD_UNSPECIFIED"),
        "BLOCK_NONE",
    )
    gemini_version: str = _env("GEMINI_VERSION", _choice("v1", "v1beta"), "v1")
    openrouter_provider_sort: str = _env("OPENROUTER_PROVIDER_SORT", _str, "")
    # relay §2.16: a body posted to the wrong chat endpoint is served by the right front
    auto_detect_api_format: bool = _env("AUTO_DETECT_API_FORMAT", _bool, True)
    auto_detect_api_format_action: str = _env("AUTO_DETECT_API_FORMAT_ACTION", _lower_choice("transparent",
                                                                                            "redirect"),
                                              "transparent")
    test_prompt: str = _env("TEST_PROMPT", _str, "2 + 2 = ?")
    test_max_tokens: int = _env("TEST_MAX_TOKENS", _int, 1024)
    token_key_prefix: str = _env("TOKEN_KEY_PREFIX", _prefix, "sk-")
    initial_root_token: str = _env("INITIAL_ROOT_TOKEN", _str, "")
    initial_root_access_token: str = _env("INITIAL_ROOT_ACCESS_TOKEN", _str, "")
    external_billing_default_timeout: int = _env("EXTERNAL_BILLING_DEFAULT_TIMEOUT", _int, 600)
    external_billing_max_timeout: int = _env("EXTERNAL_BILLING_MAX_TIMEOUT", _int, 3600)
    # Notifications and logging
    log_push_api: str = _env("LOG_PUSH_API", _url, "")
    log_push_type: str = _env("LOG_PUSH_TYPE", _str, "")
    log_push_token: str = _env("LOG_PUSH_TOKEN", _str, "")
    force_email_tls_verify: bool = _env("FORCE_EMAIL_TLS_VERIFY", _bool, False)
    tiktoken_cache_dir: str = _env("TIKTOKEN_CACHE_DIR", _str, "")
    # Settlement rows and counters written by a per-worker background writer (one commit per
    # tick, flushed on exit). "auto": on inside gunicorn workers, inline elsewhere.
    settle_writer: str = _env("SETTLE_WRITER", _choice("auto", "true", "false"), "auto")
    # Process model and metrics
    workers: int = _env("WORKERS", _int, 2)
    prometheus_multiproc_dir: str = _env("PROMETHEUS_MULTIPROC_DIR", _str, "")
    # Frontend build location (served by Flask)
    frontend_dist: str = _env("FRONTEND_DIST", _str, "")

    @property
    def cookie_secure(self) -> bool:
        return self.enable_cookie_secure and not self.disable_cookie_secure

    @property
    def redis_enabled(self) -> bool:
        return bool(self.redis_conn_string) and self.sync_frequency > 0

    @property
    def is_master(self) -> bool:
        return self.node_type != "slave"

    def database_uri(self) -> str:
        return dsn_to_uri(self.sql_dsn) if self.sql_dsn else f"sqlite:///{os.path.abspath(self.sqlite_path)}"

    def log_database_uri(self) -> str | None:
        return dsn_to_uri(self.log_sql_dsn) if self.log_sql_dsn else None


def dsn_to_uri(dsn: str) -> str:
    """Translate one-api's ``SQL_DSN`` forms into SQLAlchemy URIs.

    ``postgres://…`` → psycopg2; a Go MySQL DSN ``user:pass@tcp(host:port)/db?…`` → PyMySQL.
    """
    dsn = dsn.strip()
    if dsn.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg2://" + dsn.split("://", 1)[1]
    if dsn.startswith(("mysql://", "mysql+pymysql://")):
        return "mysql+pymysql://" + dsn.split("://", 1)[1]
    if dsn.startswith("sqlite:"):
        return dsn
    if "@tcp(" in dsn:
        creds, rest = dsn.split("@tcp(", 1)
        host, rest = rest.split(")", 1)
        database = rest.lstrip("/").split("?", 1)[0]
        return f"mysql+pymysql://{creds}@{host}/{database}?charset=utf8mb4"
    raise ConfigError(f"SQL_DSN is not a PostgreSQL, MySQL or SQLite DSN: {dsn.split('@')[-1]!r}")


def from_env(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build :class:`Settings` from the environment; raises :class:`ConfigError` on bad values."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        name = f.metadata["env"]
        raw = environ.get(name)
        if raw is not None and raw != "":
            values[f.name] = f.metadata["parse"](name, raw)
    settings = replace(Settings(), **values)
    if settings.sql_dsn:
        dsn_to_uri(settings.sql_dsn)
    if not settings.session_secret or settings.session_secret == "random_string":
        settings = replace(settings, session_secret=secrets.token_hex(32))
    return replace(settings, **overrides) if overrides else settings
