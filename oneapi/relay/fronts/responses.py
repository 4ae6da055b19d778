"""OpenAI Responses front codec: ``/v1/responses`` <-> hub (OpenAI chat dicts).

Used when the channel does not speak the Responses API natively ("fallback").
Public API:
    responses_to_chat_request(body) -> hub chat request (raises ConversionError)
    chat_to_responses_response(resp, request_body, now, new_id) -> Response object
    ResponsesStreamEncoder(request_body, model, now, new_id).feed(chunk) / .finish(usage)
"""
from __future__ import annotations

import json

from . import ConversionError, text_of
from .responses_items import (
    custom_call_item,
    custom_input,
    custom_tool_names,
    function_call_item,
    message_item,
    message_text,
    reasoning_item,
    reasoning_of,
    response_skeleton,
    responses_usage,
    status_of,
)
from .responses_stream import ResponsesStreamEncoder

WEB_SEARCH_TOOLS = ("web_search", "web_search_preview", "web_search_2025_08_26",
                    "web_search_preview_2025_03_11")



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

    if items is not None and not isinstance(items, list):
        raise ConversionError("input: must be a string or a list of items", "input")
    for i, item in enumerate(items or []):
        if not isinstance(item, dict):
            raise ConversionError(f"input[{i}]: must be an object", f"input[{i}]")
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
        elif kind in ("function_call", "custom_tool_call"):
            call_id = item.get("call_id") or item.get("id") or ""
            arguments = item.get("arguments") or "" if kind == "function_call" else \
                json.dumps({"input": item.get("input") or ""}, ensure_ascii=False)
            call = {"id": call_id, "type": "function", "function": {"name": item.get("name", ""), "arguments": arguments}}
            if open_assistant is None:
                open_assistant = {"role": "assistant", "content": ""}
                take_reasoning(open_assistant)
                messages.append(open_assistant)
            open_assistant.setdefault("tool_calls", []).append(call)
            pending_calls.add(call_id)
        elif kind in ("function_call_output", "custom_tool_call_output"):
            call_id = item.get("call_id") or ""
            text = _tool_output_text(item.get("output"))
            if call_id in pending_calls:
                messages.append({"role": "tool", "tool_call_id": call_id, "content": text})
            else:
                messages.append({"role": "user", "content": text})
            open_assistant = None
        # item_reference, computer/shell/custom tool items: no chat equivalent, dropped
    return messages


def _custom_tool_function(tool: dict) -> dict:
    """A freeform ``custom`` tool as a chat function taking one string ``input``."""
    description = tool.get("description") or ""
    fmt = tool.get("format") or {}
    if fmt.get("type") == "grammar" and fmt.get("definition"):
        grammar = f"The input must follow this {fmt.get('syntax', '')} grammar:\n{fmt['definition']}"
        description = f"{description}\n\n{grammar}" if description else grammar
    fn = {"name": tool.get("name", ""),
          "parameters": {"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}}
    if description:
        fn["description"] = description
    return fn


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
        elif kind == "custom":
            fn = _custom_tool_function(tool)
        else:
            web_search = web_search or kind in WEB_SEARCH_TOOLS
            continue
        out.append({"type": "function", "function": fn})
        names.add(fn["name"])
    return out, web_search, names


def _convert_tool_choice(choice, names: set[str]):
    if choice is None or isinstance(choice, str):
        return choice
    if choice.get("type") in ("function", "custom"):
        if choice.get("name") in names:
            return {"type": "function", "function": {"name": choice["name"]}}
        return "auto"
    if choice.get("type") == "allowed_tools":
        return "required" if choice.get("mode") == "required" else "auto"
    return "auto"


def responses_to_chat_request(body: dict) -> dict:
    """Convert a Responses API request to a hub chat request."""
    if not isinstance(body, dict):
        raise ConversionError("request body must be a JSON object")
    if body.get("tools") is not None and (not isinstance(body["tools"], list)
                                          or not all(isinstance(t, dict) for t in body["tools"])):
        raise ConversionError("tools: must be a list of objects", "tools")
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


# ---------------------------------------------------------------------------
# response: hub -> Responses
# ---------------------------------------------------------------------------

def chat_to_responses_response(resp: dict, request_body: dict, now: int, new_id) -> dict:
    """Render a hub chat completion as a Responses API ``response`` object."""
    choice = (resp.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    out = response_skeleton(request_body, resp.get("model") or request_body.get("model", ""),
                            f"resp_{new_id()}", now)
    output: list[dict] = []
    reasoning = reasoning_of(message)
    if reasoning:
        output.append(reasoning_item(f"rs_{new_id()}", reasoning))
    text = message_text(message.get("content"))
    if text or not message.get("tool_calls"):
        output.append(message_item(f"msg_{new_id()}", text))
    custom = custom_tool_names(request_body)
    for call in message.get("tool_calls") or []:
        fn = call.get("function") or {}
        name, call_id = fn.get("name", ""), call.get("id") or f"call_{new_id()}"
        if name in custom:
            output.append(custom_call_item(f"ctc_{new_id()}", call_id, name, custom_input(fn.get("arguments"))))
        else:
            output.append(function_call_item(f"fc_{new_id()}", call_id, name, fn.get("arguments") or ""))
    status, incomplete = status_of(choice.get("finish_reason"))
    out.update(status=status, incomplete_details=incomplete, output=output,
               usage=responses_usage(resp.get("usage")))
    if status == "completed":
        out["completed_at"] = now
    return out


# ---------------------------------------------------------------------------


__all__ = ["responses_to_chat_request", "chat_to_responses_response", "responses_usage", "response_skeleton",
           "ResponsesStreamEncoder"]
