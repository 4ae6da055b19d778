"""Usage normalisation (reference relay §2.8) into the numbers billing needs."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    estimated: bool = False  # True when counted by the gateway (no upstream usage)

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def _int(value) -> int:
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def normalize_usage_dict(usage: dict) -> dict:
    """Move vendor cache fields into ``prompt_tokens_details`` (mutates and returns)."""
    details = usage.get("prompt_tokens_details")
    if not isinstance(details, dict):
        details = {}
    hit = usage.pop("prompt_cache_hit_tokens", None)
    usage.pop("prompt_cache_miss_tokens", None)
    top = usage.pop("cached_tokens", None)
    cached = _int(details.get("cached_tokens")) or _int(top) or _int(hit)
    if cached:
        details["cached_tokens"] = cached
        usage["prompt_tokens_details"] = details
    return usage


def usage_from_dict(usage: dict | None, prompt_estimate: int, completion_estimate) -> Usage:
    """Billing usage from an upstream usage dict; falls back to estimates like one-api:
    missing/zero total → prompt = estimate, completion = counted text; only a total →
    completion = total − prompt. ``completion_estimate`` is a callable (counted lazily)."""
    if not isinstance(usage, dict):
        return Usage(prompt_estimate, completion_estimate(), estimated=True)
    prompt = _int(usage.get("prompt_tokens", usage.get("input_tokens")))
    completion = _int(usage.get("completion_tokens", usage.get("output_tokens")))
    total = _int(usage.get("total_tokens")) or prompt + completion
    if total == 0:
        return Usage(prompt_estimate, completion_estimate(), estimated=True)
    if prompt == 0 and completion == 0:
        prompt = prompt_estimate
        completion = max(total - prompt, 0)
    details = usage.get("prompt_tokens_details") if isinstance(usage.get("prompt_tokens_details"), dict) else {}
    cached = _int(details.get("cached_tokens")) or _int(usage.get("cached_tokens")) \
        or _int(usage.get("prompt_cache_hit_tokens"))
    writes = _int(details.get("cache_creation_tokens"))
    w1h = min(_int(details.get("cache_creation_1h_tokens")), writes) if writes else 0
    return Usage(prompt, completion, cached, writes - w1h, w1h)


def usage_to_dict(usage: Usage) -> dict:
    out = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
           "total_tokens": usage.total}
    if usage.cached_tokens:
        out["prompt_tokens_details"] = {"cached_tokens": usage.cached_tokens}
    return out
