"""A scripted OpenAI chat upstream for agent round trips (Claude Code, SDK tool loops).

``POST /v1/chat/completions`` (JSON or SSE with ``include_usage``):

* the last message is a ``tool`` result → a text answer quoting that result
  (``"Tool said: <result>"``);
* otherwise, when the request offers a tool named ``server.tool_name`` → a call to it with
  ``server.tool_args`` (arguments streamed in two fragments);
* otherwise → plain text ``server.text``.

Usage: prompt 21, completion 8.
"""
from __future__ import annotations

import time

import orjson

from .wire import WireHandler, WireServer

PROMPT, COMPLETION = 21, 8


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content or [] if isinstance(p, dict))


class _Handler(WireHandler):
    def do_POST(self):
        _raw, body = self.read_body()
        srv: ScriptedChat = self.server  # type: ignore[assignment]
        if not self.path.endswith("/chat/completions") or not isinstance(body, dict):
            return self.json(404, {"error": {"message": "unknown", "type": "invalid_request_error"}})
        messages = body.get("messages") or []
        last = messages[-1] if messages else {}
        tools = {((t.get("function") or {}).get("name")) for t in body.get("tools") or []}
        call = None
        if last.get("role") == "tool":
            text = "Tool said: " + _text_of(last.get("content"))[:200]
        elif srv.tool_name in tools:
            text = ""
            call = {"id": f"call_{len(srv.requests)}", "type": "function",
                    "function": {"name": srv.tool_name, "arguments": orjson.dumps(srv.tool_args).decode()}}
        else:
            text = srv.text
        model = body.get("model", "")
        now = int(time.time())
        usage = {"prompt_tokens": PROMPT, "completion_tokens": COMPLETION, "total_tokens": PROMPT + COMPLETION}
        finish = "tool_calls" if call else "stop"
        if not body.get("stream"):
            message = {"role": "assistant", "content": text or None}
            if call:
                message["tool_calls"] = [call]
            return self.json(200, {"id": "chatcmpl-scripted", "object": "chat.completion", "created": now,
                                   "model": model, "choices": [{"index": 0, "message": message,
                                                                "finish_reason": finish}], "usage": usage})
        base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": now, "model": model}
        self.start_stream()
        try:
            self.sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                           "finish_reason": None}]})
            if call:
                args = call["function"]["arguments"]
                half = len(args) // 2
                self.sse({**base, "choices": [{"index": 0, "delta": {"tool_calls": [
                    {"index": 0, "id": call["id"], "type": "function",
                     "function": {"name": srv.tool_name, "arguments": args[:half]}}]}, "finish_reason": None}]})
                self.sse({**base, "choices": [{"index": 0, "delta": {"tool_calls": [
                    {"index": 0, "function": {"arguments": args[half:]}}]}, "finish_reason": None}]})
            else:
                for word in text.split(" "):
                    self.sse({**base, "choices": [{"index": 0, "delta": {"content": word + " "},
                                                   "finish_reason": None}]})
            self.sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
            if (body.get("stream_options") or {}).get("include_usage"):
                self.sse({**base, "choices": [], "usage": usage})
            self.chunk(b"data: [DONE]\n\n")
            self.end_chunks()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class ScriptedChat(WireServer):
    def __init__(self, tool_name: str = "get_weather", tool_args: dict | None = None, text: str = "Plain answer"):
        super().__init__(_Handler)
        self.tool_name = tool_name
        self.tool_args = tool_args if tool_args is not None else {"city": "Paris"}
        self.text = text

    def chat_bodies(self) -> list[dict]:
        with self._lock:
            return [orjson.loads(b) for p, _h, b in self.requests if p.endswith("/chat/completions") and b]


def start_scripted_chat(**kwargs) -> ScriptedChat:
    return ScriptedChat(**kwargs).start()
