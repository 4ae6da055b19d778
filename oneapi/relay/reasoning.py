"""Reasoning / thinking transforms on hub dicts (reference relay §5). Pure functions.

Public API:
    parse_reasoning_format(value) -> "reasoning_content" | "reasoning" | "thinking" | None
    parse_thinking_param(value) -> True | False | None
    apply_reasoning_format(message_or_delta, fmt) -> dict   (response side, §5.1)
    apply_thinking_param(req, enabled, model, query_effort=None) -> dict   (request side, §5.2)
    rewrite_openai_request(req, ...) -> dict   (OpenAI-family rewrites, §5.3)
    is_reasoning_model(model), is_reasoning_capable(model), normalize_effort(model, effort)
"""
from __future__ import annotations

import re

REASONING_KEYS = ("reasoning", "reasoning_content", "thinking")
REASONING_FORMATS = ("reasoning_content", "reasoning", "thinking")
TRUTHY = {"1", "true", "yes", "on"}
FALSY = {"0", "false", "no", "off"}
BASIC_EFFORTS = ("low", "medium", "high")
GPT5_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
DEEPSEEK_V4_EFFORTS = ("low", "medium", "high", "max")
WEB_SEARCH_DROPPED = ("temperature", "top_p", "presence_penalty", "n", "frequency_penalty")
# Anthropic-style thinking budget -> effort, for OpenAI reasoning models
EFFORT_BY_BUDGET = ((4096, "low"), (16384, "medium"))

_O_SERIES = re.compile(r"^o(\d|-|$)")
_GPT_N = re.compile(r"^gpt-(\d+)")


def parse_reasoning_format(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value if value in REASONING_FORMATS else None


def parse_thinking_param(value: str | None) -> bool | None:
    value = (value or "").strip().lower()
    if value in TRUTHY:
        return True
    if value in FALSY:
        return False
    return None


def _name(model: str) -> str:
    name = (model or "").lower()
    return name.rsplit("/", 1)[-1]


def _is_gpt5_chat(name: str) -> bool:
    return name.startswith("gpt-5") and "-chat" in name


def is_reasoning_model(model: str) -> bool:
    """OpenAI reasoning model: o-series or gpt-N with N >= 5 (gpt-5*-chat excluded)."""
    name = _name(model)
    if _O_SERIES.match(name):
        return True
    match = _GPT_N.match(name)
    return bool(match) and int(match.group(1)) >= 5 and not _is_gpt5_chat(name)


def is_deepseek_thinker(model: str) -> bool:
    name = _name(model)
    return "deepseek-r1" in name or "reasoner" in name


def is_reasoning_capable(model: str) -> bool:
    """Models that accept a reasoning effort when ``?thinking=true`` is given."""
    name = _name(model)
    return (is_reasoning_model(name) or "deep-research" in name or name.startswith("grok")
            or is_deepseek_thinker(name) or name.startswith("deepseek-v4-"))


def _allowed_efforts(name: str) -> tuple[str, ...]:
    # The fork treats every o-series model as medium-only; OpenAI's o1/o3/o4 accept
    # low/medium/high, so only deep-research and gpt-5*-chat are medium-only here.
    if "deep-research" in name or _is_gpt5_chat(name):
        return ("medium",)
    if name.startswith("gpt-5") or (_GPT_N.match(name) and int(_GPT_N.match(name).group(1)) > 5):
        return GPT5_EFFORTS
    if name.startswith("deepseek-v4-"):
        return DEEPSEEK_V4_EFFORTS
    return BASIC_EFFORTS


def default_effort(model: str) -> str:
    """Effort injected by ``?thinking=true`` when the client gave none (§5.2)."""
    name = _name(model)
    if "deep-research" in name or _O_SERIES.match(name) or _is_gpt5_chat(name):
        return "medium"
    return "high"


def normalize_effort(model: str, effort: str | None) -> str:
    """Validated reasoning effort for the model; invalid/missing -> the model default."""
    name = _name(model)
    effort = (effort or "").strip().lower()
    if name.startswith("deepseek-v4-") and effort == "xhigh":
        effort = "max"
    allowed = _allowed_efforts(name)
    if effort in allowed:
        return effort
    return "medium" if "medium" in allowed else allowed[0]


def apply_reasoning_format(message_or_delta: dict, fmt: str | None) -> dict:
    """Re-key reasoning text of a message or delta to ``fmt`` (§5.1).

    The first present of ``reasoning``, ``reasoning_content``, ``thinking``
    (string values) is moved under ``fmt``; the other keys are removed.
    ``fmt`` None or unknown leaves the dict unchanged.  Returns a new dict.
    """
    if fmt not in REASONING_FORMATS:
        return message_or_delta
    value = None
    for key in REASONING_KEYS:
        if isinstance(message_or_delta.get(key), str):
            value = message_or_delta[key]
            break
    if value is None:
        return message_or_delta
    out = {k: v for k, v in message_or_delta.items() if k not in REASONING_KEYS}
    out[fmt] = value
    return out


def apply_thinking_param(req: dict, enabled: bool | None, model: str, query_effort: str | None = None) -> dict:
    """Request-side ``?thinking=`` handling (§5.2). Returns a new dict.

    ``enabled`` None means unspecified; DeepSeek-R1 / reasoner models treat it as
    on (thinking on by default) and get ``thinking: {"type": "enabled"}``.
    """
    out = dict(req)
    name = _name(model)
    if enabled is None and is_deepseek_thinker(name):
        enabled = True
    if "qwen3" in name and enabled is not None:
        extra = dict(out.get("extra_body") or {})
        kwargs = dict(extra.get("chat_template_kwargs") or {})
        kwargs.setdefault("enable_thinking", enabled)
        extra["chat_template_kwargs"] = kwargs
        out["extra_body"] = extra
    if not enabled:
        return out
    if name.startswith("claude"):
        out.setdefault("thinking", {"type": "enabled", "budget_tokens": 1024})
        return out
    if is_deepseek_thinker(name) or name.startswith("deepseek-v4-"):
        out.setdefault("thinking", {"type": "enabled"})
    if is_reasoning_capable(name) and not out.get("reasoning_effort"):
        out["reasoning_effort"] = normalize_effort(name, query_effort) if query_effort else default_effort(name)
        if name.startswith("deepseek-v4-"):
            out["reasoning_effort"] = normalize_effort(name, out["reasoning_effort"])
    return out


def _effort_for_budget(budget) -> str:
    if not isinstance(budget, int):
        return "medium"
    for bound, effort in EFFORT_BY_BUDGET:
        if budget <= bound:
            return effort
    return "high"


def rewrite_openai_request(req: dict, *, to_responses_api: bool = False, enforce_include_usage: bool = True,
                           default_max_tokens: int | None = None) -> dict:
    """OpenAI-family request rewrites (§5.3). Returns a new dict.

    * stream + enforce_include_usage -> ``stream_options.include_usage = true``;
    * reasoning models: ``max_tokens`` -> ``max_completion_tokens`` (they reject ``max_tokens``);
      other models keep ``max_tokens`` (widely supported by OpenAI-compatible vendors), and
      ``max_tokens`` is dropped when ``max_completion_tokens`` is also given;
      ``default_max_tokens`` (when given) fills the budget if the client set none;
    * o-series / gpt-5+ (not gpt-5-chat): temperature and top_p dropped, reasoning_effort
      normalised (an Anthropic ``thinking`` object is turned into an effort), system
      messages become ``developer`` messages;
    * other gpt-* models: ``reasoning_effort`` and ``thinking`` dropped;
    * ``-search`` models: sampling fields dropped; deep-research or ``web_search_options``
      on the Responses API path keep a web_search tool via ``web_search_options``;
    * DeepSeek-R1 / reasoner models: ``thinking: {"type": "enabled"}`` unless given.
    """
    out = dict(req)
    name = _name(out.get("model", ""))
    if out.get("stream") and enforce_include_usage:
        out["stream_options"] = {**(out.get("stream_options") or {}), "include_usage": True}
    reasoning = is_reasoning_model(name)
    if out.get("max_completion_tokens"):
        out.pop("max_tokens", None)
    elif reasoning and out.get("max_tokens"):  # reasoning models reject max_tokens
        out["max_completion_tokens"] = out.pop("max_tokens")
    if default_max_tokens and not out.get("max_completion_tokens") and not out.get("max_tokens"):
        out["max_completion_tokens" if reasoning else "max_tokens"] = default_max_tokens
    if reasoning:
        out.pop("temperature", None)
        out.pop("top_p", None)
        thinking = out.pop("thinking", None)
        effort = out.get("reasoning_effort")
        if not effort and isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"):
            effort = _effort_for_budget(thinking.get("budget_tokens"))
        out["reasoning_effort"] = normalize_effort(name, effort)
        out["messages"] = [{**m, "role": "developer"} if m.get("role") == "system" else m
                           for m in out.get("messages") or []]
    elif name.startswith("gpt-") or name.startswith("chatgpt-"):
        out.pop("reasoning_effort", None)
        out.pop("thinking", None)
    if "-search" in name:
        for key in WEB_SEARCH_DROPPED:
            out.pop(key, None)
    if to_responses_api and "deep-research" in name and out.get("web_search_options") is None:
        out["web_search_options"] = {}
    if is_deepseek_thinker(name) and "thinking" not in out:
        out["thinking"] = {"type": "enabled"}
    return out
