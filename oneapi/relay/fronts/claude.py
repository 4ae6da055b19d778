"""Anthropic Messages front codec: ``/v1/messages`` <-> hub (OpenAI chat dicts).

Public API:
    claude_to_chat_request(body) -> hub chat request
    claude_request_text_for_counting(body) -> hub messages (for prompt estimates)
    chat_to_claude_response(resp, model, new_id) -> Anthropic message
    chat_error_to_claude_error(status, error) -> Anthropic error body
    ClaudeStreamEncoder(model, new_id, prompt_tokens_estimate).feed(chunk) / .finish(usage)
"""
from __future__ import annotations

import json

from . import ConversionError, text_of
from .claude_response import chat_error_to_claude_error, chat_to_claude_response, claude_usage
from .claude_stream import ClaudeStreamEncoder

WEB_SEARCH_PREFIXES = ("web_search", "tool_search_tool_regex", "tool_search_tool_bm25")

# ---------------------------------------------------------------------------
# request: Claude -> hub
# ---------------------------------------------------------------------------

def _system_text(system) -> str:
    if system is None:
        return ""
    if isinstance(system, str):
        return system
    return "\n".join(b.get("text", "") for b in system if isinstance(b, dict) and b.get("type") == "text")


def _image_part(block: dict) -> dict | None:
    source = block.get("source") or {}
    kind = source.get("type")
    if kind == "base64":
        url = f"data:{source.get('media_type', 'image/png')};base64,{source.get('data', '')}"
    elif kind == "url":
        url = source.get("url", "")
    else:
        return None
    return {"type": "image_url", "image_url": {"url": url}}


def _document_part(block: dict) -> dict | None:
    source = block.get("source") or {}
    kind = source.get("type")
    if kind == "text":
        return {"type": "text", "text": source.get("data", "")}
    if kind == "base64":
        file = {"file_data": f"data:{source.get('media_type', 'application/pdf')};base64,{source.get('data', '')}"}
        if block.get("title"):
            file["filename"] = block["title"]
        return {"type": "file", "file": file}
    if kind == "file" and source.get("file_id"):
        return {"type": "file", "file": {"file_id": source["file_id"]}}
    if kind == "url":
        return {"type": "text", "text": source.get("url", "")}
    return None


def _tool_result_content(content) -> tuple[str, list[dict]]:
    """Text of a tool_result plus any image parts it carried."""
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    texts, images = [], []
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text":
            texts.append(block.get("text", ""))
        elif block.get("type") == "image":
            part = _image_part(block)
            if part:
                images.append(part)
        else:
            texts.append(json.dumps(block, ensure_ascii=False))
    return "\n".join(texts), images


def _finish_content(parts: list[dict]):
    if len(parts) == 1 and parts[0]["type"] == "text":
        return parts[0]["text"]
    return parts


def _convert_message(msg: dict) -> list[dict]:
    role = msg.get("role")
    content = msg.get("content")
    if isinstance(content, str):
        return [{"role": role, "content": content}] if content or role == "assistant" else []
    out: list[dict] = []
    parts: list[dict] = []
    tool_calls: list[dict] = []
    reasoning: list[str] = []
    signature = ""
    tool_images: list[dict] = []

    def flush():
        nonlocal parts, tool_calls, reasoning, signature
        if not (parts or tool_calls or reasoning):
            return
        m: dict = {"role": role, "content": _finish_content(parts) if parts else ""}
        if tool_calls:
            m["tool_calls"] = tool_calls
        if reasoning:
            m["reasoning_content"] = "".join(reasoning)
            if signature:
                m["thinking_signature"] = signature
        out.append(m)
        parts, tool_calls, reasoning, signature = [], [], [], ""

    for block in content or []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            if block.get("text"):
                parts.append({"type": "text", "text": block["text"]})
        elif kind == "image":
            part = _image_part(block)
            if part:
                parts.append(part)
        elif kind == "document":
            part = _document_part(block)
            if part:
                parts.append(part)
        elif kind in ("tool_use", "server_tool_use"):
            tool_calls.append({
                "id": block.get("id", ""),
                "type": "function",
                "function": {"name": block.get("name", ""),
                             "arguments": json.dumps(block.get("input") or {}, ensure_ascii=False)},
            })
        elif kind == "thinking":
            if block.get("thinking"):
                reasoning.append(block["thinking"])
                signature = block.get("signature") or signature
        elif kind == "redacted_thinking":
            continue
        elif kind == "tool_result":  # chat needs tool messages right after the assistant turn
            text, images = _tool_result_content(block.get("content"))
            if block.get("is_error") and text:
                text = "Error: " + text
            tool_msg = {"role": "tool", "tool_call_id": block.get("tool_use_id") or block.get("id", ""),
                        "content": text}
            out.append(tool_msg)
            tool_images.extend(images)
        else:
            parts.append({"type": "text", "text": json.dumps(block, ensure_ascii=False)})
    parts = tool_images + parts  # images returned by tools go with the user's next content
    flush()
    return out


def _convert_tools(tools: list[dict]) -> tuple[list[dict], bool]:
    converted, web_search = [], False
    for tool in tools or []:
        kind = tool.get("type") or "custom"
        if "input_schema" not in tool and kind != "custom":
            if kind.startswith(WEB_SEARCH_PREFIXES):
                web_search = True
            continue  # other Anthropic server tools (bash, editor, computer) have no chat equivalent
        schema = tool.get("input_schema") or {"type": "object", "properties": {}}
        fn = {"name": tool.get("name", ""), "parameters": schema}
        if tool.get("description"):
            fn["description"] = tool["description"]
        converted.append({"type": "function", "function": fn})
    return converted, web_search


def _convert_tool_choice(choice) -> tuple[object, bool | None]:
    """Returns (hub tool_choice, parallel_tool_calls or None)."""
    if isinstance(choice, str):
        return {"any": "required"}.get(choice, choice), None
    if not isinstance(choice, dict):
        return None, None
    kind = choice.get("type")
    parallel = False if choice.get("disable_parallel_tool_use") else None
    if kind in ("tool", "function"):
        return {"type": "function", "function": {"name": choice.get("name", "")}}, parallel
    return {"any": "required", "auto": "auto", "none": "none"}.get(kind, "auto"), parallel


def _validate(body) -> None:
    if not isinstance(body, dict):
        raise ConversionError("request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise ConversionError("messages: field required (a list of messages)", "messages")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or msg.get("role") not in ("user", "assistant", "system"):
            raise ConversionError(f"messages.{i}.role: must be one of user, assistant", f"messages.{i}.role")
        content = msg.get("content")
        if not isinstance(content, (str, list)) or (isinstance(content, list)
                                                     and not all(isinstance(b, dict) for b in content)):
            raise ConversionError(f"messages.{i}.content: must be a string or a list of content blocks",
                                  f"messages.{i}.content")
    for key in ("tools", "stop_sequences"):
        if body.get(key) is not None and not isinstance(body[key], list):
            raise ConversionError(f"{key}: must be a list", key)
    if body.get("tools") and not all(isinstance(t, dict) for t in body["tools"]):
        raise ConversionError("tools: every tool must be an object", "tools")


def claude_to_chat_request(body: dict) -> dict:
    """Convert an Anthropic Messages request body to a hub chat request."""
    _validate(body)
    req: dict = {"model": body.get("model", "")}
    system_parts = [_system_text(body.get("system"))]
    messages: list[dict] = []
    for msg in body["messages"]:
        if msg.get("role") == "system":  # Claude Code >= 2.1.154 inline system turns
            system_parts.append(text_of(msg.get("content")) if not isinstance(msg.get("content"), list)
                                else _system_text(msg.get("content")))
            continue
        messages.extend(_convert_message(msg))
    system = "\n\n".join(p for p in system_parts if p)
    if system:
        messages.insert(0, {"role": "system", "content": system})
    req["messages"] = messages
    if body.get("max_tokens") is not None:
        req["max_tokens"] = body["max_tokens"]
    for key in ("temperature", "top_p"):
        if body.get(key) is not None:
            req[key] = body[key]
    if body.get("stop_sequences"):
        req["stop"] = list(body["stop_sequences"])
    user = (body.get("metadata") or {}).get("user_id")
    if user:
        req["user"] = user
    if body.get("stream"):
        req["stream"] = True
        req["stream_options"] = {"include_usage": True}
    tools, web_search = _convert_tools(body.get("tools"))
    if tools:
        req["tools"] = tools
        choice, parallel = _convert_tool_choice(body.get("tool_choice"))
        if choice is not None:
            req["tool_choice"] = choice
        if parallel is not None:
            req["parallel_tool_calls"] = parallel
    if web_search:
        req["web_search_options"] = {}
    thinking = body.get("thinking")
    if isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive", "disabled"):
        # kept as the reasoning hint: native converters (Anthropic, Gemini) read it and
        # rewrite_openai_request / chat_to_responses_request turn it into reasoning_effort
        req["thinking"] = {k: v for k, v in thinking.items() if k in ("type", "budget_tokens")}
    return req


def claude_request_text_for_counting(body: dict) -> list[dict]:
    """Hub messages of a Claude request, for prompt token estimation."""
    return claude_to_chat_request(body)["messages"]


__all__ = ["claude_to_chat_request", "claude_request_text_for_counting", "chat_to_claude_response",
           "chat_error_to_claude_error", "claude_usage", "ClaudeStreamEncoder"]
