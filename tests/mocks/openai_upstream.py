"""A real OpenAI-compatible HTTP server on 127.0.0.1 for relay tests.

Speaks the exact wire format: ``/v1/chat/completions`` (JSON and SSE with chunked transfer
encoding, tool calls, ``stream_options.include_usage``), ``/v1/completions``,
``/v1/embeddings``, ``/v1/moderations``, and the legacy billing endpoints used for channel
balance queries.

Behaviour per request comes from (first found): the ``X-Mock-Scenario`` header, the body field
``"mock"`` (a dict; unknown fields pass through the gateway), or ``server.default``. Keys:

    scenario: "ok" | "tools" | "error" | "cut" | "no_usage" | "huge" | "json_to_stream" | "raw"
    status:   HTTP status for scenario "error" (401, 429, 500 ...)
    delay:    seconds between stream chunks (slow upstream); "first_delay" before the first
    chunks:   number of content chunks (default 3)
    size:     bytes of the single content chunk for scenario "huge"
    text:     content text
    frames:   scenario "raw": strings written verbatim as separate HTTP chunks, "frame_delay"
              seconds apart (default 0.02), so the gateway receives them one by one

``server.fail_status`` forces every chat/completions request to fail (per-channel failures).
Every request is recorded in ``server.requests`` as ``(path, headers, body bytes)``.
Usage is deterministic: prompt_tokens = 11, completion_tokens = number of chunks (stream) or 7.
"""
from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson

PROMPT_TOKENS = 11
COMPLETION_TOKENS = 7


def _error_body(status: int) -> dict:
    kinds = {401: ("Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
             429: ("Rate limit reached for requests", "requests", "rate_limit_exceeded"),
             500: ("The server had an error while processing your request", "server_error", None),
             503: ("Service unavailable", "server_error", None),
             400: ("Invalid parameter", "invalid_request_error", "invalid_value")}
    message, type_, code = kinds.get(status, (f"mock error {status}", "server_error", None))
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: "MockServer"

    def log_message(self, *args):  # quiet
        pass

    # ---------------------------------------------------------------- plumbing
    def _json(self, status: int, obj) -> None:
        data = orjson.dumps(obj)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _event(self, obj) -> None:
        self._chunk(b"data: " + orjson.dumps(obj) + b"\n\n")

    def _cut(self) -> None:
        """Drop the connection abruptly (no terminating chunk)."""
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()
        self.close_connection = True

    # ---------------------------------------------------------------- dispatch
    def do_GET(self):
        srv = self.server
        srv.record(self.path, dict(self.headers), b"")
        if self.path.endswith("/dashboard/billing/subscription"):
            return self._json(200, {"object": "billing_subscription", "has_payment_method": True,
                                    "hard_limit_usd": srv.balance_limit, "soft_limit_usd": srv.balance_limit,
                                    "system_hard_limit_usd": srv.balance_limit, "access_until": 0})
        if "/dashboard/billing/usage" in self.path:
            return self._json(200, {"object": "list", "total_usage": srv.balance_used_cents})
        if self.path.endswith("/models"):
            return self._json(200, {"object": "list", "data": [{"id": "gpt-3.5-turbo", "object": "model"}]})
        return self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self):
        srv = self.server
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        srv.record(self.path, dict(self.headers), raw)
        try:
            body = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            return self._json(400, {"error": {"message": "bad json", "type": "invalid_request_error"}})
        opts = dict(srv.default)
        if isinstance(body.get("mock"), dict):
            opts.update(body["mock"])
        header = self.headers.get("X-Mock-Scenario")
        if header:
            opts["scenario"] = header
        if srv.fail_status and not self.path.endswith(("/embeddings", "/moderations")):
            return self._json(srv.fail_status, _error_body(srv.fail_status))
        if opts.get("first_delay"):
            time.sleep(float(opts["first_delay"]))
        if opts.get("scenario") == "error":
            status = int(opts.get("status") or 500)
            return self._json(status, _error_body(status))
        if self.path.endswith("/chat/completions"):
            return self._chat(body, opts)
        if self.path.endswith("/completions"):
            return self._completions(body, opts)
        if self.path.endswith("/embeddings"):
            return self._embeddings(body)
        if self.path.endswith("/moderations"):
            return self._json(200, {"id": "modr-1", "model": "text-moderation-007", "results": [
                {"flagged": False, "categories": {}, "category_scores": {}}]})
        return self._json(404, {"error": {"message": f"unknown path {self.path}", "type": "invalid_request_error"}})

    # ---------------------------------------------------------------- endpoints
    def _chat(self, body: dict, opts: dict):
        scenario = opts.get("scenario", "ok")
        model = body.get("model", "")
        text = opts.get("text", "Hello from mock")
        if not body.get("stream") or scenario == "json_to_stream":
            message = {"role": "assistant", "content": text}
            finish = "stop"
            if scenario == "tools":
                message = {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "call_1", "type": "function",
                     "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]}
                finish = "tool_calls"
            resp = {"id": "chatcmpl-mock", "object": "chat.completion", "created": int(time.time()),
                    "model": model, "choices": [{"index": 0, "message": message, "finish_reason": finish}]}
            if scenario != "no_usage":
                resp["usage"] = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS,
                                 "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS}
            return self._json(200, resp)
        if scenario == "raw":
            self._start_stream()
            for i, frame in enumerate(opts.get("frames") or ()):
                if i:
                    time.sleep(float(opts.get("frame_delay", 0.02)))
                self._chunk(frame.encode())
            return self._end_chunks()
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunks = int(opts.get("chunks", 3))
        delay = float(opts.get("delay", 0))
        base = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model}
        self._start_stream()
        try:
            self._event({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                              "finish_reason": None}]})
            if scenario == "huge":
                size = int(opts.get("size", 10 * 1024 * 1024))
                self._event({**base, "choices": [{"index": 0, "delta": {"content": "x" * size},
                                                  "finish_reason": None}]})
                chunks = 1
            elif scenario == "tools":
                self._event({**base, "choices": [{"index": 0, "delta": {"tool_calls": [
                    {"index": 0, "id": "call_1", "type": "function",
                     "function": {"name": "get_weather", "arguments": ""}}]}, "finish_reason": None}]})
                self._event({**base, "choices": [{"index": 0, "delta": {"tool_calls": [
                    {"index": 0, "function": {"arguments": "{\"city\":\"Paris\"}"}}]}, "finish_reason": None}]})
                chunks = 1
            else:
                for i in range(chunks):
                    if delay:
                        time.sleep(delay)
                    self._event({**base, "choices": [{"index": 0, "delta": {"content": f"tok{i} "},
                                                      "finish_reason": None}]})
                    if scenario == "cut" and i + 1 >= int(opts.get("cut_after", 2)):
                        return self._cut()
            finish = "tool_calls" if scenario == "tools" else "stop"
            self._event({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
            if include_usage and scenario != "no_usage":
                self._event({**base, "choices": [], "usage": {
                    "prompt_tokens": PROMPT_TOKENS, "completion_tokens": chunks,
                    "total_tokens": PROMPT_TOKENS + chunks}})
            self._chunk(b"data: [DONE]\n\n")
            self._end_chunks()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            srv = self.server
            srv.aborted += 1

    def _completions(self, body: dict, opts: dict):
        model = body.get("model", "")
        if not body.get("stream"):
            return self._json(200, {"id": "cmpl-mock", "object": "text_completion", "created": int(time.time()),
                                    "model": model, "choices": [{"index": 0, "text": " world", "logprobs": None,
                                                                 "finish_reason": "stop"}],
                                    "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS,
                                              "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS}})
        self._start_stream()
        base = {"id": "cmpl-mock", "object": "text_completion", "created": int(time.time()), "model": model}
        for word in (" hello", " world"):
            self._event({**base, "choices": [{"index": 0, "text": word, "logprobs": None, "finish_reason": None}]})
        self._event({**base, "choices": [{"index": 0, "text": "", "logprobs": None, "finish_reason": "stop"}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            self._event({**base, "choices": [], "usage": {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": 2,
                                                           "total_tokens": PROMPT_TOKENS + 2}})
        self._chunk(b"data: [DONE]\n\n")
        self._end_chunks()

    def _embeddings(self, body: dict):
        inputs = body.get("input")
        items = inputs if isinstance(inputs, list) else [inputs]
        data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(len(items))]
        return self._json(200, {"object": "list", "data": data, "model": body.get("model", ""),
                                "usage": {"prompt_tokens": 5 * len(items), "total_tokens": 5 * len(items)}})


class MockServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, dict, bytes]] = []
        self.default: dict = {}
        self.fail_status = 0
        self.aborted = 0
        self.balance_limit = 100.0
        self.balance_used_cents = 2500.0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, path: str, headers: dict, body: bytes) -> None:
        with self._lock:
            self.requests.append((path, headers, body))

    def bodies(self, suffix: str = "/chat/completions") -> list[dict]:
        with self._lock:
            return [orjson.loads(b) for p, _h, b in self.requests if p.endswith(suffix) and b]

    def start(self) -> "MockServer":
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def start_mock() -> MockServer:
    return MockServer().start()
