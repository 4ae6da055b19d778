"""Helpers for converter tests: fixture loading, deterministic ids, SSE parsing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "convert"


def load_cases(direction: str) -> list:
    """pytest params (one per fixture file) for ``tests/fixtures/convert/<direction>/*.json``."""
    files = sorted((FIXTURES / direction).glob("*.json"))
    assert files, f"no fixtures for {direction}"
    return [pytest.param(json.loads(f.read_text()), id=f.stem) for f in files]


class Ids:
    """Deterministic ``new_id``: returns "1", "2", ..."""

    def __init__(self):
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return str(self.n)


def parse_sse(raw: list[bytes] | bytes) -> list[list]:
    """Split encoder output into ``[event, data]`` pairs, checking the framing."""
    data = b"".join(raw) if isinstance(raw, list) else raw
    assert data.endswith(b"\n\n")
    events = []
    for frame in data.decode().split("\n\n")[:-1]:
        lines = frame.split("\n")
        assert len(lines) == 2 and lines[0].startswith("event: ") and lines[1].startswith("data: "), frame
        payload = json.loads(lines[1][6:])
        assert payload["type"] == lines[0][7:]
        events.append([lines[0][7:], payload])
    return events


@pytest.fixture
def ids():
    return Ids()


class _Canned:
    """A tiny threaded HTTP server on 127.0.0.1 answering every POST with canned bytes."""

    def __init__(self):
        import http.server
        import threading

        canned = self
        self.status, self.content_type, self.body, self.requests = 200, "application/json", b"", []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length") or 0)
                canned.requests.append((self.path, json.loads(self.rfile.read(length) or b"null")))
                self.send_response(canned.status)
                self.send_header("Content-Type", canned.content_type)
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def reply(self, body: bytes | dict, status: int = 200, stream: bool = False):
        self.status = status
        self.content_type = "text/event-stream" if stream else "application/json"
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canned():
    server = _Canned()
    yield server
    server.close()
