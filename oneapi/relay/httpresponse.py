"""The response side of ``httpclient``: body framing (Content-Length, chunked, close) and decoding
(gzip/deflate), read straight from the pooled socket, with the parts of ``requests.Response``
the relay uses (``status_code``, ``headers``, ``content``, ``json()``, ``close()``)."""
from __future__ import annotations

import socket
import ssl
import zlib

import orjson
import requests
from requests.structures import CaseInsensitiveDict

READ_SIZE = 64 * 1024


class Response:
    """The parts of ``requests.Response`` the relay uses, reading straight from the socket."""

    def __init__(self, conn, status: int, reason: str, headers: CaseInsensitiveDict, http10: bool,
                 method: str, url: str, give):
        self._conn = conn  # has .sock and .buf (bytes read past what was consumed)
        self._give = give  # hands a reusable connection back to its pool
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.url = url
        self._content: bytes | None = None
        connection = headers.get("Connection", "").lower()
        self._keep = ("keep-alive" in connection) if http10 else ("close" not in connection)
        te = headers.get("Transfer-Encoding", "").lower()
        length = headers.get("Content-Length")
        self._chunked = "chunked" in te
        self._left: int | None = None  # bytes left of a Content-Length body
        self._chunk_left = 0  # bytes left of the current chunk (-1: last chunk seen, trailers next)
        self._need_crlf = False  # the CRLF closing the previous chunk is still unread
        self._pieces = 0  # chunked pieces handed on so far
        self.read_timeout: float | None = None
        self._done = False
        if method == "HEAD" or status in (204, 304):
            self._done = True
        elif not self._chunked:
            if length is not None:
                try:
                    self._left = int(length.split(",")[0])
                except ValueError:
                    self._keep = False
                if self._left is not None and self._left <= 0:
                    self._left = 0
                    self._done = True
            else:
                self._keep = False  # delimited by close
        encoding = headers.get("Content-Encoding", "").lower().strip()
        self._decoder = (zlib.decompressobj(32 + zlib.MAX_WBITS) if encoding in ("gzip", "x-gzip")
                         else zlib.decompressobj() if encoding == "deflate" else None)
        if self._done:
            self._release()

    ok = property(lambda self: self.status_code < 400)

    # ------------------------------------------------------------------ body
    def _recv(self) -> bytes:
        conn = self._conn
        if conn.buf:
            data, conn.buf = conn.buf, b""
            return data
        return conn.sock.recv(READ_SIZE)

    def _next_raw(self) -> bytes:
        """Next piece of the (still encoded) body; b"" at its end."""
        if self._done or self._conn is None:
            return b""
        if self._chunked:
            return self._next_chunk()
        data = self._recv()
        if self._left is None:
            if not data:
                self._done = True
                self._release()
            return data
        if not data:
            raise requests.exceptions.ChunkedEncodingError(
                f"upstream closed the connection with {self._left} body bytes missing")
        if len(data) >= self._left:
            data, self._conn.buf = data[:self._left], data[self._left:]
            self._left = 0
            self._done = True
            self._release()
            return data
        self._left -= len(data)
        return data

    def _fill_line(self) -> bytes:
        conn = self._conn
        while True:
            idx = conn.buf.find(b"\r\n")
            if idx >= 0:
                line, conn.buf = conn.buf[:idx], conn.buf[idx + 2:]
                return line
            if len(conn.buf) > 65536:
                raise requests.exceptions.ChunkedEncodingError("upstream chunk header too long")
            data = conn.sock.recv(READ_SIZE)
            if not data:
                raise requests.exceptions.ChunkedEncodingError("upstream closed the connection inside a chunk")
            conn.buf += data

    def _next_chunk(self) -> bytes:
        """Data of the next chunk, plus every further chunk already buffered (a fast upstream's
        burst is handed on in one piece). Blocks on the socket only while nothing is decoded
        yet, and every step leaves the state consistent if a recv times out (streams poll with
        a short timeout to send keep-alives while the upstream is idle). The buffer is walked
        with an offset and cut once at the end (no copy per chunk)."""
        conn = self._conn
        out: list[bytes] = []
        buf = conn.buf
        pos = 0
        try:
            while True:
                if self._need_crlf:  # the CRLF closing the previous chunk
                    if len(buf) - pos < 2:
                        if out:
                            break
                        buf, pos = self._recv_more(conn, buf, pos)
                        continue
                    pos += 2
                    self._need_crlf = False
                if self._chunk_left == 0:
                    idx = buf.find(b"\r\n", pos)
                    if idx < 0:
                        if out:
                            break
                        if len(buf) - pos > 65536:
                            raise requests.exceptions.ChunkedEncodingError("upstream chunk header too long")
                        buf, pos = self._recv_more(conn, buf, pos)
                        continue
                    size_line = buf[pos:idx]
                    try:
                        size = int(size_line.split(b";", 1)[0].strip(), 16)
                    except ValueError:
                        raise requests.exceptions.ChunkedEncodingError(
                            f"invalid chunk size {size_line[:40]!r}") from None
                    pos = idx + 2
                    self._chunk_left = size if size > 0 else -1
                if self._chunk_left < 0:  # last chunk seen
                    if out:
                        break  # hand on the data first; the trailers are read by the next call
                    conn.buf, buf, pos = buf[pos:], b"", 0
                    while self._fill_line():  # trailers up to the empty line
                        pass
                    self._done = True
                    self._release()
                    return b""
                avail = len(buf) - pos
                if not avail:
                    if out:
                        break
                    buf, pos = self._recv_more(conn, buf, pos)
                    continue
                take = self._chunk_left if self._chunk_left < avail else avail
                out.append(buf[pos:pos + take] if pos or take != len(buf) else buf)
                pos += take
                self._chunk_left -= take
                if self._chunk_left == 0:
                    self._need_crlf = True
                    if not self._pieces:  # the first chunk goes out alone: first token first
                        break
        finally:
            if buf:  # (the trailers branch hands the buffer back itself)
                conn.buf = buf[pos:] if pos else buf
        self._pieces += 1
        return out[0] if len(out) == 1 else b"".join(out)

    @staticmethod
    def _recv_more(conn, buf: bytes, pos: int) -> tuple[bytes, int]:
        """Append one recv to the unconsumed rest of ``buf``; a timeout loses nothing (the
        caller's ``finally`` stores the rest back)."""
        more = conn.sock.recv(READ_SIZE)
        if not more:
            raise requests.exceptions.ChunkedEncodingError("upstream closed the connection inside a chunk")
        return (buf[pos:] + more if pos < len(buf) else more), 0

    def read_piece(self, idle_ok: bool = False) -> bytes | None:
        """Next decoded piece of the body as the socket delivers it; b"" at the end.
        Errors are ``requests`` exceptions; a socket timeout is ``ReadTimeout``, or ``None``
        with ``idle_ok`` (nothing consumed: call again)."""
        while True:
            try:
                raw = self._next_raw()
            except socket.timeout as err:
                if idle_ok:
                    return None
                self.abort()
                raise requests.exceptions.ReadTimeout("upstream read timed out") from err
            except requests.RequestException:
                self.abort()
                raise
            except (OSError, ssl.SSLError) as err:
                self.abort()
                raise requests.exceptions.ConnectionError(f"upstream read failed: {err}") from err
            if self._decoder is None:
                return raw
            if not raw:
                tail = self._decoder.flush()
                self._decoder = None
                return tail
            try:
                out = self._decoder.decompress(raw)
            except zlib.error as err:
                self.abort()
                raise requests.exceptions.ContentDecodingError(f"upstream body is not valid gzip: {err}") from err
            if out:
                return out

    def iter_pieces(self):
        while True:
            piece = self.read_piece()
            if not piece:
                return
            yield piece

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` decoded body bytes (the rest is dropped with the connection)."""
        parts, size = [], 0
        while size < limit:
            piece = self.read_piece()
            if not piece:
                break
            parts.append(piece)
            size += len(piece)
        return b"".join(parts)[:limit]

    @property
    def content(self) -> bytes:
        if self._content is None:
            first = self.read_piece()
            if self._done and self._decoder is None:  # the whole body came in one piece: no join
                self._content = first
            else:  # (a decoder may still hold a flushed tail after the last raw bytes)
                self._content = b"".join([first, *self.iter_pieces()])
        return self._content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        return orjson.loads(self.content)

    # ------------------------------------------------------------------ connection
    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._keep:
            self._give(conn)
        else:
            conn.close()

    def close(self) -> None:
        """Done with the response: a fully read body hands the connection back to the pool."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()  # body not fully read: the connection cannot be reused

    def abort(self) -> None:
        """Drop the connection now (also unblocks a reader waiting on it)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def settimeout(self, seconds: float | None) -> None:
        if self._conn is not None:
            self._conn.sock.settimeout(seconds)

    @property
    def finished(self) -> bool:
        return self._done


__all__ = ["READ_SIZE", "Response"]
