"""Channel tests and balance queries (reference core §1.5, §6.4).

``test_channel(channel_id, model=None)`` sends one small chat request through the channel's
adapter (no quota is charged), stores ``response_time`` / ``test_time``, writes a test log
(type 5), re-enables an auto-disabled channel that passes (``AutomaticEnableChannelEnabled``)
and disables an enabled channel that fails (``AutomaticDisableChannelEnabled``).
``test_all_channels(app, scope)`` runs a sweep in the background, one at a time.
``update_balance(channel_id)`` queries the OpenAI-style billing endpoints of the types that
support it and stores the balance in USD.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone

import orjson
import requests

from ..channel_types import ChannelType, supports_balance
from ..errors import BadRequest, Conflict, NotFound, OneAPIError
from ..extensions import db
from ..models import Channel, ChannelStatus, LogType, now_s
from ..providers import AdapterNotFound, get_adapter
from ..providers.base import UpstreamErrorInfo
from ..relay import transport
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.usage import usage_from_dict
from . import health, options, pricing
from .logs import record_log
from .relay_cache import channel_info

log = logging.getLogger(__name__)

TEST_TIMEOUT = 60
BALANCE_TIMEOUT = 20
_sweep_lock = threading.Lock()


def _settings():
    from ..app import get_settings

    return get_settings()


def _test_model(channel: Channel, model: str | None) -> str:
    if model:
        return model
    if channel.testing_model:
        return channel.testing_model
    models = [m.strip() for m in (channel.models or "").split(",") if m.strip()]
    chat = [m for m in models if not any(k in m for k in ("embedding", "whisper", "tts", "dall-e", "moderation",
                                                          "rerank", "image"))]
    return (chat or models or ["gpt-3.5-turbo"])[0]


def _reply_text(hub: dict) -> str:
    for choice in hub.get("choices") or ():
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict):
            content = message.get("content")
            if isinstance(content, str) and content:
                return content
            if isinstance(message.get("reasoning_content"), str):
                return message["reasoning_content"]
    return ""


def _run_test(channel: Channel, model: str) -> tuple[bool, str, float, UpstreamErrorInfo | None]:
    """Never raises for adapter trouble: a failing token exchange in ``sign()`` (Baidu, Coze
    OAuth), a converter bug or an unexpected upstream shape all become a failed test result."""
    started = time.monotonic()
    try:
        return _run_test_unguarded(channel, model)
    except OneAPIError as err:  # VendorError from sign()/convert_response, adapter-level refusals
        elapsed = time.monotonic() - started
        return False, err.message, elapsed, UpstreamErrorInfo(err.status, err.message, type=err.type or
                                                              "upstream_error", code=err.code)
    except Exception as err:  # noqa: BLE001 - a channel test reports, it never 500s the admin API
        log.warning("channel #%s test failed with an adapter error", channel.id, exc_info=True)
        elapsed = time.monotonic() - started
        message = f"adapter error: {type(err).__name__}: {err}"
        return False, message, elapsed, UpstreamErrorInfo(500, message, code="adapter_error")


def _run_test_unguarded(channel: Channel, model: str) -> tuple[bool, str, float, UpstreamErrorInfo | None]:
    settings = _settings()
    info = channel_info(channel)
    ctx = RelayContext(request_id=f"test{channel.id}{time.time_ns()}", mode=RelayMode.CHAT, origin_model=model,
                       actual_model=model, enforce_include_usage=settings.enforce_include_usage,
                       default_max_tokens=settings.default_max_token, gemini_version=settings.gemini_version,
                       gemini_safety_setting=settings.gemini_safety_setting, relay_timeout=TEST_TIMEOUT)
    ctx.openrouter_provider_sort = settings.openrouter_provider_sort
    ctx.for_channel(info)
    try:
        adapter = get_adapter(channel.type)
    except AdapterNotFound as err:
        return False, str(err), 0.0, None
    if hasattr(adapter, "for_request"):
        adapter = adapter.for_request(ctx)
    hub = {"model": model, "messages": [{"role": "user", "content": settings.test_prompt}],
           "max_tokens": settings.test_max_tokens}
    try:
        prepared = adapter.convert_request(ctx, hub)
    except ValueError as err:
        return False, f"convert request failed: {err}", 0.0, None
    body = prepared.body if prepared.body is not None else orjson.dumps(prepared.json)
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               **adapter.request_headers(ctx), **prepared.headers}
    prepared.body, prepared.headers = body, headers
    prepared = adapter.sign(ctx, prepared)
    url = prepared.url or adapter.request_url(ctx)
    started = time.monotonic()
    try:
        resp = transport.send(prepared.method, url, headers=prepared.headers, data=prepared.body, stream=False,
                              relay_timeout=TEST_TIMEOUT, proxy=settings.relay_proxy)
    except requests.RequestException as err:
        elapsed = time.monotonic() - started
        return False, f"request failed: {err}", elapsed, UpstreamErrorInfo(500, str(err), code="do_request_failed")
    elapsed = time.monotonic() - started
    if not 200 <= resp.status_code < 300:
        err_info = adapter.convert_error(ctx, resp.status_code, resp.content)
        return False, f"status code {resp.status_code}: {err_info.message}", elapsed, err_info
    try:
        data = orjson.loads(resp.content)
        hub_resp = adapter.convert_response(ctx, data) if isinstance(data, dict) else {}
    except (orjson.JSONDecodeError, ValueError) as err:
        return False, f"invalid response body: {err}", elapsed, None
    if isinstance(hub_resp.get("error"), dict):
        return False, str(hub_resp["error"].get("message")), elapsed, None
    usage = usage_from_dict(hub_resp.get("usage"), 0, lambda: 0)
    try:
        price = pricing.resolve_price(ctx.actual_model, channel.type, info.model_configs, info.model_ratio,
                                      info.completion_ratio, options.get_json("ModelRatio"),
                                      options.get_json("CompletionRatio"))
        quota = pricing.compute_quota(price, 1.0, usage.prompt_tokens, usage.completion_tokens)
    except Exception:  # noqa: BLE001 - informative only
        quota = 0
    ctx.extra["test_quota"] = quota
    return True, _reply_text(hub_resp) or "ok", elapsed, None


def test_channel(channel_id: int, model: str | None = None) -> dict:
    """Probe one channel synchronously; returns ``{success, message, time, model}``."""
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"channel {channel_id} not found")
    model = _test_model(channel, model)
    ok, message, elapsed, err_info = _run_test(channel, model)
    millis = int(elapsed * 1000)
    channel.response_time = millis
    channel.test_time = now_s()
    status = channel.status
    db.session.commit()
    record_log(0, LogType.TEST, f"channel #{channel_id} ({channel.name}) test {'passed' if ok else 'failed'}: "
                                f"model {model}, {millis} ms" + ("" if ok else f", {message[:300]}"),
               username="", model_name=model, channel_id=channel_id, elapsed_time=millis)
    db.session.commit()
    threshold = options.get_int("ChannelDisableThreshold", 5)
    too_slow = ok and threshold > 0 and elapsed > threshold
    if ok and not too_slow and status == ChannelStatus.AUTO_DISABLED and \
            options.get_bool("AutomaticEnableChannelEnabled"):
        health.enable_channel(channel_id)
    elif (not ok or too_slow) and status == ChannelStatus.ENABLED and \
            options.get_bool("AutomaticDisableChannelEnabled"):
        reason = message if not ok else f"response time {elapsed:.2f}s exceeds {threshold}s"
        health.disable_channel(channel_id, reason)
    return {"success": ok, "message": message if ok or message else "test failed", "time": round(elapsed, 3),
            "model": model, "modelName": model}


def _sweep(app, scope: str) -> None:
    try:
        with app.app_context():
            query = db.select(Channel.id)
            if scope == "disabled":
                query = query.where(Channel.status != ChannelStatus.ENABLED)
            elif scope == "enabled":
                query = query.where(Channel.status == ChannelStatus.ENABLED)
            ids = list(db.session.execute(query).scalars())
            db.session.rollback()
            for channel_id in ids:
                try:
                    test_channel(channel_id)
                except Exception:  # noqa: BLE001 - one bad channel never stops the sweep
                    db.session.rollback()
                    log.exception("testing channel #%s failed", channel_id)
            log.info("channel test sweep (%s) finished: %d channels", scope, len(ids))
    finally:
        _sweep_lock.release()


def test_all_channels(app, scope: str = "all") -> threading.Thread:
    """Start a background sweep; raises Conflict when one is already running."""
    if scope not in ("all", "disabled", "enabled"):
        raise BadRequest(f"invalid scope {scope!r}: use all, enabled or disabled")
    if not _sweep_lock.acquire(blocking=False):
        raise Conflict("Test is already running")
    thread = threading.Thread(target=_sweep, args=(app, scope), name="oneapi-channel-test", daemon=True)
    thread.start()
    return thread


def sweep_running() -> bool:
    return _sweep_lock.locked()


# ---------------------------------------------------------------------------- balance

def _origin(base_url: str) -> str:
    base = (base_url or "").rstrip("/")
    return base[:-3] if base.endswith("/v1") else base


def _get_json(url: str, key: str) -> dict:
    settings = _settings()
    try:
        resp = transport.session(settings.relay_proxy).get(
            url, headers={"Authorization": f"Bearer {key}"}, timeout=BALANCE_TIMEOUT)
    except requests.RequestException as err:
        raise BadRequest(f"balance query failed: {err}") from None
    if resp.status_code != 200:
        raise BadRequest(f"balance query failed: status code {resp.status_code}")
    try:
        data = resp.json()
    except ValueError:
        raise BadRequest("balance query failed: the upstream answered invalid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("balance query failed: unexpected response")
    return data


def _openai_balance(origin: str, key: str) -> float:
    sub = _get_json(f"{origin}/v1/dashboard/billing/subscription", key)
    limit = float(sub.get("hard_limit_usd") or 0)
    now = datetime.now(timezone.utc)
    start = (now - timedelta(days=100)).strftime("%Y-%m-%d")
    end = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    usage = _get_json(f"{origin}/v1/dashboard/billing/usage?start_date={start}&end_date={end}", key)
    return limit - float(usage.get("total_usage") or 0) / 100


def _query_balance(channel: Channel) -> float:
    from ..channel_types import default_base_url

    origin = _origin(channel.base_url or default_base_url(channel.type))
    key = (channel.key or "").split("\n")[0].strip()
    if channel.type == ChannelType.DEEPSEEK:
        data = _get_json(f"{origin}/user/balance", key)
        infos = data.get("balance_infos") or []
        for item in infos:
            if item.get("currency") == "USD":
                return float(item.get("total_balance") or 0)
        return float(infos[0].get("total_balance") or 0) / 7 if infos else 0.0
    if channel.type == ChannelType.OPENROUTER:
        data = (_get_json(f"{origin}/api/v1/credits", key).get("data") or {})
        return float(data.get("total_credits") or 0) - float(data.get("total_usage") or 0)
    if channel.type == ChannelType.SILICONFLOW:
        data = (_get_json(f"{origin}/v1/user/info", key).get("data") or {})
        return float(data.get("totalBalance") or data.get("balance") or 0) / 7
    return _openai_balance(origin, key)


def update_balance(channel_id: int) -> float:
    """Query and store the channel's balance (USD)."""
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"channel {channel_id} not found")
    if channel.type == ChannelType.AZURE:
        raise BadRequest("Not yet implemented")
    if not supports_balance(channel.type):
        raise BadRequest(f"balance query is not supported for channel type {channel.type}")
    balance = round(_query_balance(channel), 6)
    channel.balance = balance
    channel.balance_updated_time = now_s()
    db.session.commit()
    return balance
