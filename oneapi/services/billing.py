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

import logging

import orjson
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import text

from ..errors import QuotaExceeded
from ..extensions import db
from ..models import LogType, now_ms, now_s
from ..relay.context import RelayContext
from ..relay.usage import Usage
from . import options, pricing, settle_writer
from .batch import updater
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


_price_memo: dict[tuple, tuple] = {}


def resolve(ctx: RelayContext) -> tuple[pricing.Price, float]:
    """Price of the actual model on the bound channel + the user's group ratio.

    Prices are memoised per (model, channel type, identity of the channel's and the options'
    parsed pricing maps): those maps are rebuilt as new objects whenever a channel or an option
    changes, so a change is a miss. Prices with ``time_windows`` depend on the clock: never kept."""
    channel = ctx.channel
    sources = ((channel.model_configs, channel.model_ratio, channel.completion_ratio) if channel
               else (None, None, None)) + (options.get_json("ModelRatio"), options.get_json("CompletionRatio"))
    key = (ctx.actual_model, ctx.channel_type) + tuple(id(s) for s in sources)
    hit = _price_memo.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], sources)):
        price = hit[1]
    else:
        price = pricing.resolve_price(ctx.actual_model, ctx.channel_type, *sources, now=datetime.now(timezone.utc))
        if not pricing.has_time_windows(sources[0], ctx.actual_model, ctx.channel_type):
            if len(_price_memo) >= 4096:
                _price_memo.clear()
            _price_memo[key] = (sources, price)  # holds the maps: their ids cannot be reused meanwhile
    return price, pricing.group_ratio(ctx.group, options.get_json("GroupRatio"))


class _Rollback(Exception):
    """Raised inside ``engine.begin()`` to roll back, then unwrapped."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


def pre_consume(ctx: RelayContext, token: TokenInfo, user: UserInfo, price: pricing.Price,
                group_ratio: float, max_tokens: int) -> Charge:
    try:
        return _pre_consume(ctx, token, user, price, group_ratio, max_tokens)
    except _Rollback as wrapped:
        raise wrapped.error from None


def _pre_consume(ctx: RelayContext, token: TokenInfo, user: UserInfo, price: pricing.Price,
                 group_ratio: float, max_tokens: int) -> Charge:
    charge = Charge(user.id, token.id, token.unlimited_quota, price, group_ratio)
    estimate = pricing.estimate_preconsume(price, group_ratio, ctx.prompt_tokens, max_tokens,
                                           options.get_int("PreConsumedQuota", 500))
    fixed = ctx.extra.get("quota_estimate")  # media fronts (images, TTS, audio) know the cost up front
    if fixed is not None:
        estimate = int(fixed)
    charge.estimate = estimate
    if user.quota < estimate or (estimate > 0 and user.quota <= 0):
        raise QuotaExceeded("user quota is not enough", code="insufficient_user_quota")
    if estimate <= 0 or pricing.should_skip_reservation(user.quota, token.remain_quota,
                                                        token.unlimited_quota, estimate):
        return charge
    db.session.rollback()  # no read transaction may precede the writes (SQLite)
    with db.engine.begin() as conn:
        if not token.unlimited_quota:
            done = conn.execute(_SQL_RESERVE_TOKEN, {"amount": estimate, "id": token.id})
            if not done.rowcount:
                raise _Rollback(QuotaExceeded(f"token quota is not enough (token #{token.id})",
                                              code="pre_consume_token_quota_failed"))
        done = conn.execute(_SQL_RESERVE_USER, {"amount": estimate, "id": user.id})
        if not done.rowcount:
            raise _Rollback(QuotaExceeded("user quota is not enough", code="insufficient_user_quota"))
    charge.reserved = estimate
    auth_cache().adjust(user.id, token.id, estimate)
    return charge


def compute(charge: Charge, usage: Usage) -> int:
    return pricing.compute_quota(charge.price, charge.group_ratio, usage.prompt_tokens, usage.completion_tokens,
                                 usage.cached_tokens, usage.cache_write_5m, usage.cache_write_1h)


_SQL_USER_SETTLE = text("UPDATE users SET quota = quota - :delta, used_quota = used_quota + :quota, "
                        "request_count = request_count + :count WHERE id = :id")
_SQL_TOKEN_LIMITED = text("UPDATE tokens SET remain_quota = remain_quota - :delta, "
                          "used_quota = used_quota + :delta WHERE id = :id")
_SQL_TOKEN_USED = text("UPDATE tokens SET used_quota = used_quota + :used WHERE id = :id")
_SQL_CHANNEL_USED = text("UPDATE channels SET used_quota = used_quota + :quota WHERE id = :id")
_SQL_RESERVE_TOKEN = text("UPDATE tokens SET remain_quota = remain_quota - :amount, "
                          "used_quota = used_quota + :amount WHERE id = :id AND remain_quota >= :amount")
_SQL_RESERVE_USER = text("UPDATE users SET quota = quota - :amount WHERE id = :id AND quota >= :amount")
_SQL_LOG = text(
    "INSERT INTO logs (user_id, created_at, type, content, username, token_name, model_name, "
    "origin_model_name, quota, prompt_tokens, completion_tokens, cached_prompt_tokens, channel_id, token_id, "
    "request_id, trace_id, elapsed_time, is_stream, system_prompt_reset, metadata, updated_at) VALUES "
    "(:user_id, :created_at, :type, :content, :username, :token_name, :model_name, :origin_model_name, :quota, "
    ":prompt_tokens, :completion_tokens, :cached_prompt_tokens, :channel_id, :token_id, :request_id, '', "
    ":elapsed_time, :is_stream, :system_prompt_reset, :metadata, :updated_at)")
_SQL_COST = text("INSERT INTO user_request_costs (created_time, user_id, request_id, quota, created_at, updated_at) "
                 "VALUES (:created_time, :user_id, :request_id, :quota, :stamp, :stamp)")


def _apply_balances(conn, charge: Charge, delta: int, quota: int, channel_id: int, count_request: bool) -> None:
    """Counters of one settlement (or refund) on ``conn`` (Core SQL: the hot path)."""
    token_used = delta if not charge.token_unlimited else quota
    if updater_enabled():
        batch = updater()
        batch.add("user", charge.user_id, quota=-delta, used_quota=quota, request_count=int(count_request))
        batch.add("token", charge.token_id, remain_quota=0 if charge.token_unlimited else -delta,
                  used_quota=token_used)
        if channel_id and quota:
            batch.add("channel", channel_id, used_quota=quota)
        return
    # tokens before users, like pre-consume: one lock order, no deadlock between the two
    if not charge.token_unlimited:
        if delta:
            conn.execute(_SQL_TOKEN_LIMITED, {"delta": delta, "id": charge.token_id})
    elif token_used:
        conn.execute(_SQL_TOKEN_USED, {"used": token_used, "id": charge.token_id})
    if delta or quota or count_request:
        conn.execute(_SQL_USER_SETTLE, {"delta": delta, "quota": quota, "count": int(count_request),
                                        "id": charge.user_id})
    if channel_id and quota:
        conn.execute(_SQL_CHANNEL_USED, {"quota": quota, "id": channel_id})


def _settle_item(charge: Charge, delta: int, quota: int, channel_id: int, log_row, cost_row):
    """The writes of one settlement for ``settle_writer`` (counters via the batch updater if on)."""
    token_used = delta if not charge.token_unlimited else quota
    if updater_enabled():
        batch = updater()
        batch.add("user", charge.user_id, quota=-delta, used_quota=quota, request_count=1)
        batch.add("token", charge.token_id, remain_quota=0 if charge.token_unlimited else -delta,
                  used_quota=token_used)
        if channel_id and quota:
            batch.add("channel", channel_id, used_quota=quota)
        return settle_writer.SettleItem(None, None, None, None, log_row, cost_row)
    return settle_writer.SettleItem(
        (charge.user_id, delta, quota, 1),
        (charge.token_id, delta) if not charge.token_unlimited and delta else None,
        (charge.token_id, token_used) if charge.token_unlimited and token_used else None,
        (channel_id, quota) if channel_id and quota else None,
        log_row, cost_row)


_batch_enabled = False


def updater_enabled() -> bool:
    return _batch_enabled


def enable_batch(enabled: bool) -> None:
    global _batch_enabled
    _batch_enabled = enabled


def settle(ctx: RelayContext, charge: Charge, usage: Usage, *, upstream_format: str = "",
           extra_metadata: dict | None = None, engine=None) -> int:
    """Final charge of a request that produced output (complete or not). Idempotent.

    ``engine`` lets the pipeline settle after the request context is gone (no app context
    push, no ORM session: one short Core transaction)."""
    if charge.done:
        return charge.quota
    charge.done = True
    fixed = ctx.extra.get("fixed_quota")  # media fronts: per-image / per-second / per-call price
    quota = int(fixed) if fixed is not None else compute(charge, usage)
    charge.quota = quota
    delta = quota - charge.reserved
    now = now_s()
    stamp = now_ms()
    engine = engine or db.engine
    log_row = None
    if options.get_bool("LogConsumeEnabled"):
        metadata = {"user_api_format": ctx.front_format, "upstream_api_format": upstream_format or "",
                    "mode": int(ctx.mode)}
        if usage.estimated:
            metadata["estimated_usage"] = True
        if extra_metadata:
            metadata.update(extra_metadata)
        log_row = {
            "user_id": charge.user_id, "created_at": now, "type": int(LogType.CONSUME),
            "content": ctx.extra.get("log_content") or pricing.format_log_content(
                charge.price, charge.group_ratio, usage.cached_tokens, usage.cache_write_5m, usage.cache_write_1h),
            "username": ctx.username, "token_name": ctx.token_name, "model_name": ctx.actual_model,
            "origin_model_name": ctx.origin_model, "quota": quota, "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens, "cached_prompt_tokens": usage.cached_tokens,
            "channel_id": ctx.channel_id, "token_id": charge.token_id, "request_id": ctx.request_id,
            "elapsed_time": ctx.elapsed_ms(), "is_stream": bool(ctx.is_stream),
            "system_prompt_reset": bool(ctx.system_prompt_reset),
            "metadata": orjson.dumps(metadata).decode(), "updated_at": stamp}
    cost_row = {"created_time": now, "user_id": charge.user_id, "request_id": ctx.request_id,
                "quota": quota, "stamp": stamp}
    if settle_writer.enabled():
        # exact quota and cache now; rows + counters written by the per-worker writer (one commit per tick)
        settle_writer.writer(engine).submit(_settle_item(charge, delta, quota, ctx.channel_id, log_row, cost_row))
        auth_cache().adjust(charge.user_id, charge.token_id, delta)
        return quota
    try:
        with engine.begin() as conn:
            _apply_balances(conn, charge, delta, quota, ctx.channel_id, True)
            if log_row is not None:
                conn.execute(_SQL_LOG, log_row)
            conn.execute(_SQL_COST, cost_row)
    except Exception:
        log.exception("settling request %s failed (quota %s)", ctx.request_id, quota)
        raise
    auth_cache().adjust(charge.user_id, charge.token_id, delta)
    return quota


def refund(ctx: RelayContext, charge: Charge, engine=None) -> None:
    """The request failed before producing output: give the reservation back, cost 0."""
    if charge.done:
        return
    charge.done = True
    charge.quota = 0
    engine = engine or db.engine
    try:
        with engine.begin() as conn:
            if charge.reserved:
                _apply_balances(conn, charge, -charge.reserved, 0, 0, False)
            conn.execute(_SQL_COST, {"created_time": now_s(), "user_id": charge.user_id,
                                     "request_id": ctx.request_id, "quota": 0, "stamp": now_ms()})
    except Exception:
        log.exception("refunding request %s failed (reserved %s)", ctx.request_id, charge.reserved)
        raise
    if charge.reserved:
        auth_cache().adjust(charge.user_id, charge.token_id, -charge.reserved)


__all__ = ["Charge", "compute", "enable_batch", "pre_consume", "refund", "resolve", "settle"]
