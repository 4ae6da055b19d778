"""Incremental SSE / NDJSON splitting of upstream bytes, and client SSE encoding.

Lines may be of any length (a 10 MB ``data:`` line passes): the pieces of an unfinished line
are kept as a list and joined once when its newline arrives, so a long line costs O(n), not O(n²).
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

    __slots__ = ("_parts", "_event", "_ndjson")

    def __init__(self, ndjson: bool = False):
        self._parts: list[bytes] = []  # bytes of an unfinished line (joined once it ends)
        self._event: str | None = None
        self._ndjson = ndjson

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if b"\n" not in chunk:
            if chunk:
                self._parts.append(chunk)
            return []
        if self._parts:
            self._parts.append(chunk)
            chunk = b"".join(self._parts)
            self._parts = []
        lines = chunk.split(b"\n")
        tail = lines.pop()
        if tail:
            self._parts.append(tail)
        out: list[SSEEvent] = []
        strip_cr = b"\r" in chunk
        for line in lines:
            if strip_cr and line.endswith(b"\r"):
                line = line[:-1]
            self._line(line, out)
        return out

    def at_boundary(self) -> bool:
        """No unfinished line and no pending ``event:`` name: the next chunk starts an event."""
        return not self._parts and self._event is None

    def flush(self) -> list[SSEEvent]:
        """End of upstream: dispatch what is pending (a last line without newline)."""
        out: list[SSEEvent] = []
        if self._parts:
            line = b"".join(self._parts).rstrip(b"\r")
            self._parts = []
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


def is_plain_data_block(chunk: bytes) -> bool:
    """True when ``chunk`` is whole ``data: <line>\\n\\n`` events and nothing else (how OpenAI
    and most compatible servers frame a stream). Such a chunk is exactly what re-encoding its
    parsed events would produce, so passthrough forwards it as is: a few C-level scans instead
    of a split, an event object and a join per event. Newlines are ``2 * events``, and each
    event after the first starts right after a blank line, so any other line (comment,
    ``event:``, ``id:``, CR, a missing separator, a cut line) fails the count."""
    return (chunk.startswith(b"data: ") and chunk.endswith(b"\n\n") and b"\r" not in chunk
            and chunk.count(b"\n") == 2 * chunk.count(b"\n\ndata: ") + 2)


def plain_block_payloads(block: bytes) -> list[bytes]:
    """The event payloads of a block that passed ``is_plain_data_block`` (``data: `` cut off)."""
    return [event[6:] for event in block.split(b"\n\n") if event]


def encode_data(payload: bytes) -> bytes:
    return b"data: " + payload + b"\n\n"


def encode_json(obj) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


DONE_EVENT = b"data: [DONE]\n\n"
