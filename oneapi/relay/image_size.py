"""Read image width/height from header bytes (PNG, JPEG, GIF, WEBP) without PIL.

Used for image token estimates; never downloads anything.
"""

from __future__ import annotations

import base64
import binascii
import struct

# PNG/GIF/WEBP keep their size in the first 30 bytes; JPEG needs a marker scan.
_SMALL_PREFIX_B64 = 64


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from raw image bytes, or None if the format is not recognised."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return w, h
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return w, h
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        return _webp_size(data)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    return None


# SOFn markers carry the frame size; C4 (DHT), C8 (JPG), CC (DAC) do not.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos, n = 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            pos += 1
            continue
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # standalone markers
            pos += 2
            continue
        if marker == 0xD9:
            return None
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if marker in _SOF_MARKERS:
            if pos + 9 > n:
                return None
            h, w = struct.unpack(">HH", data[pos + 5:pos + 9])
            return w, h
        pos += 2 + length
    return None


def image_size_from_url(url: str) -> tuple[int, int] | None:
    """Size of a ``data:image/...;base64,`` URL; None for remote URLs or unknown data."""
    if not url.startswith("data:"):
        return None
    head, sep, payload = url.partition(",")
    if not sep or ";base64" not in head:
        return None
    payload = payload.strip()
    try:
        # Cheap path first: the first 48 bytes are enough for PNG/GIF/WEBP.
        prefix = base64.b64decode(payload[:_SMALL_PREFIX_B64] + "=" * (-min(
            len(payload), _SMALL_PREFIX_B64) % 4))
        if prefix[:2] != b"\xff\xd8":
            return image_size(prefix)
        return image_size(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError, struct.error):
        return None
