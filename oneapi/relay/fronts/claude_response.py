"""Hub chat completion / error -> Anthropic Messages response (Claude front, non-stream side)."""
from __future__ import annotations

import json

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
ANTHROPIC_ERROR_TYPES = frozenset(ERROR_TYPES.values()) | {"api_error"}


def _parse_arguments(arguments) -> dict:
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def reasoning_of(message: dict) -> str:
    for key in ("reasoning_content", "reasoning", "thinking"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def claude_usage(usage: dict | None) -> dict:
    """Hub usage (prompt inclusive of cache) -> Anthropic usage."""
    usage = usage or {}
    details = usage.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0)
    creation = int(details.get("cache_creation_tokens") or 0)
    creation_1h = int(details.get("cache_creation_1h_tokens") or 0)
    prompt = int(usage.get("prompt_tokens") or 0)
    out = {
        "input_tokens": max(prompt - cached - creation, 0),
        "output_tokens": int(usage.get("completion_tokens") or 0),
        "cache_read_input_tokens": cached,
        "cache_creation_input_tokens": creation,
    }
    if creation:
        out["cache_creation"] = {"ephemeral_5m_input_tokens": creation - creation_1h,
                                 "ephemeral_1h_input_tokens": creation_1h}
    return out


def stop_reason(finish_reason, has_tools: bool) -> str:
    if has_tools and finish_reason in (None, "stop", "tool_calls", "function_call"):
        return "tool_use"
    return STOP_REASONS.get(finish_reason, "end_turn")


def _content_text(content) -> str:
    if isinstance(content, list):
        out = []
        for part in content:
            if part.get("type") == "text":
                out.append(part.get("text", ""))
            elif part.get("type") == "image_url":
                out.append(f"![image]({(part.get('image_url') or {}).get('url', '')})")
        return "".join(out)
    return content or ""


def chat_to_claude_response(resp: dict, model: str, new_id) -> dict:
    """Convert a hub chat completion to an Anthropic Messages response."""
    choice = (resp.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    blocks: list[dict] = []
    reasoning = reasoning_of(message)
    if reasoning:
        blocks.append({"type": "thinking", "thinking": reasoning,
                       "signature": message.get("thinking_signature") or ""})
    text = _content_text(message.get("content"))
    if text:
        blocks.append({"type": "text", "text": text})
    tool_calls = message.get("tool_calls") or []
    for call in tool_calls:
        fn = call.get("function") or {}
        blocks.append({"type": "tool_use", "id": call.get("id") or f"toolu_{new_id()}",
                       "name": fn.get("name", ""), "input": _parse_arguments(fn.get("arguments"))})
    return {
        "id": f"msg_{new_id()}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": stop_reason(choice.get("finish_reason"), bool(tool_calls)),
        "stop_sequence": None,
        "usage": claude_usage(resp.get("usage")),
    }


def chat_error_to_claude_error(status: int, error: dict) -> dict:
    """OpenAI error fields (or a full ``{"error": ...}`` body) -> Anthropic error body."""
    err = error.get("error") if isinstance(error.get("error"), dict) else error
    kind = err.get("type")
    if kind not in ANTHROPIC_ERROR_TYPES:
        kind = ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": str(err.get("message") or "")}}
