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

from . import ConversionError, sse_event, text_of

WEB_SEARCH_PREFIXES = ("web_search", "tool_search_tool_regex", "tool_search_tool_bm25")

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
        elif kind == "tool_result":
            flush()
            text, images = _tool_result_content(block.get("content"))
            if block.get("is_error") and text:
                text = "Error: " + text
            tool_msg = {"role": "tool", "tool_call_id": block.get("tool_use_id") or block.get("id", ""),
                        "content": text}
            out.append(tool_msg)
            tool_images.extend(images)
        else:
            parts.append({"type": "text", "text": json.dumps(block, ensure_ascii=False)})
    if tool_images:
        flush()
        out.append({"role": "user", "content": tool_images})
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


# ---------------------------------------------------------------------------
# response: hub -> Claude
# ---------------------------------------------------------------------------

def _parse_arguments(arguments) -> dict:
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _reasoning_of(message: dict) -> str:
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


def _stop_reason(finish_reason, has_tools: bool) -> str:
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
    reasoning = _reasoning_of(message)
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
        "stop_reason": _stop_reason(choice.get("finish_reason"), bool(tool_calls)),
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


# ---------------------------------------------------------------------------
# stream: hub chunks -> Anthropic SSE
# ---------------------------------------------------------------------------

class ClaudeStreamEncoder:
    """Turns hub ``chat.completion.chunk`` dicts into Anthropic Messages SSE bytes.

    Content blocks are sequential: a block is closed before the next one opens,
    indices count up from 0.  OpenAI-format upstreams stream parallel tool calls
    one after another, so a new tool index closes the previous tool's block; an
    argument fragment for a tool whose block is already closed cannot be placed
    in the Anthropic stream and is dropped (counted in ``dropped_fragments``).
    """

    def __init__(self, model: str, new_id, prompt_tokens_estimate: int = 0):
        self.model = model
        self.new_id = new_id
        self.prompt_estimate = prompt_tokens_estimate
        self.started = False
        self.finished = False
        self.index = -1
        self.open: tuple | None = None  # ("thinking",) | ("text",) | ("tool", key)
        self.tools: dict = {}  # upstream tool index -> {"id", "name", "closed"}
        self.stop_reason: str | None = None
        self.usage: dict | None = None
        self.chars = 0
        self.saw_tool = False
        self.dropped_fragments = 0

    def _ev(self, data: dict) -> bytes:
        return sse_event(data["type"], data)

    def _start(self) -> list[bytes]:
        self.started = True
        usage = claude_usage(self.usage) if self.usage else {
            "input_tokens": self.prompt_estimate, "output_tokens": 0,
            "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
        usage["output_tokens"] = 0
        message = {"id": f"msg_{self.new_id()}", "type": "message", "role": "assistant",
                   "model": self.model, "content": [], "stop_reason": None,
                   "stop_sequence": None, "usage": usage}
        return [self._ev({"type": "message_start", "message": message}), self._ev({"type": "ping"})]

    def _close(self) -> list[bytes]:
        if self.open is None:
            return []
        if self.open[0] == "tool":
            self.tools[self.open[1]]["closed"] = True
        self.open = None
        return [self._ev({"type": "content_block_stop", "index": self.index})]

    def _open(self, key: tuple, block: dict) -> list[bytes]:
        out = self._close()
        self.index += 1
        self.open = key
        out.append(self._ev({"type": "content_block_start", "index": self.index, "content_block": block}))
        return out

    def _delta(self, delta: dict) -> bytes:
        return self._ev({"type": "content_block_delta", "index": self.index, "delta": delta})

    def _feed_tool(self, call: dict) -> list[bytes]:
        out: list[bytes] = []
        key = call.get("index", 0)
        fn = call.get("function") or {}
        state = self.tools.get(key)
        if state is None:
            state = self.tools[key] = {"id": call.get("id") or f"toolu_{self.new_id()}",
                                       "name": fn.get("name") or "", "closed": False}
            self.saw_tool = True
            out += self._open(("tool", key), {"type": "tool_use", "id": state["id"],
                                              "name": state["name"], "input": {}})
        args = fn.get("arguments")
        if args and self.open == ("tool", key):
            self.chars += len(args)
            out.append(self._delta({"type": "input_json_delta", "partial_json": args}))
        elif args:
            self.dropped_fragments += 1
        return out

    def feed(self, chunk: dict) -> list[bytes]:
        out: list[bytes] = [] if self.started else self._start()
        if chunk.get("error"):
            return out + [self.error_event(500, chunk["error"])]
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            reasoning = _reasoning_of(delta)
            if reasoning:
                if self.open != ("thinking",):
                    out += self._open(("thinking",), {"type": "thinking", "thinking": "", "signature": ""})
                self.chars += len(reasoning)
                out.append(self._delta({"type": "thinking_delta", "thinking": reasoning}))
            if delta.get("thinking_signature"):
                if self.open != ("thinking",):
                    out += self._open(("thinking",), {"type": "thinking", "thinking": "", "signature": ""})
                out.append(self._delta({"type": "signature_delta", "signature": delta["thinking_signature"]}))
            text = delta.get("content")
            if isinstance(text, str) and text:
                if self.open != ("text",):
                    out += self._open(("text",), {"type": "text", "text": ""})
                self.chars += len(text)
                out.append(self._delta({"type": "text_delta", "text": text}))
            for call in delta.get("tool_calls") or []:
                out += self._feed_tool(call)
            if choice.get("finish_reason"):
                self.stop_reason = choice["finish_reason"]
        return out

    def error_event(self, status: int, error: dict) -> bytes:
        return sse_event("error", chat_error_to_claude_error(status, error))

    def finish(self, usage: dict | None = None) -> list[bytes]:
        """Close open blocks and emit message_delta + message_stop."""
        if self.finished:
            return []
        self.finished = True
        out: list[bytes] = [] if self.started else self._start()
        out += self._close()
        usage = usage or self.usage
        if usage:
            final = claude_usage(usage)
        else:
            final = {"input_tokens": self.prompt_estimate, "output_tokens": (self.chars + 3) // 4,
                     "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
        out.append(self._ev({"type": "message_delta",
                             "delta": {"stop_reason": _stop_reason(self.stop_reason, self.saw_tool),
                                       "stop_sequence": None},
                             "usage": final}))
        out.append(self._ev({"type": "message_stop"}))
        return out


__all__ = ["claude_to_chat_request", "claude_request_text_for_counting", "chat_to_claude_response",
           "chat_error_to_claude_error", "claude_usage", "ClaudeStreamEncoder"]
