"""Upstream Responses API SSE events -> hub ``chat.completion.chunk`` dicts."""
from __future__ import annotations

from ..common import chat_chunk, collect_text, usage_chunk
from .convert import finish_reason, responses_usage_to_chat

TERMINAL = ("response.completed", "response.incomplete", "response.failed")


class ResponsesStreamDecoder:
    """Feed ``(event name, parsed data)`` pairs; get hub chunks back.

    Text, reasoning-summary and function-call deltas become chunk deltas; the
    terminal ``response.completed`` / ``.incomplete`` yields a finish chunk and
    a usage chunk; ``response.failed`` and ``error`` yield ``{"error": ...}``.
    """

    def __init__(self, now: int):
        self.now = now
        self.pieces: list[str] = []
        self.id = ""
        self.model = ""
        self.started = False
        self.tools: dict[int, dict] = {}  # output_index -> {"index", "args_seen"}
        self.summary_seen: set[tuple] = set()
        self.raw_usage: dict | None = None
        self.done = False

    def _chunk(self, delta: dict, finish=None) -> dict:
        if not self.started:
            self.started = True
            delta = {"role": "assistant", **delta}
        return chat_chunk(self.id, self.now, self.model, delta, finish)

    def _tool(self, output_index: int, delta: dict) -> dict:
        return self._chunk({"tool_calls": [{"index": self.tools[output_index]["index"], **delta}]})

    def feed(self, event: str | None, data: dict) -> list[dict]:
        chunks = self._feed(event, data)
        for chunk in chunks:
            collect_text(chunk, self.pieces)
        return chunks

    def text(self) -> str:
        """Completion text delivered so far (content, reasoning, tool arguments), for token counting."""
        return "".join(self.pieces)

    def _feed(self, event: str | None, data: dict) -> list[dict]:
        kind = data.get("type") or event
        if kind in ("response.created", "response.in_progress"):
            response = data.get("response") or {}
            self.id = response.get("id", self.id)
            self.model = response.get("model", self.model)
            self.now = int(response.get("created_at") or self.now)
            return [] if self.started else [self._chunk({"content": ""})]
        if kind == "response.output_text.delta":
            return [self._chunk({"content": data.get("delta", "")})] if data.get("delta") else []
        if kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            key = (data.get("item_id"), data.get("summary_index", data.get("content_index", 0)))
            prefix = "\n\n" if self.summary_seen and key not in self.summary_seen else ""
            self.summary_seen.add(key)
            text = prefix + (data.get("delta") or "")
            return [self._chunk({"reasoning_content": text})] if text else []
        if kind == "response.refusal.delta":
            return [self._chunk({"refusal": data.get("delta", "")})]
        if kind == "response.output_item.added":
            item = data.get("item") or {}
            if item.get("type") != "function_call":
                return []
            self.tools[data.get("output_index", 0)] = {"index": len(self.tools), "args_seen": False}
            return [self._tool(data.get("output_index", 0),
                               {"id": item.get("call_id") or item.get("id", ""), "type": "function",
                                "function": {"name": item.get("name", ""), "arguments": ""}})]
        if kind == "response.function_call_arguments.delta":
            state = self.tools.get(data.get("output_index", 0))
            if state is None or not data.get("delta"):
                return []
            state["args_seen"] = True
            return [self._tool(data.get("output_index", 0), {"function": {"arguments": data["delta"]}})]
        if kind == "response.output_item.done":
            item = data.get("item") or {}
            state = self.tools.get(data.get("output_index", 0))
            if item.get("type") == "function_call" and state and not state["args_seen"] and item.get("arguments"):
                state["args_seen"] = True
                return [self._tool(data.get("output_index", 0), {"function": {"arguments": item["arguments"]}})]
            return []
        if kind in TERMINAL:
            response = data.get("response") or {}
            self.done = True
            self.raw_usage = response.get("usage") or self.raw_usage
            if kind == "response.failed":
                err = response.get("error") or {}
                return [{"error": {"message": err.get("message") or "upstream response failed",
                                   "type": "upstream_error", "code": err.get("code")}}]
            chunks = [self._chunk({}, finish_reason(response, bool(self.tools)))]
            usage = self.usage()
            if usage:
                chunks.append(usage_chunk(self.id, self.now, self.model, usage))
            return chunks
        if kind == "error":
            return [{"error": {"message": data.get("message") or "upstream error",
                               "type": "upstream_error", "code": data.get("code")}}]
        return []

    def usage(self) -> dict | None:
        return responses_usage_to_chat(self.raw_usage)
