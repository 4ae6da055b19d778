"""Hub (OpenAI chat dicts) <-> native Anthropic Messages API, non-stream parts.

Public API:
    chat_to_anthropic_request(req, default_max_tokens) -> Anthropic request body
    anthropic_to_chat_response(body, now) -> hub chat completion
    anthropic_usage_to_chat(usage) -> hub usage
    anthropic_error_to_openai(status, body) -> OpenAI error fields
Pure functions: no Flask, no network, no clock.
"""
from __future__ import annotations

import json

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

# reasoning_effort -> thinking budget when the hub request carries no ``thinking`` object
EFFORT_BUDGETS = {"minimal": 1024, "low": 1024, "medium": 4096, "high": 16384, "xhigh": 32768, "max": 32768}
MIN_THINKING_BUDGET = 1024
NO_THINKING_MODELS = ("claude-2", "claude-instant", "claude-3-5", "claude-3-opus", "claude-3-sonnet",
                      "claude-3-haiku")
ADAPTIVE_THINKING_MODELS = ("claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "claude-sonnet-5",
                            "claude-fable-5", "claude-mythos-5")


def supports_thinking(model: str) -> bool:
    name = (model or "").lower()
    return not any(p in name for p in NO_THINKING_MODELS)


def _text_of(content) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")


def _image_block(url: str) -> dict:
    if url.startswith("data:") and ";base64," in url:
        head, data = url[5:].split(";base64,", 1)
        return {"type": "image", "source": {"type": "base64", "media_type": head or "image/png", "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _file_block(file: dict) -> dict | None:
    data = file.get("file_data") or ""
    if data.startswith("data:") and ";base64," in data:
        head, b64 = data[5:].split(";base64,", 1)
        block = {"type": "document", "source": {"type": "base64", "media_type": head or "application/pdf",
                                                 "data": b64}}
        if file.get("filename"):
            block["title"] = file["filename"]
        return block
    if file.get("file_id"):
        return {"type": "document", "source": {"type": "file", "file_id": file["file_id"]}}
    return None


def _content_blocks(content) -> list[dict]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict] = []
    for part in content or []:
        kind = part.get("type")
        if kind == "text" and part.get("text"):
            blocks.append({"type": "text", "text": part["text"]})
        elif kind == "image_url":
            url = (part.get("image_url") or {}).get("url") if isinstance(part.get("image_url"), dict) \
                else part.get("image_url")
            if url:
                blocks.append(_image_block(url))
        elif kind == "file":
            block = _file_block(part.get("file") or {})
            if block:
                blocks.append(block)
    return blocks


def _parse_arguments(arguments) -> dict:
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _convert_messages(messages: list[dict]) -> tuple[str, list[dict]]:
    system: list[str] = []
    out: list[dict] = []

    def push(role: str, blocks: list[dict]):
        if not blocks:
            return
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})

    for msg in messages:
        role = msg.get("role")
        if role in ("system", "developer"):
            text = _text_of(msg.get("content"))
            if text:
                system.append(text)
        elif role in ("tool", "function"):
            text = _text_of(msg.get("content"))
            block = {"type": "tool_result", "tool_use_id": msg.get("tool_call_id") or msg.get("name") or ""}
            if text:
                block["content"] = text
            push("user", [block])
        elif role == "assistant":
            blocks = []
            reasoning = msg.get("reasoning_content") or msg.get("reasoning") or msg.get("thinking")
            if isinstance(reasoning, str) and reasoning and msg.get("thinking_signature"):
                blocks.append({"type": "thinking", "thinking": reasoning, "signature": msg["thinking_signature"]})
            blocks += _content_blocks(msg.get("content"))
            for call in msg.get("tool_calls") or []:
                fn = call.get("function") or {}
                blocks.append({"type": "tool_use", "id": call.get("id", ""), "name": fn.get("name", ""),
                               "input": _parse_arguments(fn.get("arguments"))})
            push("assistant", blocks)
        else:
            push("user", _content_blocks(msg.get("content")))
    return "\n\n".join(system), out


def _convert_tools(tools) -> list[dict]:
    out = []
    for tool in tools or []:
        fn = tool.get("function")
        if tool.get("type") != "function" or not isinstance(fn, dict):
            continue
        schema = dict(fn.get("parameters") or {})
        schema.setdefault("type", "object")
        if schema["type"] == "object":
            schema.setdefault("properties", {})
        item = {"name": fn.get("name", ""), "input_schema": schema}
        if fn.get("description"):
            item["description"] = fn["description"]
        out.append(item)
    return out


def _convert_tool_choice(choice, parallel) -> dict:
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        result = {"type": "tool", "name": name} if name else {"type": "auto"}
    else:
        result = {"type": {"required": "any", "any": "any", "none": "none"}.get(choice, "auto")}
    if parallel is False and result["type"] != "none":
        result["disable_parallel_tool_use"] = True
    return result


def _thinking(req: dict, model: str) -> dict | None:
    thinking = req.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") == "disabled":
        return None
    if not supports_thinking(model):
        return None
    if model.lower().startswith(ADAPTIVE_THINKING_MODELS) and (thinking or req.get("reasoning_effort")):
        return {"type": "adaptive"}
    if isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive"):
        if thinking["type"] == "adaptive":
            return {"type": "adaptive"}
        budget = thinking.get("budget_tokens") or EFFORT_BUDGETS.get(req.get("reasoning_effort"), MIN_THINKING_BUDGET)
        return {"type": "enabled", "budget_tokens": max(int(budget), MIN_THINKING_BUDGET)}
    effort = req.get("reasoning_effort")
    if effort in EFFORT_BUDGETS:
        return {"type": "enabled", "budget_tokens": EFFORT_BUDGETS[effort]}
    return None


def _last_tool_turn_unsigned(messages: list[dict]) -> bool:
    """Anthropic requires a signed thinking block on the tool-use turn being answered."""
    for msg in reversed(messages):
        if msg["role"] == "assistant":
            has_tool = any(b["type"] == "tool_use" for b in msg["content"])
            return has_tool and msg["content"][0]["type"] != "thinking"
    return False


def chat_to_anthropic_request(req: dict, default_max_tokens: int) -> dict:
    """Convert a hub chat request to an Anthropic Messages request body.

    Reasoning carried by assistant history is replayed only when it has a
    ``thinking_signature``; when thinking is requested but the tool-use turn
    being answered has no signed thinking, thinking is switched off (Anthropic
    would reject the request otherwise).
    """
    model = req.get("model", "")
    system, messages = _convert_messages(req.get("messages") or [])
    max_tokens = req.get("max_tokens") or req.get("max_completion_tokens") or default_max_tokens
    out: dict = {"model": model, "messages": messages, "max_tokens": int(max_tokens)}
    if system:
        out["system"] = system
    for key in ("temperature", "top_p", "top_k"):
        if req.get(key) is not None:
            out[key] = req[key]
    if req.get("stream"):
        out["stream"] = True
    stop = req.get("stop")
    if stop:
        out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if req.get("user"):
        out["metadata"] = {"user_id": req["user"]}
    tools = _convert_tools(req.get("tools"))
    if tools:
        out["tools"] = tools
        out["tool_choice"] = _convert_tool_choice(req.get("tool_choice"), req.get("parallel_tool_calls"))
    thinking = _thinking(req, model)
    if thinking and _last_tool_turn_unsigned(messages):
        thinking = None
    if thinking:
        out["thinking"] = thinking
        if thinking.get("budget_tokens", 0) >= out["max_tokens"]:
            out["max_tokens"] = thinking["budget_tokens"] + int(default_max_tokens)
        for key in ("temperature", "top_p", "top_k"):
            out.pop(key, None)
    elif "temperature" in out:
        out.pop("top_p", None)
    return out


def anthropic_usage_to_chat(usage: dict | None) -> dict:
    """Anthropic usage -> hub usage (prompt_tokens includes cache reads and writes)."""
    usage = usage or {}
    input_tokens = int(usage.get("input_tokens") or 0)
    output = int(usage.get("output_tokens") or 0)
    cached = int(usage.get("cache_read_input_tokens") or 0)
    detail = usage.get("cache_creation") or {}
    creation_5m = int(detail.get("ephemeral_5m_input_tokens") or 0)
    creation_1h = int(detail.get("ephemeral_1h_input_tokens") or 0)
    creation = max(int(usage.get("cache_creation_input_tokens") or 0), creation_5m + creation_1h)
    prompt = input_tokens + cached + creation
    hub = {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output,
           "prompt_tokens_details": {"cached_tokens": cached, "cache_creation_tokens": creation}}
    if creation_1h:
        hub["prompt_tokens_details"]["cache_creation_1h_tokens"] = creation_1h
    return hub


def finish_reason(stop_reason):
    if stop_reason is None:
        return None
    return FINISH_REASONS.get(stop_reason, stop_reason)


def anthropic_to_chat_response(body: dict, now: int) -> dict:
    """Convert an Anthropic Messages response to a hub chat completion."""
    texts, reasoning, signature, tool_calls = [], [], "", []
    for block in body.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            texts.append(block.get("text", ""))
        elif kind == "thinking":
            reasoning.append(block.get("thinking", ""))
            signature = block.get("signature") or signature
        elif kind == "tool_use":
            tool_calls.append({"id": block.get("id", ""), "type": "function",
                               "function": {"name": block.get("name", ""),
                                            "arguments": json.dumps(block.get("input") or {}, ensure_ascii=False)}})
    text = "".join(texts)
    message: dict = {"role": "assistant", "content": text if (text or not tool_calls) else None}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
        if signature:
            message["thinking_signature"] = signature
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": body.get("id", ""),
        "object": "chat.completion",
        "created": now,
        "model": body.get("model", ""),
        "choices": [{"index": 0, "message": message,
                     "finish_reason": finish_reason(body.get("stop_reason")) or "stop"}],
        "usage": anthropic_usage_to_chat(body.get("usage")),
    }


def anthropic_error_to_openai(status: int, body) -> dict:
    """Anthropic error body -> OpenAI error fields ``{message, type, param, code}``."""
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        kind = err.get("type") or "api_error"
        return {"message": str(err.get("message") or kind), "type": kind, "param": None, "code": kind}
    message = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return {"message": (message or f"upstream returned status {status}")[:1000], "type": "upstream_error",
            "param": None, "code": status}
