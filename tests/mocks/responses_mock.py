"""A loopback OpenAI Response API (``POST /v1/responses``), JSON and SSE with the full event
sequence (created, in_progress, output_item.added, content_part.added, output_text.delta,
output_text.done, content_part.done, output_item.done, function-call argument events,
completed with usage).

Scenarios (``X-Mock-Scenario``): ``ok``, ``tools`` (one ``function_call``), ``error``
(``X-Mock-Status``). Usage: input 15 (cached 4), output 5 (reasoning 0), total 20.
"""
from __future__ import annotations

import time

from .wire import WireHandler, WireServer

USAGE = {"input_tokens": 15, "input_tokens_details": {"cached_tokens": 4}, "output_tokens": 5,
         "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 20}
TEXT = "Hello from Responses"


class _Handler(WireHandler):
    def do_POST(self):
        _raw, body = self.read_body()
        opts = self.options()
        if not self.path.split("?")[0].endswith("/v1/responses"):
            return self.json(404, {"error": {"message": f"unknown path {self.path}", "type": "invalid_request_error",
                                             "param": None, "code": None}})
        if not (self.headers.get("Authorization") or "").startswith("Bearer "):
            return self.json(401, {"error": {"message": "missing key", "type": "invalid_request_error",
                                             "param": None, "code": "invalid_api_key"}})
        if body is None or body.get("input") in (None, "", []) or "messages" in body:
            return self.json(400, {"error": {"message": "input is required (and messages is not a Response API "
                                                        "field)", "type": "invalid_request_error",
                                             "param": "input", "code": None}})
        scenario = opts.get("scenario", "ok")
        if scenario == "error":
            status = int(opts.get("status") or 500)
            return self.json(status, {"error": {"message": f"mock error {status}", "type": "server_error"
                                                if status >= 500 else "invalid_request_error",
                                                "param": None, "code": None}})
        now = int(time.time())
        if scenario == "tools":
            item = {"id": "fc_mock1", "type": "function_call", "status": "completed", "call_id": "call_mock1",
                    "name": "get_weather", "arguments": '{"city":"Paris"}'}
        else:
            item = {"id": "msg_mock1", "type": "message", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": TEXT, "annotations": []}]}
        response = {"id": "resp_mock1", "object": "response", "created_at": now, "status": "completed",
                    "model": body.get("model"), "output": [item], "usage": dict(USAGE), "error": None,
                    "incomplete_details": None, "instructions": body.get("instructions"),
                    "tools": body.get("tools") or [], "parallel_tool_calls": True, "tool_choice": "auto",
                    "temperature": 1.0, "top_p": 1.0, "metadata": {}, "text": {"format": {"type": "text"}},
                    "truncation": "disabled", "reasoning": {"effort": None, "summary": None}}
        if not body.get("stream"):
            return self.json(200, response)
        self.start_stream()
        seq = iter(range(1000))

        def ev(obj):
            obj["sequence_number"] = next(seq)
            self.sse(obj, obj["type"])

        try:
            snapshot = {**response, "status": "in_progress", "output": [], "usage": None}
            ev({"type": "response.created", "response": snapshot})
            ev({"type": "response.in_progress", "response": snapshot})
            if scenario == "tools":
                ev({"type": "response.output_item.added", "output_index": 0,
                    "item": {**item, "status": "in_progress", "arguments": ""}})
                for piece in ('{"city":', '"Paris"}'):
                    ev({"type": "response.function_call_arguments.delta", "item_id": item["id"], "output_index": 0,
                        "delta": piece})
                ev({"type": "response.function_call_arguments.done", "item_id": item["id"], "output_index": 0,
                    "arguments": item["arguments"]})
            else:
                ev({"type": "response.output_item.added", "output_index": 0,
                    "item": {**item, "status": "in_progress", "content": []}})
                part = {"type": "output_text", "text": "", "annotations": []}
                ev({"type": "response.content_part.added", "item_id": item["id"], "output_index": 0,
                    "content_index": 0, "part": part})
                for piece in ("Hello ", "from ", "Responses"):
                    ev({"type": "response.output_text.delta", "item_id": item["id"], "output_index": 0,
                        "content_index": 0, "delta": piece, "logprobs": []})
                ev({"type": "response.output_text.done", "item_id": item["id"], "output_index": 0,
                    "content_index": 0, "text": TEXT, "logprobs": []})
                ev({"type": "response.content_part.done", "item_id": item["id"], "output_index": 0,
                    "content_index": 0, "part": {**part, "text": TEXT}})
            ev({"type": "response.output_item.done", "output_index": 0, "item": item})
            ev({"type": "response.completed", "response": response})
            self.end_chunks()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def start_responses_mock() -> WireServer:
    return WireServer(_Handler).start()
