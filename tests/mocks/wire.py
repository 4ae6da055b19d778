"""Shared plumbing of the loopback mock upstreams that speak non-OpenAI wire formats
(Anthropic, Gemini, OpenAI Responses, scripted chat): a threaded HTTP/1.1 server on a free
127.0.0.1 port, JSON replies, chunked SSE streams and abrupt cuts.

Per request options come from the ``X-Mock-Scenario`` header (the gateway forwards client
``X-*`` headers upstream), then ``server.default``. Every request is recorded as
``(path, headers, body bytes)`` in ``server.requests``.
"""
from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson


class WireHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "WireServer"

    def log_message(self, *args):
        pass

    def json(self, status: int, obj) -> None:
        data = orjson.dumps(obj)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunks(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def sse(self, obj, event: str | None = None) -> None:
        head = b"event: " + event.encode() + b"\n" if event else b""
        self.chunk(head + b"data: " + orjson.dumps(obj) + b"\n\n")

    def cut(self) -> None:
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()
        self.close_connection = True

    def read_body(self) -> tuple[bytes, dict | None]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server.record(self.path, dict(self.headers), raw)
        try:
            body = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            body = None
        return raw, body

    def options(self) -> dict:
        opts = dict(self.server.default)
        header = self.headers.get("X-Mock-Scenario")
        if header:
            opts["scenario"] = header
        status = self.headers.get("X-Mock-Status")
        if status:
            opts["status"] = int(status)
        return opts


class WireServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.requests: list[tuple[str, dict, bytes]] = []
        self.default: dict = {}
        self.aborted = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, path: str, headers: dict, body: bytes) -> None:
        with self._lock:
            self.requests.append((path, headers, body))

    def last(self) -> tuple[str, dict, dict]:
        with self._lock:
            path, headers, raw = self.requests[-1]
        return path, headers, orjson.loads(raw) if raw else {}

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
