"""OpenAI Responses front codec: ``/v1/responses`` <-> hub (OpenAI chat dicts).

Used when the channel does not speak the Responses API natively ("fallback").
Public API:
    responses_to_chat_request(body) -> hub chat request (raises ConversionError)
    chat_to_responses_response(resp, request_body, now, new_id) -> Response object
    ResponsesStreamEncoder(request_body, model, now, new_id).feed(chunk) / .finish(usage)
"""
from __future__ import annotations

from . import ConversionError, sse_event, text_of

WEB_SEARCH_TOOLS = ("web_search", "web_search_preview", "web_search_2025_08_26",
                    "web_search_preview_2025_03_11")

ECHO_FIELDS = ("instructions", "max_output_tokens", "metadata", "previous_response_id", "reasoning",
               "service_tier", "temperature", "text", "top_p", "truncation", "user")


# ---------------------------------------------------------------------------
# request: Responses -> hub
# ---------------------------------------------------------------------------

def _content_parts(content) -> list[dict]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    parts: list[dict] = []
    for part in content or []:
        kind = part.get("type")
        if kind in ("input_text", "output_text", "text", "summary_text", "reasoning_text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "refusal":
            parts.append({"type": "text", "text": part.get("refusal", "")})
        elif kind == "input_image":
            url = part.get("image_url") or part.get("file_id")
            if url:
                image = {"url": url}
                if part.get("detail"):
                    image["detail"] = part["detail"]
                parts.append({"type": "image_url", "image_url": image})
        elif kind == "input_file":
            file = {k: part[k] for k in ("file_id", "file_data", "filename") if part.get(k)}
            if part.get("file_url") and not file:
                parts.append({"type": "text", "text": part["file_url"]})
            elif file:
                parts.append({"type": "file", "file": file})
        elif kind == "input_audio":
            parts.append({"type": "input_audio", "input_audio": part.get("input_audio") or {}})
    return parts


def _collapse(parts: list[dict]):
    if all(p["type"] == "text" for p in parts):
        return "\n".join(p["text"] for p in parts)
    return parts


def _tool_output_text(output) -> str:
    if isinstance(output, str):
        return output
    return text_of(_content_parts(output))


def _convert_input(items) -> list[dict]:
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    messages: list[dict] = []
    pending_calls: set[str] = set()
    reasoning: list[str] = []
    open_assistant: dict | None = None  # assistant message that may still absorb function calls

    def take_reasoning(msg: dict):
        if reasoning:
            msg["reasoning_content"] = "\n\n".join(reasoning)
            reasoning.clear()

    for item in items or []:
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            role = item.get("role") or "user"
            role = {"developer": "system"}.get(role, role)
            if role not in ("system", "user", "assistant"):
                role = "user"
            msg = {"role": role, "content": _collapse(_content_parts(item.get("content")))}
            if role == "assistant":
                take_reasoning(msg)
                open_assistant = msg
            else:
                open_assistant = None
            messages.append(msg)
        elif kind == "reasoning":
            texts = [s.get("text", "") for s in item.get("summary") or []]
            texts += [c.get("text", "") for c in item.get("content") or []]
            reasoning.extend(t for t in texts if t)
        elif kind == "function_call":
            call_id = item.get("call_id") or item.get("id") or ""
            call = {"id": call_id, "type": "function",
                    "function": {"name": item.get("name", ""), "arguments": item.get("arguments") or ""}}
            if open_assistant is None:
                open_assistant = {"role": "assistant", "content": ""}
                take_reasoning(open_assistant)
                messages.append(open_assistant)
            open_assistant.setdefault("tool_calls", []).append(call)
            pending_calls.add(call_id)
        elif kind == "function_call_output":
            call_id = item.get("call_id") or ""
            text = _tool_output_text(item.get("output"))
            if call_id in pending_calls:
                messages.append({"role": "tool", "tool_call_id": call_id, "content": text})
            else:
                messages.append({"role": "user", "content": text})
            open_assistant = None
        # item_reference, computer/shell/custom tool items: no chat equivalent, dropped
    return messages


def _convert_tools(tools) -> tuple[list[dict], bool, set[str]]:
    out, web_search, names = [], False, set()
    for tool in tools or []:
        kind = tool.get("type")
        if kind == "function":
            fn = {"name": tool.get("name", ""),
                  "parameters": tool.get("parameters") or {"type": "object", "properties": {}}}
            if tool.get("description"):
                fn["description"] = tool["description"]
            if tool.get("strict") is not None:
                fn["strict"] = tool["strict"]
            out.append({"type": "function", "function": fn})
            names.add(fn["name"])
        elif kind in WEB_SEARCH_TOOLS:
            web_search = True
    return out, web_search, names


def _convert_tool_choice(choice, names: set[str]):
    if choice is None or isinstance(choice, str):
        return choice
    if choice.get("type") == "function":
        if choice.get("name") in names:
            return {"type": "function", "function": {"name": choice["name"]}}
        return "auto"
    if choice.get("type") == "allowed_tools":
        return "required" if choice.get("mode") == "required" else "auto"
    return "auto"


def responses_to_chat_request(body: dict) -> dict:
    """Convert a Responses API request to a hub chat request."""
    if body.get("previous_response_id"):
        raise ConversionError("previous_response_id is not supported: this gateway keeps no response state",
                              "previous_response_id")
    if body.get("conversation"):
        raise ConversionError("conversation is not supported: this gateway keeps no response state",
                              "conversation")
    if body.get("prompt"):
        raise ConversionError("prompt templates are not supported for this channel", "prompt")
    if body.get("background"):
        raise ConversionError("background mode is not supported for this channel", "background")
    messages = _convert_input(body.get("input"))
    if body.get("instructions"):
        instructions = body["instructions"]
        if not isinstance(instructions, str):
            instructions = text_of(_content_parts(instructions))
        messages.insert(0, {"role": "system", "content": instructions})
    req: dict = {"model": body.get("model", ""), "messages": messages}
    for key in ("temperature", "top_p", "user", "parallel_tool_calls", "service_tier", "top_logprobs"):
        if body.get(key) is not None:
            req[key] = body[key]
    if body.get("max_output_tokens"):
        req["max_completion_tokens"] = body["max_output_tokens"]
    if body.get("stream"):
        req["stream"] = True
        req["stream_options"] = {"include_usage": True}
    tools, web_search, names = _convert_tools(body.get("tools"))
    if tools:
        req["tools"] = tools
        choice = _convert_tool_choice(body.get("tool_choice"), names)
        if choice is not None:
            req["tool_choice"] = choice
    if web_search:
        req["web_search_options"] = {}
    effort = (body.get("reasoning") or {}).get("effort")
    if effort:
        req["reasoning_effort"] = effort
    text = body.get("text") or {}
    fmt = text.get("format") or {}
    if fmt.get("type") == "json_schema":
        schema = {"name": fmt.get("name") or "response", "schema": fmt.get("schema") or {}}
        if fmt.get("description"):
            schema["description"] = fmt["description"]
        if fmt.get("strict") is not None:
            schema["strict"] = fmt["strict"]
        req["response_format"] = {"type": "json_schema", "json_schema": schema}
    elif fmt.get("type") == "json_object":
        req["response_format"] = {"type": "json_object"}
    if text.get("verbosity"):
        req["verbosity"] = text["verbosity"]
    return req


# ---------------------------------------------------------------------------
# response: hub -> Responses
# ---------------------------------------------------------------------------

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


def _status(finish_reason) -> tuple[str, dict | None]:
    if finish_reason == "length":
        return "incomplete", {"reason": "max_output_tokens"}
    if finish_reason == "content_filter":
        return "incomplete", {"reason": "content_filter"}
    return "completed", None


def _echo_tools(request_body: dict) -> list[dict]:
    return [t for t in request_body.get("tools") or [] if t.get("type") == "function"]


def response_skeleton(request_body: dict, model: str, response_id: str, now: int) -> dict:
    """The Response object fields that echo the request (status in_progress, empty output)."""
    resp = {
        "id": response_id, "object": "response", "created_at": now, "status": "in_progress",
        "error": None, "incomplete_details": None, "model": model, "output": [],
        "parallel_tool_calls": request_body.get("parallel_tool_calls", True),
        "tool_choice": request_body.get("tool_choice") or "auto",
        "tools": _echo_tools(request_body), "usage": None,
    }
    for key in ECHO_FIELDS:
        resp[key] = request_body.get(key)
    resp["store"] = False
    return resp


def _message_text(content) -> str:
    if isinstance(content, list):
        out = []
        for part in content:
            if part.get("type") == "text":
                out.append(part.get("text", ""))
            elif part.get("type") == "image_url":
                out.append(f"![image]({(part.get('image_url') or {}).get('url', '')})")
        return "".join(out)
    return content or ""


def _reasoning_of(message: dict) -> str:
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


def chat_to_responses_response(resp: dict, request_body: dict, now: int, new_id) -> dict:
    """Render a hub chat completion as a Responses API ``response`` object."""
    choice = (resp.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    out = response_skeleton(request_body, resp.get("model") or request_body.get("model", ""),
                            f"resp_{new_id()}", now)
    output: list[dict] = []
    reasoning = _reasoning_of(message)
    if reasoning:
        output.append(reasoning_item(f"rs_{new_id()}", reasoning))
    text = _message_text(message.get("content"))
    if text or not message.get("tool_calls"):
        output.append(message_item(f"msg_{new_id()}", text))
    for call in message.get("tool_calls") or []:
        fn = call.get("function") or {}
        output.append(function_call_item(f"fc_{new_id()}", call.get("id") or f"call_{new_id()}",
                                         fn.get("name", ""), fn.get("arguments") or ""))
    status, incomplete = _status(choice.get("finish_reason"))
    out.update(status=status, incomplete_details=incomplete, output=output,
               usage=responses_usage(resp.get("usage")))
    if status == "completed":
        out["completed_at"] = now
    return out


# ---------------------------------------------------------------------------
# stream: hub chunks -> Responses SSE
# ---------------------------------------------------------------------------

class ResponsesStreamEncoder:
    """Turns hub chunks into Responses API SSE events (with ``sequence_number``).

    Output items are created in order of first appearance (reasoning, message,
    function calls) and may stay open concurrently; all are closed by ``finish``.
    """

    def __init__(self, request_body: dict, model: str, now: int, new_id):
        self.request_body = request_body
        self.model = model
        self.now = now
        self.new_id = new_id
        self.seq = 0
        self.response_id = ""
        self.started = False
        self.finished = False
        self.items: list[dict] = []  # {"kind", "id", "text"/"args", "call_id", "name"}
        self.reasoning: dict | None = None
        self.message: dict | None = None
        self.tools: dict = {}
        self.finish_reason = None
        self.usage: dict | None = None

    def _ev(self, data: dict) -> bytes:
        data["sequence_number"] = self.seq
        self.seq += 1
        return sse_event(data["type"], data)

    def _snapshot(self, status: str) -> dict:
        return {**response_skeleton(self.request_body, self.model, self.response_id, self.now),
                "status": status}

    def _start(self) -> list[bytes]:
        self.started = True
        self.response_id = f"resp_{self.new_id()}"
        return [self._ev({"type": "response.created", "response": self._snapshot("in_progress")}),
                self._ev({"type": "response.in_progress", "response": self._snapshot("in_progress")})]

    def _add_item(self, state: dict, item: dict) -> bytes:
        state["output_index"] = len(self.items)
        self.items.append(state)
        return self._ev({"type": "response.output_item.added", "output_index": state["output_index"],
                         "item": item})

    def _reasoning_delta(self, text: str) -> list[bytes]:
        out = []
        if self.reasoning is None:
            self.reasoning = {"kind": "reasoning", "id": f"rs_{self.new_id()}", "text": ""}
            out.append(self._add_item(self.reasoning, reasoning_item(self.reasoning["id"], "", "in_progress")))
            out.append(self._ev({"type": "response.reasoning_summary_part.added", "item_id": self.reasoning["id"],
                                 "output_index": self.reasoning["output_index"], "summary_index": 0,
                                 "part": {"type": "summary_text", "text": ""}}))
        self.reasoning["text"] += text
        out.append(self._ev({"type": "response.reasoning_summary_text.delta", "item_id": self.reasoning["id"],
                             "output_index": self.reasoning["output_index"], "summary_index": 0,
                             "delta": text}))
        return out

    def _text_delta(self, text: str) -> list[bytes]:
        out = []
        if self.message is None:
            self.message = {"kind": "message", "id": f"msg_{self.new_id()}", "text": ""}
            item = message_item(self.message["id"], "", "in_progress")
            item["content"] = []
            out.append(self._add_item(self.message, item))
            out.append(self._ev({"type": "response.content_part.added", "item_id": self.message["id"],
                                 "output_index": self.message["output_index"], "content_index": 0,
                                 "part": {"type": "output_text", "text": "", "annotations": [], "logprobs": []}}))
        self.message["text"] += text
        out.append(self._ev({"type": "response.output_text.delta", "item_id": self.message["id"],
                             "output_index": self.message["output_index"], "content_index": 0,
                             "delta": text, "logprobs": []}))
        return out

    def _tool_delta(self, call: dict) -> list[bytes]:
        out = []
        key = call.get("index", 0)
        fn = call.get("function") or {}
        state = self.tools.get(key)
        if state is None:
            state = self.tools[key] = {"kind": "function_call", "id": f"fc_{self.new_id()}",
                                       "call_id": call.get("id") or f"call_{self.new_id()}",
                                       "name": fn.get("name") or "", "args": ""}
            out.append(self._add_item(state, function_call_item(state["id"], state["call_id"], state["name"],
                                                                "", "in_progress")))
        if fn.get("arguments"):
            state["args"] += fn["arguments"]
            out.append(self._ev({"type": "response.function_call_arguments.delta", "item_id": state["id"],
                                 "output_index": state["output_index"], "delta": fn["arguments"]}))
        return out

    def feed(self, chunk: dict) -> list[bytes]:
        out: list[bytes] = [] if self.started else self._start()
        if chunk.get("error"):
            return out + self.fail(chunk["error"])
        if chunk.get("usage"):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            reasoning = _reasoning_of(delta)
            if reasoning:
                out += self._reasoning_delta(reasoning)
            if isinstance(delta.get("content"), str) and delta["content"]:
                out += self._text_delta(delta["content"])
            for call in delta.get("tool_calls") or []:
                out += self._tool_delta(call)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        return out

    def _close_item(self, state: dict) -> tuple[list[bytes], dict]:
        idx, item_id = state["output_index"], state["id"]
        if state["kind"] == "reasoning":
            item = reasoning_item(item_id, state["text"])
            return [self._ev({"type": "response.reasoning_summary_text.done", "item_id": item_id,
                              "output_index": idx, "summary_index": 0, "text": state["text"]}),
                    self._ev({"type": "response.reasoning_summary_part.done", "item_id": item_id,
                              "output_index": idx, "summary_index": 0,
                              "part": {"type": "summary_text", "text": state["text"]}}),
                    self._ev({"type": "response.output_item.done", "output_index": idx, "item": item})], item
        if state["kind"] == "message":
            item = message_item(item_id, state["text"])
            return [self._ev({"type": "response.output_text.done", "item_id": item_id, "output_index": idx,
                              "content_index": 0, "text": state["text"], "logprobs": []}),
                    self._ev({"type": "response.content_part.done", "item_id": item_id, "output_index": idx,
                              "content_index": 0, "part": item["content"][0]}),
                    self._ev({"type": "response.output_item.done", "output_index": idx, "item": item})], item
        item = function_call_item(item_id, state["call_id"], state["name"], state["args"])
        return [self._ev({"type": "response.function_call_arguments.done", "item_id": item_id,
                          "output_index": idx, "name": state["name"], "arguments": state["args"]}),
                self._ev({"type": "response.output_item.done", "output_index": idx, "item": item})], item

    def finish(self, usage: dict | None = None) -> list[bytes]:
        """Close every output item and emit response.completed (or .incomplete)."""
        if self.finished:
            return []
        self.finished = True
        out: list[bytes] = [] if self.started else self._start()
        output = []
        for state in self.items:
            events, item = self._close_item(state)
            out += events
            output.append(item)
        status, incomplete = _status(self.finish_reason)
        final = self._snapshot(status)
        final.update(output=output, incomplete_details=incomplete,
                     usage=responses_usage(usage or self.usage))
        if status == "completed":
            final["completed_at"] = self.now
        kind = "response.completed" if status == "completed" else "response.incomplete"
        out.append(self._ev({"type": kind, "response": final}))
        return out

    def fail(self, error: dict) -> list[bytes]:
        """Terminate the stream with response.failed carrying the upstream error."""
        if self.finished:
            return []
        self.finished = True
        out: list[bytes] = [] if self.started else self._start()
        final = self._snapshot("failed")
        final["error"] = {"code": str(error.get("code") or "server_error"),
                          "message": str(error.get("message") or "upstream error")}
        final["usage"] = responses_usage(self.usage)
        out.append(self._ev({"type": "response.failed", "response": final}))
        return out


__all__ = ["responses_to_chat_request", "chat_to_responses_response", "responses_usage",
           "response_skeleton", "ResponsesStreamEncoder"]
