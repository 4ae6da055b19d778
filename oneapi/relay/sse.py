"""Incremental SSE / NDJSON splitting of upstream bytes, and client SSE encoding.

Lines may be of any length (a 10 MB ``data:`` line passes): bytes are appended to one buffer
and scanned only from where the previous scan stopped, so a long line costs O(n), not O(n²).
"""
from __future__ import annotations

from dataclasses import dataclass

import orjson

DONE = b"[DONE]"
KEEPALIVE = b":\n\n"


@dataclass(slots=True)
class SSEEvent:
    data: bytes
    event: str | None = None

    def json(self):
        return orjson.loads(self.data)

    @property
    def is_done(self) -> bool:
        return self.data == DONE


class SSEParser:
    """Feed raw byte chunks, get complete :class:`SSEEvent` s back.

    ``ndjson=True`` treats every non-empty line as one event (Ollama-style streams).
    """

    __slots__ = ("_buf", "_scan", "_event", "_ndjson")

    def __init__(self, ndjson: bool = False):
        self._buf = bytearray()
        self._scan = 0
        self._event: str | None = None
        self._ndjson = ndjson

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        buf = self._buf
        buf += chunk
        out: list[SSEEvent] = []
        start = 0
        pos = buf.find(b"\n", self._scan)
        while pos != -1:
            line = bytes(buf[start:pos])
            if line.endswith(b"\r"):
                line = line[:-1]
            self._line(line, out)
            start = pos + 1
            pos = buf.find(b"\n", start)
        if start:
            del buf[:start]
        self._scan = len(buf)
        return out

    def flush(self) -> list[SSEEvent]:
        """End of upstream: dispatch what is pending (a last line without newline)."""
        out: list[SSEEvent] = []
        if self._buf:
            line = bytes(self._buf).rstrip(b"\r")
            self._buf.clear()
            self._scan = 0
            self._line(line, out)
        return out

    def _line(self, line: bytes, out: list[SSEEvent]) -> None:
        if self._ndjson:
            line = line.strip()
            if line:
                if line.startswith(b"data:"):
                    line = line[5:].lstrip()
                out.append(SSEEvent(line))
            return
        if not line:
            self._event = None
        elif line.startswith(b"data:"):
            # one data line = one event (one-api reads line by line; LLM streams never use
            # multi-line data, and some servers omit the blank separator line)
            out.append(SSEEvent(line[5:].lstrip(b" "), self._event))
        elif line.startswith(b"event:"):
            self._event = line[6:].strip().decode("utf-8", "replace")
        elif line.startswith(b":"):
            return  # comment / upstream keep-alive
        elif line.startswith(b"{") or line == DONE:
            # bare JSON line without "data:" (seen on some OpenAI-compatible servers)
            out.append(SSEEvent(line, self._event))
        # id:, retry: and garbage are ignored


def encode_data(payload: bytes) -> bytes:
    return b"data: " + payload + b"\n\n"


def encode_json(obj) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


DONE_EVENT = b"data: [DONE]\n\n"
