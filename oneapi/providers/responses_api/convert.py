"""Hub (OpenAI chat dicts) <-> upstream OpenAI Responses API (channel config ``api_format: response``).

Public API:
    chat_to_responses_request(req) -> Responses request body
    responses_to_chat_response(body, now) -> hub chat completion
    responses_usage_to_chat(usage) -> hub usage
Pure functions: no Flask, no network, no clock.
"""
from __future__ import annotations

COPY_FIELDS = ("temperature", "top_p", "user", "store", "metadata", "service_tier", "parallel_tool_calls",
               "top_logprobs", "prompt_cache_key", "safety_identifier")


def _parts(content, role: str):
    if isinstance(content, str):
        return content
    text_type = "output_text" if role == "assistant" else "input_text"
    parts = []
    for part in content or []:
        kind = part.get("type")
        if kind == "text":
            parts.append({"type": text_type, "text": part.get("text", "")})
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            item = {"type": "input_image", "image_url": url, "detail": "auto"}
            if isinstance(image, dict) and image.get("detail"):
                item["detail"] = image["detail"]
            parts.append(item)
        elif kind == "file":
            file = part.get("file") or {}
            parts.append({"type": "input_file", **{k: file[k] for k in ("file_id", "file_data", "filename")
                                                   if file.get(k)}})
        elif kind == "input_audio":
            parts.append({"type": "input_audio", "input_audio": part.get("input_audio") or {}})
    return parts


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text")


def _input(messages: list[dict]) -> tuple[str | None, list[dict]]:
    instructions = None
    items: list[dict] = []
    for i, msg in enumerate(messages):
        role = msg.get("role")
        content = msg.get("content")
        if i == 0 and role == "system" and isinstance(content, str):
            instructions = content
            continue
        if role in ("tool", "function"):
            items.append({"type": "function_call_output", "call_id": msg.get("tool_call_id") or "",
                          "output": _text_of(content)})
            continue
        if role not in ("system", "developer", "user", "assistant"):
            role = "user"
        if content:
            if role == "assistant" and isinstance(content, str):
                content = [{"type": "text", "text": content}]
            items.append({"type": "message", "role": role, "content": _parts(content, role)})
        for call in msg.get("tool_calls") or []:
            fn = call.get("function") or {}
            items.append({"type": "function_call", "call_id": call.get("id") or "", "name": fn.get("name", ""),
                          "arguments": fn.get("arguments") or ""})
    return instructions, items


def _tools(req: dict) -> list[dict]:
    out = []
    for tool in req.get("tools") or []:
        if tool.get("type") == "function" and isinstance(tool.get("function"), dict):
            fn = tool["function"]
            item = {"type": "function", "name": fn.get("name", ""),
                    "parameters": fn.get("parameters") or {"type": "object", "properties": {}}}
            if fn.get("description"):
                item["description"] = fn["description"]
            if fn.get("strict") is not None:
                item["strict"] = fn["strict"]
            out.append(item)
        elif tool.get("type") in ("web_search", "web_search_preview", "mcp"):
            out.append(dict(tool))
    if req.get("web_search_options") is not None and not any(t["type"].startswith("web_search") for t in out):
        search = {"type": "web_search"}
        options = req["web_search_options"] or {}
        for key in ("search_context_size", "user_location"):
            if options.get(key):
                search[key] = options[key]
        out.append(search)
    return out


def _effort_from_thinking(thinking) -> str | None:
    """An Anthropic-style ``thinking`` hint (e.g. from the Claude front) as a reasoning effort."""
    if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "adaptive"):
        return None
    budget = thinking.get("budget_tokens")
    if not isinstance(budget, int):
        return "medium"
    return "low" if budget <= 4096 else "medium" if budget <= 16384 else "high"


def chat_to_responses_request(req: dict) -> dict:
    """Convert a hub chat request to a Responses API request body."""
    instructions, items = _input(req.get("messages") or [])
    out: dict = {"model": req.get("model", ""), "input": items, "stream": bool(req.get("stream"))}
    if instructions:
        out["instructions"] = instructions
    for key in COPY_FIELDS:
        if req.get(key) is not None:
            out[key] = req[key]
    max_tokens = req.get("max_completion_tokens") or req.get("max_tokens")
    if max_tokens:
        out["max_output_tokens"] = max_tokens
    tools = _tools(req)
    if tools:
        out["tools"] = tools
        choice = req.get("tool_choice")
        if isinstance(choice, dict):
            name = (choice.get("function") or {}).get("name") or choice.get("name")
            out["tool_choice"] = {"type": "function", "name": name} if name else "auto"
        elif isinstance(choice, str) and choice.strip():
            out["tool_choice"] = choice
    effort = req.get("reasoning_effort") or _effort_from_thinking(req.get("thinking"))
    if effort:
        model = str(req.get("model", "")).lower()
        out["reasoning"] = {"effort": effort, "summary": "detailed" if model.startswith("o4") else "auto"}
    text: dict = {}
    fmt = req.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        schema = fmt.get("json_schema") or {}
        text["format"] = {"type": "json_schema", "name": schema.get("name") or "response",
                          "schema": schema.get("schema") or {}}
        for key in ("description", "strict"):
            if schema.get(key) is not None:
                text["format"][key] = schema[key]
    elif fmt.get("type") in ("json_object", "text"):
        text["format"] = {"type": fmt["type"]}
    if req.get("verbosity"):
        text["verbosity"] = req["verbosity"]
    if text:
        out["text"] = text
    return out


def responses_usage_to_chat(usage: dict | None) -> dict | None:
    if not usage:
        return None
    prompt = int(usage.get("input_tokens") or 0)
    completion = int(usage.get("output_tokens") or 0)
    hub = {"prompt_tokens": prompt, "completion_tokens": completion,
           "total_tokens": int(usage.get("total_tokens") or prompt + completion),
           "prompt_tokens_details": {"cached_tokens": int((usage.get("input_tokens_details") or {})
                                                          .get("cached_tokens") or 0)},
           "completion_tokens_details": {"reasoning_tokens": int((usage.get("output_tokens_details") or {})
                                                                 .get("reasoning_tokens") or 0)}}
    writes = int(usage.get("cache_write_tokens") or 0) + int(usage.get("cache_write_5m_tokens") or 0)
    writes_1h = int(usage.get("cache_write_1h_tokens") or 0)
    if writes or writes_1h:
        hub["prompt_tokens_details"]["cache_creation_tokens"] = writes + writes_1h
        hub["prompt_tokens_details"]["cache_creation_1h_tokens"] = writes_1h
    return hub


def finish_reason(body: dict, has_tools: bool) -> str:
    status = body.get("status")
    if status == "incomplete":
        reason = (body.get("incomplete_details") or {}).get("reason")
        return "content_filter" if reason == "content_filter" else "length"
    return "tool_calls" if has_tools else "stop"


def responses_to_chat_response(body: dict, now: int) -> dict:
    """Convert a Responses API ``response`` object to a hub chat completion."""
    texts, reasoning, refusals, calls = [], [], [], []
    for item in body.get("output") or []:
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or []:
                if part.get("type") in ("output_text", "text"):
                    texts.append(part.get("text", ""))
                elif part.get("type") == "refusal":
                    refusals.append(part.get("refusal", ""))
        elif kind == "reasoning":
            summary = [s.get("text", "") for s in item.get("summary") or []]
            if not summary:
                summary = [c.get("text", "") for c in item.get("content") or []]
            reasoning.extend(s for s in summary if s)
        elif kind == "function_call":
            calls.append({"id": item.get("call_id") or item.get("id", ""), "type": "function",
                          "function": {"name": item.get("name", ""), "arguments": item.get("arguments") or ""}})
    text = "".join(texts)
    message: dict = {"role": "assistant", "content": text if (text or not calls) else None}
    if reasoning:
        message["reasoning_content"] = "\n\n".join(reasoning)
    if refusals:
        message["refusal"] = "".join(refusals)
    if calls:
        message["tool_calls"] = calls
    resp = {"id": body.get("id", ""), "object": "chat.completion", "created": int(body.get("created_at") or now),
            "model": body.get("model", ""),
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(body, bool(calls))}]}
    usage = responses_usage_to_chat(body.get("usage"))
    if usage:
        resp["usage"] = usage
    return resp
