"""Validation of option writes (``PUT /api/option/``) and the write itself."""
from __future__ import annotations

import json
import math
from typing import Any

from ..errors import BadRequest
from . import options

THEMES = ("berry", "air", "modern")
INT_OPTIONS = ("SMTPPort", "QuotaForNewUser", "QuotaForInviter", "QuotaForInvitee", "QuotaRemindThreshold",
               "PreConsumedQuota", "RetryTimes")
FLOAT_OPTIONS = ("QuotaPerUnit", "ChannelDisableThreshold")
# URLs the server itself calls or builds links from (display links may be relative paths)
URL_OPTIONS = ("ServerAddress", "OidcWellKnown", "OidcAuthorizationEndpoint", "OidcTokenEndpoint",
               "OidcUserinfoEndpoint", "WeChatServerAddress", "MessagePusherAddress")
# enabling an option requires another one to be set first
PREREQUISITES = {
    "GitHubOAuthEnabled": ("GitHubClientId", "GitHub Client Id"),
    "WeChatAuthEnabled": ("WeChatServerAddress", "WeChat Server Address"),
    "TurnstileCheckEnabled": ("TurnstileSiteKey", "Turnstile Site Key"),
    "EmailDomainRestrictionEnabled": ("EmailDomainWhitelist", "an email domain whitelist"),
    "OidcEnabled": ("OidcClientId", "OIDC Client Id"),
}
MAX_VALUE_LENGTH = 1 << 20


class OptionJSONError(BadRequest):
    """Malformed JSON option value: HTTP 400 as in one-api."""

    envelope_status = 400


def stringify(value: Any) -> str:
    """Option values are strings; the UI sometimes sends booleans or numbers."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise BadRequest("invalid request: value: must be a string, number or boolean")


def _ratio_map(key: str, value: str) -> str:
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise OptionJSONError(f"invalid JSON for {key}: {exc}") from None
    if not isinstance(parsed, dict):
        raise OptionJSONError(f"invalid JSON for {key}: expected an object of name to number")
    for name, ratio in parsed.items():
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not math.isfinite(ratio) or ratio < 0:
            raise OptionJSONError(f"invalid JSON for {key}: ratio of {name!r} must be a non-negative number")
    if key == "GroupRatio" and not parsed:
        raise OptionJSONError("invalid JSON for GroupRatio: at least one group is required")
    return value


def normalize(key: str, value: str, pending: dict[str, str] | None = None) -> str:
    """Validated (possibly normalised) value for ``key``, or a BadRequest naming the problem."""
    if key not in options.DEFAULT_OPTIONS:
        raise BadRequest(f"unknown option: {key}")
    if len(value) > MAX_VALUE_LENGTH:
        raise BadRequest(f"option {key} is too long")
    if key.endswith("Enabled"):
        lowered = value.strip().lower()
        if lowered not in ("true", "false"):
            raise BadRequest(f"option {key} must be true or false")
        value = lowered
        if value == "true" and key in PREREQUISITES:
            needed, label = PREREQUISITES[key]
            current = (pending or {}).get(needed, options.get_option(needed))
            if not current.strip():
                raise BadRequest(f"cannot enable {key}: set {label} first")
        return value
    if key in INT_OPTIONS:
        try:
            number = int(value.strip())
        except ValueError:
            raise BadRequest(f"option {key} must be an integer") from None
        if number < 0 or (key == "SMTPPort" and not 0 < number < 65536):
            raise BadRequest(f"option {key} is out of range")
        return str(number)
    if key in FLOAT_OPTIONS:
        try:
            number = float(value.strip())
        except ValueError:
            raise BadRequest(f"option {key} must be a number") from None
        if not math.isfinite(number) or number < 0 or (key == "QuotaPerUnit" and number == 0):
            raise BadRequest(f"option {key} is out of range")
        return value.strip()
    if key in options.JSON_OPTIONS:
        return _ratio_map(key, value)
    if key == "Theme":
        theme = value.strip() or "modern"
        theme = "modern" if theme == "default" else theme
        if theme not in THEMES:
            raise BadRequest(f"invalid theme {value!r}: must be one of {', '.join(THEMES)}")
        return theme
    if key == "EmailDomainWhitelist":
        domains = [d.strip().lower() for d in value.split(",") if d.strip()]
        return ",".join(domains)
    if key in URL_OPTIONS and value.strip():
        stripped = value.strip()
        if not stripped.startswith(("http://", "https://")):
            raise BadRequest(f"option {key} must be an http(s) URL")
        return stripped.rstrip("/") if key == "ServerAddress" else stripped
    return value


def public_options() -> list[dict[str, Any]]:
    """Every option except secrets, as ``[{key, value}]``."""
    return [{"key": k, "value": v} for k, v in sorted(options.store().all().items()) if not options.is_sensitive(k)]


def update_option(key: str, value: Any, clear: bool = False) -> str:
    """Validate and write one option; returns the message for the envelope."""
    text = stringify(value)
    if options.is_sensitive(key) and text == "" and not clear:
        if key not in options.DEFAULT_OPTIONS:
            raise BadRequest(f"unknown option: {key}")
        return "empty value ignored for sensitive option"
    options.set_option(key, normalize(key, text))
    return ""
