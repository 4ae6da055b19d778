"""Responses API object builders shared by the non-stream and stream Responses front codecs."""
from __future__ import annotations

import json

ECHO_FIELDS = ("instructions", "max_output_tokens", "metadata", "previous_response_id", "reasoning",
               "service_tier", "temperature", "text", "top_p", "truncation", "user")


def responses_usage(usage: dict | None) -> dict | None:
    if not usage:
        return None
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    details = usage.get("prompt_tokens_details") or {}
    cached = int(details.get("cached_tokens") or 0)
    writes = int(details.get("cache_creation_tokens") or 0)
    reasoning = int((usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    return {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": writes},
            "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": int(usage.get("total_tokens") or prompt + completion)}


def status_of(finish_reason) -> tuple[str, dict | None]:
    if finish_reason == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish_reason == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def custom_tool_names(request_body: dict) -> set[str]:
    """Names of the request's freeform ``custom`` tools (sent to chat upstreams as functions)."""
    return {t.get("name", "") for t in request_body.get("tools") or [] if t.get("type") == "custom"}


def custom_input(arguments: str) -> str:
    """Raw input of a custom tool call from the hub function-call arguments ``{"input": ...}``."""
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        return arguments or ""
    if isinstance(value, dict) and isinstance(value.get("input"), str):
        return value["input"]
    return arguments or ""


def custom_call_item(item_id: str, call_id: str, name: str, input_text: str, status: str = "completed") -> dict:
    return {"id": item_id, "type": "custom_tool_call", "status": status, "call_id": call_id, "name": name,
            "input": input_text}


def response_skeleton(request_body: dict, model: str, response_id: str, now: int) -> dict:
    """The Response object fields that echo the request (status in_progress, empty output)."""
    resp = {
        "id": response_id, "object": "response", "created_at": now, "status": "in_progress",
        "error": None, "incomplete_details": None, "model": model, "output": [],
        "parallel_tool_calls": request_body.get("parallel_tool_calls", True),
        "tool_choice": request_body.get("tool_choice") or "auto",
        "tools": list(request_body.get("tools") or []), "usage": None,
    }
    for key in ECHO_FIELDS:
        resp[key] = request_body.get(key)
    resp["store"] = False
    return resp


def message_text(content) -> str:
    if isinstance(content, list):
        out = []
        for part in content:
            if part.get("type") == "text":
                out.append(part.get("text", ""))
            elif part.get("type") == "image_url":
                out.append(f"![image]({(part.get('image_url') or {}).get('url', '')})")
        return "".join(out)
    return content or ""


def reasoning_of(message: dict) -> str:
    for key in ("reasoning_content", "reasoning", "thinking"):
        if isinstance(message.get(key), str) and message[key]:
            return message[key]
    return ""


def reasoning_item(item_id: str, text: str, status: str = "completed") -> dict:
    return {"id": item_id, "type": "reasoning", "status": status,
            "summary": [{"type": "summary_text", "text": text}] if text else []}


def message_item(item_id: str, text: str, status: str = "completed") -> dict:
    return {"id": item_id, "type": "message", "role": "assistant", "status": status,
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}


def function_call_item(item_id: str, call_id: str, name: str, arguments: str,
                       status: str = "completed") -> dict:
    return {"id": item_id, "type": "function_call", "status": status, "call_id": call_id,
            "name": name, "arguments": arguments}


