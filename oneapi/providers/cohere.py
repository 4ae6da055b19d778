"""Cohere (channel type 35): native v1 chat and v2 rerank (reference relay §3).

Chat: ``{base}/v1/chat`` with ``message`` (last user turn), ``chat_history``
(USER/CHATBOT/SYSTEM), ``preamble`` (system prompts), sampling fields (``p``, ``k`` ...); a
model suffix ``-internet`` adds the ``web-search`` connector. Streams are newline-delimited
JSON events (``stream-start``, ``text-generation``, ``stream-end`` with the final response and
its token counts). Tools: OpenAI function schemas → ``parameter_definitions``; assistant
tool calls → ``CHATBOT`` turns with ``tool_calls``; tool messages → ``tool_results`` (trailing
ones for the current turn, earlier ones as ``TOOL`` history); Cohere ``tool_calls`` (and the
``tool-calls-generation`` stream event) come back as OpenAI tool calls. Rerank:
``{base}/v2/rerank`` with the Cohere body the ``/v1/rerank`` front already speaks; the answer is
returned as it is.
"""
from __future__ import annotations

import orjson

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.sse import SSEEvent
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder
from .common import VendorStreamDecoder, content_text, error_chunk, json_object, token_usage

_ROLES = {"user": "USER", "assistant": "CHATBOT", "system": "SYSTEM", "tool": "USER", "developer": "SYSTEM"}
_FINISH = {"COMPLETE": "stop", "MAX_TOKENS": "length", "STOP_SEQUENCE": "stop", "ERROR_TOXIC": "content_filter",
           "ERROR_LIMIT": "length", "ERROR": "stop", "USER_CANCEL": "stop", "TOOL_CALL": "tool_calls"}
_PARAMS = {"temperature": "temperature", "top_p": "p", "top_k": "k", "seed": "seed", "stop": "stop_sequences",
           "frequency_penalty": "frequency_penalty", "presence_penalty": "presence_penalty"}


_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "array": "list",
          "object": "dict"}


def _tool_defs(tools) -> list[dict]:
    out = []
    for tool in tools or ():
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not fn.get("name"):
            continue
        schema = fn.get("parameters") if isinstance(fn.get("parameters"), dict) else {}
        required = set(schema.get("required") or ())
        params = {}
        for name, prop in (schema.get("properties") or {}).items():
            prop = prop if isinstance(prop, dict) else {}
            kind = prop.get("type")
            params[name] = {"description": str(prop.get("description") or ""),
                            "type": _TYPES.get(kind, kind if isinstance(kind, str) else "str"),
                            "required": name in required}
        out.append({"name": fn["name"], "description": str(fn.get("description") or ""),
                    "parameter_definitions": params})
    return out


def _args(value) -> dict:
    if isinstance(value, dict):
        return value
    try:
        parsed = orjson.loads(value) if isinstance(value, str) and value else {}
    except orjson.JSONDecodeError:
        raise ValueError("cohere: tool call arguments must be a JSON object") from None
    return parsed if isinstance(parsed, dict) else {}


def _tool_result(msg: dict, calls: dict) -> dict:
    call = calls.get(msg.get("tool_call_id")) or {"name": msg.get("name") or "", "parameters": {}}
    text = content_text(msg.get("content"))
    try:
        output = orjson.loads(text) if text else {}
    except orjson.JSONDecodeError:
        output = None
    return {"call": call, "outputs": [output if isinstance(output, dict) else {"result": text}]}


def to_cohere_chat(ctx: RelayContext, req: dict) -> dict:
    messages = [m for m in req.get("messages") or () if isinstance(m, dict)]
    preamble = [content_text(m.get("content")) for m in messages if m.get("role") in ("system", "developer")]
    turns = [m for m in messages if m.get("role") not in ("system", "developer")]
    if not turns:
        raise ValueError("cohere: at least one user message is required")
    trailing = []
    while turns and turns[-1].get("role") == "tool":
        trailing.insert(0, turns.pop())
    calls: dict = {}
    history = []
    for m in turns if trailing else turns[:-1]:
        role = m.get("role")
        if role == "assistant" and m.get("tool_calls"):
            entry_calls = []
            for call in m["tool_calls"]:
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict):
                    item = {"name": fn.get("name") or "", "parameters": _args(fn.get("arguments"))}
                    calls[call.get("id")] = item
                    entry_calls.append(item)
            history.append({"role": "CHATBOT", "message": content_text(m.get("content")), "tool_calls": entry_calls})
        elif role == "tool":
            history.append({"role": "TOOL", "tool_results": [_tool_result(m, calls)]})
        else:
            history.append({"role": _ROLES.get(role, "USER"), "message": content_text(m.get("content"))})
    model = ctx.actual_model
    body: dict = {"message": "" if trailing else content_text(turns[-1].get("content")), "chat_history": history}
    if trailing:
        body["tool_results"] = [_tool_result(m, calls) for m in trailing]
    if req.get("tools"):
        body["tools"] = _tool_defs(req["tools"])
    if model.endswith("-internet"):
        model = model[: -len("-internet")]
        body["connectors"] = [{"id": "web-search"}]
    body = {"model": model, **body}
    if preamble:
        body["preamble"] = "\n".join(preamble)
    for src, dst in _PARAMS.items():
        if req.get(src) is not None:
            value = req[src]
            body[dst] = [value] if dst == "stop_sequences" and isinstance(value, str) else value
    max_tokens = req.get("max_completion_tokens") or req.get("max_tokens")
    if max_tokens:
        body["max_tokens"] = max_tokens
    if req.get("stream"):
        body["stream"] = True
    return body


def _usage(meta) -> dict | None:
    if not isinstance(meta, dict):
        return None
    tokens = meta.get("tokens") if isinstance(meta.get("tokens"), dict) else meta.get("billed_units")
    if not isinstance(tokens, dict):
        return None
    return token_usage(tokens.get("input_tokens"), tokens.get("output_tokens"))


def _openai_calls(ctx: RelayContext, tool_calls) -> list[dict]:
    return [{"id": ctx.new_id("call_"), "type": "function",
             "function": {"name": c.get("name"), "arguments": orjson.dumps(c.get("parameters") or {}).decode()}}
            for c in tool_calls or () if isinstance(c, dict)]


def from_cohere_chat(ctx: RelayContext, body: dict) -> dict:
    message = {"role": "assistant", "content": body.get("text") or ""}
    finish = _FINISH.get(body.get("finish_reason") or "COMPLETE", "stop")
    calls = _openai_calls(ctx, body.get("tool_calls"))
    if calls:
        message["tool_calls"] = calls
        finish = "tool_calls"
    hub = {"id": body.get("response_id") or ctx.new_id(), "object": "chat.completion", "created": ctx.now(),
           "model": ctx.origin_model, "choices": [{"index": 0, "message": message, "finish_reason": finish}]}
    usage = _usage(body.get("meta"))
    if usage:
        hub["usage"] = usage
    return hub


class CohereStreamDecoder(VendorStreamDecoder):
    def __init__(self, ctx: RelayContext):
        super().__init__(ctx, ctx.new_id(), ctx.now())
        self._tools = False

    def feed(self, event: SSEEvent) -> list[dict]:
        data = json_object(event.data)
        if data is None:
            return []
        kind = data.get("event_type")
        if kind == "stream-start" and data.get("generation_id"):
            self.id = "chatcmpl-" + str(data["generation_id"])
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "text-generation":
            text = data.get("text") or ""
            self._parts.append(text)
            return [self._chunk({"content": text})] if text else []
        if kind == "tool-calls-generation":
            calls = _openai_calls(self.ctx, data.get("tool_calls"))
            for i, call in enumerate(calls):
                call["index"] = i
                self._parts.append(call["function"]["arguments"])
            self._tools = self._tools or bool(calls)
            return [self._chunk({"tool_calls": calls})] if calls else []
        if kind == "stream-end":
            response = data.get("response") if isinstance(data.get("response"), dict) else {}
            finish = "tool_calls" if self._tools else _FINISH.get(data.get("finish_reason") or "COMPLETE", "stop")
            self._usage = _usage(response.get("meta"))
            out = self._end(finish)
            if data.get("finish_reason") == "ERROR":
                out.append(error_chunk("cohere stream ended with an error", "cohere_error"))
            return out
        return []


@register
class Cohere(Adapter):
    channel_types = (ChannelType.COHERE,)
    native_format = "cohere"
    modes = frozenset({RelayMode.CHAT, RelayMode.RERANK})
    slug = "cohere"

    def request_url(self, ctx: RelayContext) -> str:
        base = ctx.base_url.rstrip("/")
        return base + ("/v2/rerank" if ctx.mode == RelayMode.RERANK else "/v1/chat")

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode == RelayMode.RERANK:
            return PreparedRequest(json={**body, "model": ctx.actual_model})
        return PreparedRequest(json=to_cohere_chat(ctx, body), stream_format="ndjson")

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        if ctx.mode == RelayMode.RERANK:
            return body
        return from_cohere_chat(ctx, body)

    def is_stream_response(self, content_type: str) -> bool:
        return "stream+json" in content_type or super().is_stream_response(content_type)

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return CohereStreamDecoder(ctx)
