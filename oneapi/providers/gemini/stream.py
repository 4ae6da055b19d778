"""Native Gemini ``streamGenerateContent?alt=sse`` chunks -> hub chunks."""
from __future__ import annotations

from ..common import chat_chunk, collect_text, usage_chunk
from .convert import candidate_pieces, finish_reason, gemini_usage_to_chat


class GeminiStreamDecoder:
    """Feed each parsed SSE ``data`` object; get hub chunks back.

    Images are emitted as markdown ``![image](data:...)`` content; after a
    candidate reports ``finishReason`` a usage chunk (``choices: []``) follows.
    """

    def __init__(self, model: str, now: int, new_id):
        self.model = model
        self.now = now
        self.pieces: list[str] = []
        self.new_id = new_id
        self.id = ""
        self.started = False
        self.tool_count = 0
        self.saw_tools = False
        self.meta: dict | None = None
        self.finished = False

    def _chunk(self, delta: dict, finish=None, index: int = 0) -> dict:
        return chat_chunk(self.id, self.now, self.model, delta, finish, index)

    def feed(self, data: dict) -> list[dict]:
        chunks = self._feed(data)
        for chunk in chunks:
            collect_text(chunk, self.pieces)
        return chunks

    def text(self) -> str:
        """Completion text delivered so far (content, reasoning, tool arguments), for token counting."""
        return "".join(self.pieces)

    def _feed(self, data: dict) -> list[dict]:
        if not self.id:
            self.id = f"chatcmpl-{self.new_id()}"
        if data.get("error"):
            err = data["error"]
            return [{"error": {"message": str(err.get("message") or "upstream error"),
                               "type": err.get("status") or "upstream_error", "code": err.get("code")}}]
        if (data.get("usageMetadata") or {}).get("totalTokenCount"):
            self.meta = data["usageMetadata"]
        out: list[dict] = []
        finished = False
        for i, candidate in enumerate(data.get("candidates") or []):
            index = candidate.get("index", i)
            texts, reasoning, images, calls = candidate_pieces(candidate, self.new_id)
            delta: dict = {}
            if not self.started:
                delta["role"] = "assistant"
                self.started = True
            if reasoning:
                delta["reasoning_content"] = "".join(reasoning)
            text = "".join(texts) + "".join(f"![image]({url})" for url in images)
            if text:
                delta["content"] = text
            if calls:
                self.saw_tools = True
                delta["tool_calls"] = []
                for call in calls:
                    delta["tool_calls"].append({"index": self.tool_count, **call})
                    self.tool_count += 1
            reason = finish_reason(candidate.get("finishReason"), self.saw_tools)
            if delta or reason:
                out.append(self._chunk(delta, reason, index))
            finished = finished or reason is not None
        if not data.get("candidates") and (data.get("promptFeedback") or {}).get("blockReason"):
            out.append(self._chunk({"role": "assistant", "content": ""}, "content_filter"))
            finished = True
        if finished and not self.finished and self.meta is not None:
            self.finished = True
            out.append(usage_chunk(self.id, self.now, self.model, self.usage()))
        return out

    def usage(self) -> dict | None:
        return gemini_usage_to_chat(self.meta)
