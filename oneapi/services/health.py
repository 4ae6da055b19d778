"""Channel health after a failed relay attempt (reference relay §2.11): temporary suspension
of the (group, model, channel) ability after 429 / 5xx / auth errors, auto-disable of the
channel on fatal errors when ``AutomaticDisableChannelEnabled``; auto-enable after a test."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from ..extensions import db
from ..models import Ability, Channel, ChannelStatus
from ..providers.base import UpstreamErrorInfo
from . import cache_bus, options
from .relay_cache import channel_cache

log = logging.getLogger(__name__)

RETRY_HINTS = ("retry your request", "please retry", "try again", "retry later", "temporarily unavailable",
               "overloaded", "server is busy", "service is busy", "high load", "high traffic",
               "capacity limit", "temporary failure", "temporary error")
AUTH_TYPES = frozenset({"authentication_error", "permission_error", "insufficient_quota", "forbidden"})
AUTH_CODES = frozenset({"invalid_api_key", "account_deactivated", "insufficient_quota"})
AUTH_MESSAGES = ("invalid api key", "api key not valid", "api key expired", "insufficient quota",
                 "insufficient credit", "已欠费", "余额不足", "organization restricted")
DISABLE_MESSAGES = ("your access was terminated", "violation of our policies", "your credit balance is too low",
                    "organization has been disabled", "credit", "balance", "permission denied",
                    "organization has been restricted", "api key not valid", "api key expired",
                    "insufficient balance", "已欠费")
USER_ERROR_CODES = frozenset({"insufficient_user_quota", "insufficient_token_quota", "invalid_api_key",
                              "token_expired", "model_not_allowed", "tool_not_allowed", "tool_use_failed"})


def is_auth_error(info: UpstreamErrorInfo) -> bool:
    message = (info.message or "").lower()
    return (info.status in (401, 403) or info.type in AUTH_TYPES or str(info.code) in AUTH_CODES
            or any(m in message for m in AUTH_MESSAGES))


def should_disable(info: UpstreamErrorInfo | None, connection_error: bool = False) -> bool:
    """The auto-disable predicate (only consulted when the option is on)."""
    if connection_error:
        return True
    if info is None:
        return False
    if info.status == 401 or info.type in AUTH_TYPES or str(info.code) in ("invalid_api_key", "account_deactivated"):
        return True
    message = (info.message or "").lower()
    return any(m in message for m in DISABLE_MESSAGES)


def is_retryable(status: int) -> bool:
    """Reference §2.10: 429, 413, 401, 403 and every 5xx move to another channel."""
    return status >= 500 or status in (429, 413, 401, 403) or status == 0


def suspend_seconds(info: UpstreamErrorInfo, settings) -> int:
    status = info.status
    if status == 408 or (status == 400) or status == 413:
        return 0
    if info.type == "one_api_error" and status < 500:
        return 0
    if status == 429:
        return settings.channel_suspend_seconds_for_429
    if status >= 500:
        message = (info.message or "").lower()
        if any(h in message for h in RETRY_HINTS):
            return 0
        return settings.channel_suspend_seconds_for_5xx
    if is_auth_error(info):
        return settings.channel_suspend_seconds_for_auth
    return 0


def suspend_ability(group: str, model: str, channel_id: int, seconds: int) -> None:
    until = time.time() + seconds
    channel_cache().local_suspensions[(group, model, channel_id)] = until
    stamp = datetime.fromtimestamp(until, tz=timezone.utc).replace(tzinfo=None)
    db.session.execute(update(Ability).where(Ability.group == group, Ability.model == model,
                                             Ability.channel_id == channel_id).values(suspend_until=stamp))
    cache_bus.touch(db.session, "channels")
    db.session.commit()


def set_channel_status(channel_id: int, status: int) -> bool:
    """Enable/disable a channel and its abilities; True when the status changed."""
    result = db.session.execute(update(Channel).where(Channel.id == channel_id, Channel.status != status)
                                .values(status=status))
    if not result.rowcount:
        db.session.rollback()
        return False
    db.session.execute(update(Ability).where(Ability.channel_id == channel_id)
                       .values(enabled=status == ChannelStatus.ENABLED))
    cache_bus.touch(db.session, "channels")
    db.session.commit()
    return True


def disable_channel(channel_id: int, reason: str) -> bool:
    changed = set_channel_status(channel_id, int(ChannelStatus.AUTO_DISABLED))
    if changed:
        log.warning("channel #%s auto-disabled: %s", channel_id, reason[:300])
    return changed


def enable_channel(channel_id: int) -> bool:
    changed = set_channel_status(channel_id, int(ChannelStatus.ENABLED))
    if changed:
        log.info("channel #%s auto-enabled after a passing test", channel_id)
    return changed


def record_failure(settings, group: str, model: str, channel_id: int, info: UpstreamErrorInfo | None,
                   connection_error: bool = False) -> None:
    """Apply suspension / auto-disable for one failed attempt. Never raises."""
    try:
        seconds = 0 if info is None else suspend_seconds(info, settings)
        if seconds > 0:
            suspend_ability(group, model, channel_id, seconds)
        if options.get_bool("AutomaticDisableChannelEnabled") and should_disable(info, connection_error):
            disable_channel(channel_id, info.message if info else "connection failed")
    except Exception:  # health bookkeeping must never break the relay
        db.session.rollback()
        log.exception("recording failure of channel #%s failed", channel_id)
