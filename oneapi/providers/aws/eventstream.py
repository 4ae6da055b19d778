"""AWS binary eventstream (``application/vnd.amazon.eventstream``) → :class:`SSEEvent` s.

Frame: total length (u32 BE), headers length (u32), prelude CRC32, headers, payload,
message CRC32. Headers: name length (u8), name, value type (u8), value. Bedrock sends
``:message-type`` ``event`` (``:event-type`` e.g. ``chunk``, ``contentBlockDelta``) or
``exception`` (``:exception-type``) frames with JSON payloads.

:class:`EventStreamParser` has the ``SSEParser`` interface (``feed`` / ``flush``) so the
pipeline can use it in place of the SSE splitter; ``payload_decoder`` maps one frame to the
JSON bytes the stream decoder expects.
"""
from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Callable

from ...relay.sse import SSEEvent

MAX_FRAME = 16 * 1024 * 1024


class EventStreamError(ValueError):
    pass


@dataclass(slots=True)
class Frame:
    headers: dict = field(default_factory=dict)
    payload: bytes = b""

    @property
    def message_type(self) -> str:
        return str(self.headers.get(":message-type") or "event")

    @property
    def event_type(self) -> str:
        return str(self.headers.get(":event-type") or self.headers.get(":exception-type") or "")


def _headers(data: bytes) -> dict:
    out: dict = {}
    pos, end = 0, len(data)
    while pos < end:
        n = data[pos]
        name = data[pos + 1:pos + 1 + n].decode("utf-8", "replace")
        pos += 1 + n
        kind = data[pos]
        pos += 1
        if kind in (0, 1):
            value = kind == 0
        elif kind == 2:
            value = struct.unpack_from(">b", data, pos)[0]
            pos += 1
        elif kind == 3:
            value = struct.unpack_from(">h", data, pos)[0]
            pos += 2
        elif kind == 4:
            value = struct.unpack_from(">i", data, pos)[0]
            pos += 4
        elif kind in (5, 8):
            value = struct.unpack_from(">q", data, pos)[0]
            pos += 8
        elif kind in (6, 7):
            length = struct.unpack_from(">H", data, pos)[0]
            raw = data[pos + 2:pos + 2 + length]
            value = raw.decode("utf-8", "replace") if kind == 7 else raw
            pos += 2 + length
        elif kind == 9:
            value = data[pos:pos + 16]
            pos += 16
        else:
            raise EventStreamError(f"eventstream: unknown header value type {kind}")
        out[name] = value
    return out


class FrameDecoder:
    """Incremental frame splitter with CRC checks."""

    __slots__ = ("_buf",)

    def __init__(self):
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> list[Frame]:
        self._buf += chunk
        frames: list[Frame] = []
        buf = self._buf
        while len(buf) >= 12:
            total, hlen, pcrc = struct.unpack_from(">III", buf, 0)
            if zlib.crc32(bytes(buf[:8])) != pcrc:
                raise EventStreamError("eventstream: prelude checksum mismatch")
            if total < 16 or total > MAX_FRAME or hlen > total - 16:
                raise EventStreamError(f"eventstream: bad frame length {total}")
            if len(buf) < total:
                break
            frame = bytes(buf[:total])
            del buf[:total]
            if zlib.crc32(frame[:-4]) != struct.unpack(">I", frame[-4:])[0]:
                raise EventStreamError("eventstream: message checksum mismatch")
            frames.append(Frame(_headers(frame[12:12 + hlen]), frame[12 + hlen:-4]))
        return frames

    @property
    def pending(self) -> int:
        return len(self._buf)


class EventStreamParser:
    """``SSEParser``-compatible: raw bytes in, ``SSEEvent(data=<json>, event=<type>)`` out.

    ``payload_decoder(frame) -> (event name, json bytes) | None``. A broken frame becomes an
    ``error`` event (the decoder turns it into an in-stream error) and ends decoding.
    """

    __slots__ = ("_frames", "_decode", "_broken")

    def __init__(self, payload_decoder: Callable[[Frame], tuple[str, bytes] | None]):
        self._frames = FrameDecoder()
        self._decode = payload_decoder
        self._broken = False

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if self._broken:
            return []
        try:
            frames = self._frames.feed(chunk)
        except EventStreamError as err:
            self._broken = True
            return [SSEEvent(_error_json("eventstream_error", str(err)), "error")]
        out = []
        for frame in frames:
            item = self._decode(frame)
            if item is not None:
                out.append(SSEEvent(item[1], item[0]))
        return out

    def flush(self) -> list[SSEEvent]:
        if not self._broken and self._frames.pending:
            self._broken = True
            return [SSEEvent(_error_json("eventstream_error", "eventstream: truncated frame at end of stream"),
                             "error")]
        return []


def _error_json(kind: str, message: str) -> bytes:
    import orjson

    return orjson.dumps({"type": "error", "error": {"type": kind, "message": message}})

