"""Hub ``chat.completion.chunk`` dicts -> Anthropic Messages SSE (Claude front, streaming)."""
from __future__ import annotations

from . import sse_event
from .claude_response import chat_error_to_claude_error, claude_usage, reasoning_of, stop_reason


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
            reasoning = reasoning_of(delta)
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
                             "delta": {"stop_reason": stop_reason(self.stop_reason, self.saw_tool),
                                       "stop_sequence": None},
                             "usage": final}))
        out.append(self._ev({"type": "message_stop"}))
        return out
