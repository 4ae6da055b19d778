"""Model pricing and quota arithmetic (one-api core §4, relay §7). Pure: no DB, no Flask.

Resolution order per field (SCOPE §3): channel ``model_configs`` (then the legacy
channel ``model_ratio`` / ``completion_ratio`` maps) → global ``ModelRatio`` /
``CompletionRatio`` options → built-in defaults → fallback (1.25, 1). Map keys are
looked up as ``"model(channelType)"`` first, then ``"model"``.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oneapi.channel_types import is_known, get_channel_type
from oneapi.services import pricing_defaults as d

log = logging.getLogger(__name__)

QUOTA_PER_USD = 500_000
MILLI_TOKENS_USD = 0.5  # ratio per (USD per 1M tokens)
DEFAULT_PRE_CONSUMED_QUOTA = 500
TRUST_MULTIPLIER = 100

_PRICE_FIELDS = ("ratio", "completion_ratio", "cached_input_ratio", "cache_write_5m_ratio",
                 "cache_write_1h_ratio")


@dataclass(frozen=True)
class Price:
    ratio: float
    completion_ratio: float
    cached_input_ratio: float = 0.0
    cache_write_5m_ratio: float = 0.0
    cache_write_1h_ratio: float = 0.0
    source: str = "fallback"  # where ``ratio`` came from: channel|option|default|fallback
    model: str = ""
    tiers: tuple = field(default=(), compare=False)
    image: dict | None = field(default=None, compare=False)
    audio: dict | None = field(default=None, compare=False)
    per_call_usd: float | None = None


# ---------------------------------------------------------------- resolution

def _as_dict(value) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, (str, bytes)) and value.strip():
        try:
            parsed = json.loads(value)
        except ValueError:
            log.warning("pricing: ignoring invalid JSON price map")
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _lookup(mapping: dict, model: str, channel_type: int):
    key = f"{model}({channel_type})"
    if key in mapping:
        return mapping[key]
    return mapping.get(model)


def _num(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _family(channel_type: int) -> str:
    return get_channel_type(channel_type).family if is_known(channel_type) else "openai"


def _parse_hhmm(value) -> int | None:
    try:
        hours, minutes = str(value).split(":")
        return int(hours) * 60 + int(minutes)
    except ValueError:
        return None


def _window_matches(window: dict, now: datetime) -> bool:
    try:
        local = now.astimezone(ZoneInfo(window.get("timezone") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("pricing: ignoring time window with bad timezone %r", window.get("timezone"))
        return False
    days = window.get("days_of_week")
    if days and local.isoweekday() % 7 not in days:  # 0 = Sunday
        return False
    try:
        if window.get("date_from") and local.date() < date.fromisoformat(window["date_from"]):
            return False
        if window.get("date_to") and local.date() >= date.fromisoformat(window["date_to"]):
            return False
    except (TypeError, ValueError):
        return False
    ranges = window.get("ranges") or []
    if not ranges:
        return True
    minute = local.hour * 60 + local.minute
    for rng in ranges:
        start, end = _parse_hhmm(rng.get("start")), _parse_hhmm(rng.get("end"))
        if start is None or end is None:
            continue
        if (start <= minute < end) if start < end else (minute >= start or minute < end):
            return True
    return False


def apply_time_windows(cfg: dict, now: datetime) -> dict:
    """Overlay the first matching ``time_windows`` entry on a model config (tiers replace)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    for window in cfg.get("time_windows") or ():
        if isinstance(window, dict) and _window_matches(window, now):
            return {**cfg, **(window.get("overlay") or {})}
    return cfg


def has_time_windows(channel_model_configs: dict | None, model: str, channel_type: int) -> bool:
    """Whether the channel's config of ``model`` prices by time of day (``time_windows``)."""
    cfg = _lookup(_as_dict(channel_model_configs), model, channel_type)
    return isinstance(cfg, dict) and bool(cfg.get("time_windows"))


def resolve_price(model: str, channel_type: int, channel_model_configs: dict | None,
                  channel_model_ratio: dict | None, channel_completion_ratio: dict | None,
                  option_model_ratio: dict, option_completion_ratio: dict,
                  now: datetime | None = None) -> Price:
    """Effective price of ``model`` on a channel of ``channel_type``.

    ``now`` (request start time) enables the channel config's ``time_windows``.
    """
    cfg = _lookup(_as_dict(channel_model_configs), model, channel_type)
    cfg = cfg if isinstance(cfg, dict) else {}
    if now is not None and cfg.get("time_windows"):
        cfg = apply_time_windows(cfg, now)
    legacy_ratio = _num(_lookup(_as_dict(channel_model_ratio), model, channel_type))
    legacy_completion = _num(_lookup(_as_dict(channel_completion_ratio), model, channel_type))
    opt_ratio = _num(_lookup(_as_dict(option_model_ratio), model, channel_type))
    opt_completion = _num(_lookup(_as_dict(option_completion_ratio), model, channel_type))
    default = d.DEFAULT_PRICES.get(model)
    fallback = d.FAMILY_FALLBACK.get(_family(channel_type), d.FALLBACK)

    ratio, source = None, "fallback"
    for value, src in ((_num(cfg.get("ratio")), "channel"), (legacy_ratio, "channel"),
                       (opt_ratio, "option"), (default and float(default[0]), "default")):
        if value is not None:
            ratio, source = value, src
            break
    if ratio is None:
        ratio = fallback[0]

    completion = next((v for v in (_num(cfg.get("completion_ratio")), legacy_completion,
                                   opt_completion, default and float(default[1]))
                       if v is not None), fallback[1] if source == "fallback" else 1.0)

    extras = []
    for i, name in enumerate(_PRICE_FIELDS[2:], start=2):
        value = _num(cfg.get(name))
        if value is None:
            value = float(default[i]) if default else 0.0
        extras.append(value)

    tiers = cfg.get("tiers") if isinstance(cfg.get("tiers"), list) else d.DEFAULT_TIERS.get(
        model, ())
    per_call = cfg.get("per_call") if isinstance(cfg.get("per_call"), dict) else {}
    per_call_usd = _num(per_call.get("usd_per_thousand_calls"))
    per_call_usd = per_call_usd / 1000 if per_call_usd is not None else d.PER_CALL_USD.get(model)
    return Price(ratio=ratio, completion_ratio=completion, cached_input_ratio=extras[0],
                 cache_write_5m_ratio=extras[1], cache_write_1h_ratio=extras[2],
                 source=source, model=model, tiers=tuple(t for t in tiers if isinstance(t, dict)),
                 image=cfg.get("image") if isinstance(cfg.get("image"), dict) else None,
                 audio=cfg.get("audio") if isinstance(cfg.get("audio"), dict) else None,
                 per_call_usd=per_call_usd)


def apply_tiers(price: Price, prompt_tokens: int, completion_tokens: int = 0) -> Price:
    """Overlay every tier whose thresholds are met (non-zero fields override)."""
    out = price
    for tier in price.tiers:
        if prompt_tokens < (_num(tier.get("input_token_threshold")) or 0):
            continue
        if completion_tokens < (_num(tier.get("output_token_threshold")) or 0):
            continue
        changes = {f: float(tier[f]) for f in _PRICE_FIELDS if _num(tier.get(f))}
        out = replace(out, **changes)
    return out


def group_ratio(group: str, group_ratios: dict) -> float:
    """Ratio of the user's group; unknown group → 1 (logged)."""
    value = _num(_as_dict(group_ratios).get(group))
    if value is None:
        log.warning("pricing: unknown group %r, using group ratio 1", group)
        return 1.0
    return value


# ---------------------------------------------------------------- quota math

def _ceil(value: float) -> int:
    # round first so float noise (e.g. 3625.0000000001) does not add a quota unit
    return math.ceil(round(value, 9))


def _bucket_price(ratio: float, group: float, input_price: float) -> float:
    if ratio < 0:
        return 0.0
    return ratio * group if ratio > 0 else input_price


def compute_quota(price: Price, group_ratio: float, prompt_tokens: int, completion_tokens: int,
                  cached_tokens: int = 0, cache_write_5m: int = 0, cache_write_1h: int = 0,
                  provider_reports_cache_separately: bool = False, tools_cost: int = 0) -> int:
    """one-api relay/quota.Compute for text requests (tiers applied first)."""
    p, c = max(prompt_tokens, 0), max(completion_tokens, 0)
    r, w5, w1 = max(cached_tokens, 0), max(cache_write_5m, 0), max(cache_write_1h, 0)
    price = apply_tiers(price, p, c)
    in_price = price.ratio * group_ratio
    out_price = price.ratio * price.completion_ratio * group_ratio
    cached_price = _bucket_price(price.cached_input_ratio, group_ratio, in_price)
    w5_price = _bucket_price(price.cache_write_5m_ratio, group_ratio, in_price)
    w1_price = _bucket_price(price.cache_write_1h_ratio, group_ratio, in_price)

    separate = (provider_reports_cache_separately or price.model.lower().startswith("claude")
                or r > p or w5 + w1 > p)
    if separate:
        if p + c + r + w5 + w1 == 0:
            return 0
        cost = p * in_price + r * cached_price + w5 * w5_price + w1 * w1_price + c * out_price
    else:
        if p + c == 0:
            return 0
        r = min(r, p)
        remaining = p - r
        excess = w5 + w1 - remaining
        if excess > 0:  # trim writes that exceed the remaining prompt, 1h first
            cut = min(w1, excess)
            w1, excess = w1 - cut, excess - cut
            w5 -= min(w5, excess)
        plain = remaining - w5 - w1
        cost = plain * in_price + r * cached_price + w5 * w5_price + w1 * w1_price + c * out_price
    quota = _ceil(cost) + tools_cost
    if in_price != 0 and quota <= 0:
        quota = 1
    return quota


def estimate_preconsume(price: Price, group_ratio: float, prompt_tokens: int, max_tokens: int,
                        pre_consumed_quota: int = DEFAULT_PRE_CONSUMED_QUOTA) -> int:
    """Reservation estimate (core §4.5 step 1)."""
    base = (pre_consumed_quota + prompt_tokens) * price.ratio * group_ratio
    completion = (max_tokens or 0) * price.ratio * group_ratio * price.completion_ratio
    return _ceil(base + completion)


def estimate_embeddings_preconsume(price: Price, group_ratio: float, prompt_tokens: int,
                                   pre_consumed_quota: int = DEFAULT_PRE_CONSUMED_QUOTA) -> int:
    """Embeddings: exact cost of the counted input plus a PreConsumedQuota×ratio buffer."""
    return (compute_quota(price, group_ratio, prompt_tokens, 0)
            + _ceil(pre_consumed_quota * price.ratio * group_ratio))


def request_max_tokens(body: dict) -> int:
    """max_completion_tokens if > 0, else max_tokens, else 0 (for the estimate)."""
    for key in ("max_completion_tokens", "max_tokens", "max_output_tokens"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 0


def should_skip_reservation(user_quota: int, token_quota: int, token_unlimited: bool,
                            estimate: int) -> bool:
    """Fork fix #25: skip only if user AND (unlimited key or key) hold > 100× the estimate."""
    limit = TRUST_MULTIPLIER * estimate
    return user_quota > limit and (token_unlimited or token_quota > limit)


def quota_to_usd(quota: int | float) -> float:
    return quota / QUOTA_PER_USD


def usd_to_quota(usd: float) -> int:
    return _ceil(usd * QUOTA_PER_USD)


# ---------------------------------------------------------------- non-token media

def image_limits(model: str) -> tuple[int, int, int]:
    """(min n, max n, prompt length limit) for an image model."""
    table = d.IMAGE_PRICING.get(model)
    if table:
        return table["n"][0], table["n"][1], table["prompt_limit"]
    lo, hi = d.FLAT_IMAGE_N.get(model, (1, 4))
    return lo, hi, d.FLAT_IMAGE_PROMPT_LIMIT.get(model, 4000)


def image_quota(model: str, group_ratio: float, n: int = 1, size: str | None = None,
                quality: str | None = None, price: Price | None = None) -> int:
    """Per-image quota × n: ceil(usd × 500000 × size/quality multiplier × group) × n.

    Raises ValueError for a size/quality the model does not support.
    """
    cfg = (price.image if price else None) or {}
    table = d.IMAGE_PRICING.get(model)
    usd = _num(cfg.get("price_per_image_usd"))
    multiplier = 1.0
    if table:
        size = size or cfg.get("default_size") or table["default_size"]
        quality = (quality or cfg.get("default_quality") or table["default_quality"]).lower()
        if quality == "standard" and model != "dall-e-3":
            quality = "auto"
        mults = table["multipliers"]
        key = ("", size) if ("", size) in mults else (quality, size)
        if key not in mults:
            raise ValueError(f"size {size} (quality {quality}) is not supported by {model}")
        multiplier = mults[key]
        usd = usd if usd is not None else table["usd"]
    elif usd is None:
        usd = d.FLAT_IMAGE_USD.get(model, d.DEFAULT_IMAGE_USD)
    sizes = cfg.get("size_multipliers")
    if isinstance(sizes, dict) and _num(sizes.get(size)) is not None:
        multiplier = float(sizes[size])
    return _ceil(usd * QUOTA_PER_USD * multiplier * group_ratio) * max(int(n or 1), 1)


def audio_transcription_quota(price: Price, group_ratio: float, seconds: float) -> int:
    """Whisper-style billing: seconds × tokens-per-second (10 or model config) × ratio."""
    audio = price.audio or {}
    usd_per_second = _num(audio.get("usd_per_second"))
    if usd_per_second is not None:
        return _ceil(seconds * usd_per_second * QUOTA_PER_USD * group_ratio)
    tps = _num(audio.get("prompt_tokens_per_second")) or d.AUDIO_TOKENS_PER_SECOND
    return _ceil(math.ceil(seconds * tps) * price.ratio * group_ratio)


def audio_seconds_to_tokens(price: Price, seconds: float) -> int:
    tps = _num((price.audio or {}).get("prompt_tokens_per_second")) or d.AUDIO_TOKENS_PER_SECOND
    return math.ceil(seconds * tps)


def reweight_audio_usage(price: Price, text_prompt: int, audio_prompt: int,
                         text_completion: int, audio_completion: int) -> tuple[int, int]:
    """gpt-4o-audio usage: audio tokens weighted by the model's audio ratios (16 / 2)."""
    audio = price.audio or {}
    prompt_ratio = _num(audio.get("prompt_ratio")) or 16.0
    completion_ratio = _num(audio.get("completion_ratio")) or 2.0
    return (text_prompt + math.ceil(audio_prompt * prompt_ratio),
            text_completion + math.ceil(audio_completion * prompt_ratio * completion_ratio))


def tts_quota(price: Price, group_ratio: float, text: str) -> int:
    """TTS: UTF-8 bytes of the input × ratio × group (charged up front)."""
    return _ceil(len(text.encode("utf-8")) * price.ratio * group_ratio)


def per_call_quota(usd_per_call: float, group_ratio: float, calls: int = 1) -> int:
    """Rerank-style per-call models and built-in tools."""
    return _ceil(usd_per_call * QUOTA_PER_USD * group_ratio) * calls


def rerank_quota(price: Price, group_ratio: float, prompt_tokens: int) -> int:
    """Per-call price when the model has one, otherwise token-priced."""
    if price.per_call_usd is not None:
        return per_call_quota(price.per_call_usd, group_ratio)
    return compute_quota(price, group_ratio, prompt_tokens, 0)


def tool_call_quota(channel_type: int, tool: str, calls: int = 1,
                    channel_tooling: dict | None = None) -> int | None:
    """Quota for ``calls`` built-in tool invocations; None when the tool has no price
    (one-api then rejects it) or the channel whitelist excludes it."""
    tooling = _as_dict(channel_tooling)
    whitelist = tooling.get("whitelist")
    if isinstance(whitelist, list) and whitelist and tool not in whitelist:
        return None
    override = _as_dict(tooling.get("pricing")).get(tool)
    if isinstance(override, dict):
        if _num(override.get("quota_per_call")) is not None:
            return _ceil(float(override["quota_per_call"]) * calls)
        if _num(override.get("usd_per_call")) is not None:
            return usd_to_quota(float(override["usd_per_call"])) * calls
    family = _family(channel_type)
    family = "openai" if family == "azure" else "gemini" if family == "vertexai" else family
    usd = d.TOOL_USD.get(family, {}).get(tool)
    return None if usd is None else usd_to_quota(usd) * calls


# ---------------------------------------------------------------- logs & options

def format_log_content(price: Price, group_ratio: float, cached_tokens: int = 0,
                       cache_write_5m: int = 0, cache_write_1h: int = 0,
                       tools_cost: int = 0) -> str:
    """Consume-log text as one-api writes it, e.g. 'model rate 1.25, group rate 1.00,
    completion rate 4.00, cached_prompt 0, cache_write_5m 0, cache_write_1h 0'."""
    text = (f"model rate {price.ratio:.2f}, group rate {group_ratio:.2f}, "
            f"completion rate {price.completion_ratio:.2f}, ")
    if tools_cost:
        text += f"tools cost {tools_cost}, "
    return text + (f"cached_prompt {cached_tokens}, cache_write_5m {cache_write_5m}, "
                   f"cache_write_1h {cache_write_1h}")


def format_audio_log_content(price: Price, group_ratio: float) -> str:
    return f"model rate {price.ratio:.2f}, group rate {group_ratio:.2f}"


def default_model_ratio() -> dict[str, float]:
    return {model: float(entry[0]) for model, entry in d.DEFAULT_PRICES.items()}


def default_completion_ratio() -> dict[str, float]:
    return {model: float(entry[1]) for model, entry in d.DEFAULT_PRICES.items()}


def default_model_ratio_json() -> str:
    return json.dumps(default_model_ratio(), sort_keys=True)


def default_completion_ratio_json() -> str:
    return json.dumps(default_completion_ratio(), sort_keys=True)


def default_group_ratio_json() -> str:
    return json.dumps(d.DEFAULT_GROUP_RATIO)


def pricing_table(option_model_ratio: dict, option_completion_ratio: dict) -> list[dict]:
    """Rows for GET /api/pricing (global prices: options over built-in defaults)."""
    ratios, completions = _as_dict(option_model_ratio), _as_dict(option_completion_ratio)
    rows = []
    for model in sorted(set(d.DEFAULT_PRICES) | {k for k in ratios if "(" not in k}):
        price = resolve_price(model, 0, None, None, None, ratios, completions)
        rows.append({
            "model": model,
            "model_ratio": price.ratio,
            "completion_ratio": price.completion_ratio,
            "cached_input_ratio": price.cached_input_ratio,
            "input_usd_per_1m": round(price.ratio / MILLI_TOKENS_USD, 6),
            "output_usd_per_1m": round(price.ratio * price.completion_ratio / MILLI_TOKENS_USD,
                                       6),
        })
    return rows


def validate_model_configs(configs) -> None:
    """Validate a channel ``model_configs`` value; raise ValueError with an English message."""
    data = _as_dict(configs) if not isinstance(configs, dict) else configs
    if configs and not data:
        raise ValueError("model_configs must be a JSON object")
    for model, cfg in data.items():
        if not str(model).strip():
            raise ValueError("model_configs: empty model name")
        if not isinstance(cfg, dict) or not cfg:
            raise ValueError(f"model_configs[{model}]: needs at least one pricing field")
        for name in _PRICE_FIELDS + ("max_tokens",):
            if name in cfg and (_num(cfg[name]) is None or cfg[name] < 0):
                raise ValueError(f"model_configs[{model}].{name} must be a non-negative number")
