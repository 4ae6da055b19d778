"""Hub ``chat.completion.chunk`` dicts -> OpenAI Responses API SSE events (Responses front, streaming)."""
from __future__ import annotations

from . import sse_event
from .responses_items import (
    custom_call_item,
    custom_input,
    custom_tool_names,
    function_call_item,
    message_item,
    reasoning_item,
    reasoning_of,
    response_skeleton,
    responses_usage,
    status_of,
)


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
        self.custom_tools = custom_tool_names(request_body)
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
            name = fn.get("name") or ""
            if name in self.custom_tools:  # freeform tool: its input is only known once the JSON is complete
                state = {"kind": "custom", "id": f"ctc_{self.new_id()}", "name": name, "args": ""}
                state["call_id"] = call.get("id") or f"call_{self.new_id()}"
                item = custom_call_item(state["id"], state["call_id"], name, "", "in_progress")
            else:
                state = {"kind": "function_call", "id": f"fc_{self.new_id()}", "name": name, "args": ""}
                state["call_id"] = call.get("id") or f"call_{self.new_id()}"
                item = function_call_item(state["id"], state["call_id"], name, "", "in_progress")
            self.tools[key] = state
            out.append(self._add_item(state, item))
        if fn.get("arguments") and state["kind"] == "custom":
            state["args"] += fn["arguments"]
        elif fn.get("arguments"):
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
            reasoning = reasoning_of(delta)
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
        if state["kind"] == "custom":
            text = custom_input(state["args"])
            item = custom_call_item(item_id, state["call_id"], state["name"], text)
            events = [self._ev({"type": "response.custom_tool_call_input.delta", "item_id": item_id,
                                "output_index": idx, "delta": text})] if text else []
            return events + [self._ev({"type": "response.custom_tool_call_input.done", "item_id": item_id,
                                       "output_index": idx, "input": text}),
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
        status, incomplete = status_of(self.finish_reason)
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
