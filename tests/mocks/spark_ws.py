"""A loopback WebSocket server speaking iFlytek Spark's chat protocol (RFC 6455 framing
written here, independent of the gateway's client library).

``SparkWS.script(request_json) -> list[dict]`` returns the frames to send; ``refuse_status``
refuses the upgrade with that HTTP status. Each accepted connection is recorded with its request
path, query and the request JSON.
"""
from __future__ import annotations

import base64
import hashlib
import socket
import struct
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import orjson

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass
class SparkSeen:
    path: str
    query: dict
    headers: dict
    request: dict


def _recv_exact(conn, n: int) -> bytes:
    data = b""
    while len(data) < n:
        piece = conn.recv(n - len(data))
        if not piece:
            raise ConnectionError("closed")
        data += piece
    return data


def _read_frame(conn) -> tuple[int, bytes]:
    b1, b2 = _recv_exact(conn, 2)
    opcode, masked, length = b1 & 0x0F, b2 & 0x80, b2 & 0x7F
    if length == 126:
        length = struct.unpack(">H", _recv_exact(conn, 2))[0]
    elif length == 127:
        length = struct.unpack(">Q", _recv_exact(conn, 8))[0]
    mask = _recv_exact(conn, 4) if masked else b"\0\0\0\0"
    payload = bytearray(_recv_exact(conn, length))
    for i in range(length):
        payload[i] ^= mask[i % 4]
    return opcode, bytes(payload)


def _frame(payload: bytes, opcode: int = 1) -> bytes:
    n = len(payload)
    if n < 126:
        head = struct.pack(">BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack(">BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, n)
    return head + payload


class SparkWS:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"ws://127.0.0.1:{self.sock.getsockname()[1]}"
        self.seen: list[SparkSeen] = []
        self.script = lambda request: []       # request JSON -> frames to send
        self.refuse_status: int | None = None  # refuse the WebSocket upgrade with this status
        self.handshakes: list[tuple[str, dict]] = []
        self._stop = False

    def start(self) -> "SparkWS":
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        conn.settimeout(10)
        try:
            raw = b""
            while b"\r\n\r\n" not in raw:
                piece = conn.recv(4096)
                if not piece:
                    return
                raw += piece
            head = raw.split(b"\r\n\r\n", 1)[0].decode()
            request_line, *lines = head.split("\r\n")
            target = request_line.split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines if ":" in line)}
            parts = urlsplit(target)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            self.handshakes.append((parts.path, query))
            refuse = self.refuse_status
            if refuse:
                body = b'{"message":"HMAC signature does not match"}'
                conn.sendall(f"HTTP/1.1 {refuse} Unauthorized\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
                return
            accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + _GUID).encode()).digest()).decode()
            conn.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode())
            opcode, payload = _read_frame(conn)
            request = orjson.loads(payload)
            self.seen.append(SparkSeen(parts.path, query, headers, request))
            for item in self.script(request):
                conn.sendall(_frame(orjson.dumps(item)))
            conn.sendall(_frame(struct.pack(">H", 1000), opcode=8))
        except (OSError, ConnectionError, ValueError, KeyError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass
