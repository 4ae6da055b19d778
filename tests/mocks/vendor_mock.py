"""A scripted loopback HTTP server for native provider tests.

Each test installs ``server.handler(request) -> Reply``; the request is recorded with method,
path, query, headers and body. ``Reply.chunks`` (a list of bytes) is sent with chunked transfer
encoding, one chunk per item, so stream decoders see real incremental bytes.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import orjson


@dataclass
class Seen:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return orjson.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict | list | None = None
    chunks: list[bytes] | None = None
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


def json_reply(obj, status: int = 200) -> Reply:
    return Reply(status, orjson.dumps(obj))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "VendorMock"

    def log_message(self, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        seen = Seen(self.command, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                    dict(self.headers), body)
        self.server.record(seen)
        reply = self.server.handler(seen) if self.server.handler else Reply(404, b'{"error":"no handler"}')
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.chunks is not None:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in reply.chunks:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            return
        data = reply.body if isinstance(reply.body, bytes) else orjson.dumps(reply.body) if reply.body is not None else b""
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815


class VendorMock(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[Seen] = []
        self.handler = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def start(self) -> "VendorMock":
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
