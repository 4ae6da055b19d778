"""Relay billing (reference relay §2.12, core §4.5, SCOPE §3): price → pre-consume → settle.

* ``pre_consume`` reserves the estimate with conditional UPDATEs (``WHERE remain_quota >= x``,
  ``WHERE quota >= x``) unless both the user and the key hold more than 100× the estimate.
* ``settle`` runs exactly once per request on every terminal path, in its own short
  transaction (never while a stream is open): applies ``final − reserved`` to user and token,
  bumps used quotas, request count and channel usage, writes one consume log and one
  ``user_request_costs`` row. ``refund`` gives the reservation back (upstream failure).
* With ``BATCH_UPDATE_ENABLED`` the additive counters go through ``services.batch``.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import update

from ..errors import QuotaExceeded
from ..extensions import db
from ..models import Channel, LogType, Token, User, UserRequestCost, now_s
from ..relay.context import RelayContext
from ..relay.usage import Usage
from . import options, pricing
from .batch import updater
from .logs import record_log
from .relay_cache import TokenInfo, UserInfo, auth_cache

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Charge:
    """Billing state of one relay request."""

    user_id: int
    token_id: int
    token_unlimited: bool
    price: pricing.Price
    group_ratio: float
    estimate: int = 0
    reserved: int = 0
    done: bool = False
    quota: int = 0


def resolve(ctx: RelayContext) -> tuple[pricing.Price, float]:
    """Price of the actual model on the bound channel + the user's group ratio."""
    channel = ctx.channel
    price = pricing.resolve_price(
        ctx.actual_model, ctx.channel_type,
        channel.model_configs if channel else None, channel.model_ratio if channel else None,
        channel.completion_ratio if channel else None,
        options.get_json("ModelRatio"), options.get_json("CompletionRatio"),
        now=datetime.now(timezone.utc))
    return price, pricing.group_ratio(ctx.group, options.get_json("GroupRatio"))


def pre_consume(ctx: RelayContext, token: TokenInfo, user: UserInfo, price: pricing.Price,
                group_ratio: float, max_tokens: int) -> Charge:
    charge = Charge(user.id, token.id, token.unlimited_quota, price, group_ratio)
    estimate = pricing.estimate_preconsume(price, group_ratio, ctx.prompt_tokens, max_tokens,
                                           options.get_int("PreConsumedQuota", 500))
    fixed = ctx.extra.get("quota_estimate")  # media fronts (images, TTS, audio) know the cost up front
    if fixed is not None:
        estimate = int(fixed)
    charge.estimate = estimate
    if user.quota <= 0 or user.quota < estimate:
        raise QuotaExceeded("user quota is not enough", code="insufficient_user_quota")
    if estimate <= 0 or pricing.should_skip_reservation(user.quota, token.remain_quota,
                                                        token.unlimited_quota, estimate):
        return charge
    db.session.rollback()  # no read transaction may precede the writes (SQLite)
    if not token.unlimited_quota:
        done = db.session.execute(
            update(Token).where(Token.id == token.id, Token.remain_quota >= estimate)
            .values(remain_quota=Token.remain_quota - estimate, used_quota=Token.used_quota + estimate))
        if not done.rowcount:
            db.session.rollback()
            raise QuotaExceeded(f"token quota is not enough (token #{token.id})",
                                code="pre_consume_token_quota_failed")
    done = db.session.execute(update(User).where(User.id == user.id, User.quota >= estimate)
                              .values(quota=User.quota - estimate))
    if not done.rowcount:
        db.session.rollback()
        raise QuotaExceeded("user quota is not enough", code="insufficient_user_quota")
    db.session.commit()
    charge.reserved = estimate
    auth_cache().adjust(user.id, token.id, estimate)
    return charge


def compute(charge: Charge, usage: Usage) -> int:
    return pricing.compute_quota(charge.price, charge.group_ratio, usage.prompt_tokens, usage.completion_tokens,
                                 usage.cached_tokens, usage.cache_write_5m, usage.cache_write_1h)


def _apply_balances(charge: Charge, delta: int, quota: int, channel_id: int, count_request: bool) -> None:
    user_values = {}
    if delta:
        user_values["quota"] = User.quota - delta
    if quota:
        user_values["used_quota"] = User.used_quota + quota
    if count_request:
        user_values["request_count"] = User.request_count + 1
    token_used = delta if not charge.token_unlimited else quota
    if updater_enabled():
        batch = updater()
        batch.add("user", charge.user_id, quota=-delta, used_quota=quota, request_count=int(count_request))
        batch.add("token", charge.token_id, remain_quota=0 if charge.token_unlimited else -delta,
                  used_quota=token_used)
        if channel_id and quota:
            batch.add("channel", channel_id, used_quota=quota)
        return
    if user_values:
        db.session.execute(update(User).where(User.id == charge.user_id).values(**user_values))
    token_values = {}
    if delta and not charge.token_unlimited:
        token_values["remain_quota"] = Token.remain_quota - delta
    if token_used:
        token_values["used_quota"] = Token.used_quota + token_used
    if token_values:
        db.session.execute(update(Token).where(Token.id == charge.token_id).values(**token_values))
    if channel_id and quota:
        db.session.execute(update(Channel).where(Channel.id == channel_id)
                           .values(used_quota=Channel.used_quota + quota))


_batch_enabled = False


def updater_enabled() -> bool:
    return _batch_enabled


def enable_batch(enabled: bool) -> None:
    global _batch_enabled
    _batch_enabled = enabled


def settle(ctx: RelayContext, charge: Charge, usage: Usage, *, upstream_format: str = "",
           extra_metadata: dict | None = None) -> int:
    """Final charge of a request that produced output (complete or not). Idempotent."""
    if charge.done:
        return charge.quota
    charge.done = True
    fixed = ctx.extra.get("fixed_quota")  # media fronts: per-image / per-second / per-call price
    quota = int(fixed) if fixed is not None else compute(charge, usage)
    charge.quota = quota
    delta = quota - charge.reserved
    try:
        db.session.rollback()
        _apply_balances(charge, delta, quota, ctx.channel_id, True)
        if options.get_bool("LogConsumeEnabled"):
            metadata = {"user_api_format": ctx.front_format, "upstream_api_format": upstream_format or "",
                        "mode": int(ctx.mode)}
            if usage.estimated:
                metadata["estimated_usage"] = True
            if extra_metadata:
                metadata.update(extra_metadata)
            record_log(charge.user_id, LogType.CONSUME,
                       ctx.extra.get("log_content") or
                       pricing.format_log_content(charge.price, charge.group_ratio, usage.cached_tokens,
                                                  usage.cache_write_5m, usage.cache_write_1h),
                       username=ctx.username, metadata=metadata,
                       token_name=ctx.token_name, model_name=ctx.actual_model,
                       origin_model_name=ctx.origin_model, quota=quota, prompt_tokens=usage.prompt_tokens,
                       completion_tokens=usage.completion_tokens, cached_prompt_tokens=usage.cached_tokens,
                       channel_id=ctx.channel_id, token_id=charge.token_id, request_id=ctx.request_id,
                       elapsed_time=ctx.elapsed_ms(), is_stream=ctx.is_stream,
                       system_prompt_reset=ctx.system_prompt_reset)
        db.session.add(UserRequestCost(created_time=now_s(), user_id=charge.user_id,
                                       request_id=ctx.request_id, quota=quota))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("settling request %s failed (quota %s)", ctx.request_id, quota)
        raise
    auth_cache().adjust(charge.user_id, charge.token_id, delta)
    return quota


def refund(ctx: RelayContext, charge: Charge) -> None:
    """The request failed before producing output: give the reservation back, cost 0."""
    if charge.done:
        return
    charge.done = True
    charge.quota = 0
    try:
        db.session.rollback()
        if charge.reserved:
            _apply_balances(charge, -charge.reserved, 0, 0, False)
        db.session.add(UserRequestCost(created_time=now_s(), user_id=charge.user_id,
                                       request_id=ctx.request_id, quota=0))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("refunding request %s failed (reserved %s)", ctx.request_id, charge.reserved)
        raise
    if charge.reserved:
        auth_cache().adjust(charge.user_id, charge.token_id, -charge.reserved)


__all__ = ["Charge", "compute", "enable_batch", "json", "pre_consume", "refund", "resolve", "settle"]
