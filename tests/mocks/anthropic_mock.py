"""A loopback Anthropic Messages API (``POST /v1/messages``), JSON and SSE, exact event sequence.

Scenarios (``X-Mock-Scenario``): ``ok`` (text), ``tools`` (a ``tool_use`` block),
``thinking`` (signed thinking + text), ``error`` (``X-Mock-Status``, Anthropic error body),
``cut`` (stream dropped after the first text delta), ``slow`` (0.3 s between deltas, 20 deltas).
Requests without ``x-api-key`` or ``anthropic-version`` are refused like Anthropic does.
Usage: input 13, cache read 5, cache creation 3 (5m), output 9.
"""
from __future__ import annotations

import time

from .wire import WireHandler, WireServer

USAGE = {"input_tokens": 13, "cache_read_input_tokens": 5, "cache_creation_input_tokens": 3,
         "cache_creation": {"ephemeral_5m_input_tokens": 3, "ephemeral_1h_input_tokens": 0}, "output_tokens": 9}
TEXT = "Hello from Claude"
ERRORS = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "not_found_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


def error_body(status: int, message: str | None = None) -> dict:
    kind = ERRORS.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": message or f"mock {kind}"}}


class _Handler(WireHandler):
    def do_POST(self):
        _raw, body = self.read_body()
        opts = self.options()
        if not self.path.split("?")[0].endswith("/v1/messages"):
            return self.json(404, error_body(404, f"unknown path {self.path}"))
        if not self.headers.get("x-api-key"):
            return self.json(401, error_body(401, "x-api-key header is required"))
        if not self.headers.get("anthropic-version"):
            return self.json(400, error_body(400, "anthropic-version: header is required"))
        if body is None or not isinstance(body.get("messages"), list) or not body.get("max_tokens"):
            return self.json(400, error_body(400, "messages and max_tokens are required"))
        scenario = opts.get("scenario", "ok")
        if scenario == "error":
            status = int(opts.get("status") or 500)
            return self.json(status, error_body(status))
        blocks = self._blocks(scenario)
        stop = "tool_use" if scenario == "tools" else "end_turn"
        message = {"id": "msg_mock", "type": "message", "role": "assistant", "model": body.get("model"),
                   "content": blocks, "stop_reason": stop, "stop_sequence": None, "usage": dict(USAGE)}
        if not body.get("stream"):
            return self.json(200, message)
        self.start_stream()
        try:
            start_usage = {**USAGE, "output_tokens": 1}
            self.sse({"type": "message_start", "message": {**message, "content": [], "stop_reason": None,
                                                           "usage": start_usage}}, "message_start")
            for index, block in enumerate(blocks):
                self._stream_block(index, block, scenario)
                if index == 0 and scenario == "cut":
                    return self.cut()
            self.sse({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                      "usage": {"output_tokens": USAGE["output_tokens"]}}, "message_delta")
            self.sse({"type": "message_stop"}, "message_stop")
            self.end_chunks()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            self.server.aborted += 1

    def _blocks(self, scenario: str) -> list[dict]:
        if scenario == "tools":
            return [{"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "toolu_mock1", "name": "get_weather", "input": {"city": "Paris"}}]
        if scenario == "thinking":
            return [{"type": "thinking", "thinking": "Thinking hard.", "signature": "sig-mock"},
                    {"type": "text", "text": TEXT}]
        if scenario == "slow":
            return [{"type": "text", "text": "".join(f"w{i} " for i in range(20))}]
        return [{"type": "text", "text": TEXT}]

    def _stream_block(self, index: int, block: dict, scenario: str) -> None:
        kind = block["type"]
        start = {"type": kind, "text": ""} if kind == "text" else \
            {"type": "thinking", "thinking": "", "signature": ""} if kind == "thinking" else \
            {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
        self.sse({"type": "content_block_start", "index": index, "content_block": start}, "content_block_start")
        if index == 0:
            self.sse({"type": "ping"}, "ping")
        if kind == "text":
            pieces = block["text"].split(" ") if scenario != "slow" else [f"w{i} " for i in range(20)]
            for i, piece in enumerate(pieces):
                if scenario == "slow":
                    time.sleep(0.3)
                text = piece if scenario == "slow" else (piece if i == 0 else " " + piece)
                self.sse({"type": "content_block_delta", "index": index,
                          "delta": {"type": "text_delta", "text": text}}, "content_block_delta")
                if scenario == "cut":
                    return
        elif kind == "thinking":
            self.sse({"type": "content_block_delta", "index": index,
                      "delta": {"type": "thinking_delta", "thinking": block["thinking"]}}, "content_block_delta")
            self.sse({"type": "content_block_delta", "index": index,
                      "delta": {"type": "signature_delta", "signature": block["signature"]}}, "content_block_delta")
        else:
            self.sse({"type": "content_block_delta", "index": index,
                      "delta": {"type": "input_json_delta", "partial_json": '{"city": '}}, "content_block_delta")
            self.sse({"type": "content_block_delta", "index": index,
                      "delta": {"type": "input_json_delta", "partial_json": '"Paris"}'}}, "content_block_delta")
        self.sse({"type": "content_block_stop", "index": index}, "content_block_stop")


def start_anthropic_mock() -> WireServer:
    return WireServer(_Handler).start()
