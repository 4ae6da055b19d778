"""Loopback mock of an OpenAI-compatible upstream for the browser tests.

Usage: python mock_upstream.py PORT  — prints ``READY <port>`` once listening.
Answers chat completions as JSON or SSE (with usage), lists models, reports a
billing balance, and counts requests at ``GET /__stats``.
"""
from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATS = {"chat": 0, "stream": 0}
LOCK = threading.Lock()
USAGE = {"prompt_tokens": 12, "completion_tokens": 8, "total_tokens": 20}
REPLY = "Hello from the mock upstream."


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep test output quiet
        return

    def _json(self, status: int, obj) -> None:
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/__stats"):
            with LOCK:
                return self._json(200, dict(STATS))
        if self.path.rstrip("/").endswith("/models"):
            return self._json(200, {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "owned_by": "mock"}]})
        if "billing/subscription" in self.path:
            return self._json(200, {"object": "billing_subscription", "hard_limit_usd": 100.0, "has_payment_method": True})
        if "billing/usage" in self.path:
            return self._json(200, {"object": "list", "total_usage": 2500.0})
        return self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            return self._json(400, {"error": {"message": "bad json", "type": "invalid_request_error"}})
        if not self.path.rstrip("/").endswith("/chat/completions"):
            return self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
        model = req.get("model") or "gpt-4o-mini"
        created = int(time.time())
        if req.get("stream"):
            with LOCK:
                STATS["stream"] += 1
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            base = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": created, "model": model}
            for i, piece in enumerate(REPLY.split(" ")):
                delta = {"content": piece if i == 0 else " " + piece}
                if i == 0:
                    delta["role"] = "assistant"
                chunk = dict(base, choices=[{"index": 0, "delta": delta, "finish_reason": None}])
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            done = dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}])
            self.wfile.write(f"data: {json.dumps(done)}\n\n".encode())
            usage = dict(base, choices=[], usage=USAGE)
            self.wfile.write(f"data: {json.dumps(usage)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True
            return
        with LOCK:
            STATS["chat"] += 1
        return self._json(200, {
            "id": "chatcmpl-mock", "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": REPLY}, "finish_reason": "stop"}],
            "usage": USAGE,
        })


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    main()
