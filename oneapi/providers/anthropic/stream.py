"""Native Anthropic Messages SSE -> hub ``chat.completion.chunk`` dicts."""
from __future__ import annotations

from .convert import anthropic_usage_to_chat, finish_reason


def collect_text(chunk: dict, pieces: list[str]) -> None:
    """Append the completion text of a hub chunk (content, reasoning, tool arguments) to ``pieces``."""
    for choice in chunk.get("choices") or []:
        delta = choice.get("delta") or {}
        for key in ("reasoning_content", "content"):
            if isinstance(delta.get(key), str):
                pieces.append(delta[key])
        for call in delta.get("tool_calls") or []:
            pieces.append((call.get("function") or {}).get("arguments") or "")


class AnthropicStreamDecoder:
    """Feed ``(event name, parsed data)`` pairs; get hub chunks back.

    Emits a role chunk on ``message_start``, content / reasoning / signature /
    tool-call deltas, a finish chunk on ``message_delta`` and a usage chunk
    (``choices: []``) on ``message_stop``.  An ``error`` event becomes
    ``{"error": {...}}``.
    """

    def __init__(self, now: int):
        self.now = now
        self.id = ""
        self.model = ""
        self.raw_usage: dict | None = None
        self.tool_index: dict[int, int] = {}  # content block index -> tool call index
        self.done = False
        self.pieces: list[str] = []

    def _chunk(self, delta: dict, finish=None) -> dict:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.now, "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def _merge_usage(self, usage: dict | None):
        if not usage:
            return
        merged = dict(self.raw_usage or {})
        for key, value in usage.items():
            if value is not None:
                merged[key] = value
        self.raw_usage = merged

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
        if kind == "message_start":
            message = data.get("message") or {}
            self.id = message.get("id", "")
            self.model = message.get("model", "")
            self._merge_usage(message.get("usage"))
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "tool_use":
                idx = self.tool_index[data.get("index", 0)] = len(self.tool_index)
                return [self._chunk({"tool_calls": [{"index": idx, "id": block.get("id", ""), "type": "function",
                                                     "function": {"name": block.get("name", ""),
                                                                  "arguments": ""}}]})]
            if block.get("type") == "text" and block.get("text"):
                return [self._chunk({"content": block["text"]})]
            if block.get("type") == "thinking" and block.get("thinking"):
                return [self._chunk({"reasoning_content": block["thinking"]})]
            return []
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            dkind = delta.get("type")
            if dkind == "text_delta":
                return [self._chunk({"content": delta.get("text", "")})]
            if dkind == "thinking_delta":
                return [self._chunk({"reasoning_content": delta.get("thinking", "")})]
            if dkind == "signature_delta":
                return [self._chunk({"thinking_signature": delta.get("signature", "")})]
            if dkind == "input_json_delta":
                idx = self.tool_index.get(data.get("index", 0))
                if idx is None or not delta.get("partial_json"):
                    return []
                return [self._chunk({"tool_calls": [{"index": idx,
                                                     "function": {"arguments": delta["partial_json"]}}]})]
            return []
        if kind == "message_delta":
            self._merge_usage(data.get("usage"))
            reason = finish_reason((data.get("delta") or {}).get("stop_reason"))
            return [self._chunk({}, reason or "stop")]
        if kind == "message_stop":
            self.done = True
            return [{"id": self.id, "object": "chat.completion.chunk", "created": self.now, "model": self.model,
                     "choices": [], "usage": self.usage()}]
        if kind == "error":
            err = data.get("error") or {}
            etype = err.get("type") or "api_error"
            return [{"error": {"message": err.get("message") or etype, "type": etype, "code": etype}}]
        return []  # ping, content_block_stop, unknown events

    def usage(self) -> dict | None:
        if self.raw_usage is None:
            return None
        return anthropic_usage_to_chat(self.raw_usage)
