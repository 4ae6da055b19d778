"""A small keep-alive HTTP/1.1 client for upstream calls on the relay hot path.

The response side (body framing and decoding) is ``httpresponse.Response``.

``requests``/``urllib3`` spend most of a relay request's CPU: request preparation, the
``email`` header parser of ``http.client``, and a ``poll()`` of every pooled connection before
reuse, which under gevent builds watchers and a timeout each time. This client does only what
an upstream call needs: one pooled socket per request (LIFO per host), the request written in one
``sendall``, status line + headers parsed from the first reads, a body framed by
``Content-Length``, ``chunked`` or connection close, ``gzip``/``deflate`` decoded.

Errors are ``requests`` exceptions (``ConnectionError``, ``ConnectTimeout``, ``ReadTimeout``)
so callers handle both clients alike. A pooled connection is checked with one non-blocking
``poll`` syscall before reuse; if the server closed it in the meantime and the request got
no response byte, it is sent once more on a new connection (what Go's transport does for a
server-closed idle connection). ``transport.send`` picks this client unless a proxy, a
multipart upload or a mounted transport adapter is involved.
"""
from __future__ import annotations

import os
import socket
import ssl
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import requote_uri

from .httpresponse import READ_SIZE, Response
MAX_HEAD = 256 * 1024
MAX_IDLE_PER_HOST = 256
USER_AGENT = "one-api-python/1.0"

try:  # under gevent the module-level select is patched; the original is one cheap syscall
    from gevent.monkey import get_original as _get_original

    _poll = _get_original("select", "poll")
except ImportError:  # pragma: no cover - gevent is a dependency
    from select import poll as _poll
from select import POLLERR, POLLHUP, POLLIN  # noqa: E402


def readable_now(sock) -> bool:
    """True when ``sock`` has data, EOF or an error waiting (non-blocking ``poll``, no
    event-loop machinery, any descriptor number)."""
    try:
        p = _poll()
        p.register(sock.fileno(), POLLIN | POLLERR | POLLHUP)
        return bool(p.poll(0))
    except (OSError, ValueError):
        return True


class _Conn:
    __slots__ = ("sock", "key", "buf")

    def __init__(self, sock, key):
        self.sock = sock
        self.key = key
        self.buf = b""

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class _Pool:
    def __init__(self):
        self.pid = os.getpid()
        self.idle: dict[tuple, list[_Conn]] = {}
        self.ssl_context: ssl.SSLContext | None = None

    def take(self, key) -> _Conn | None:
        conns = self.idle.get(key)
        while conns:
            conn = conns.pop()
            if conn.buf or readable_now(conn.sock):  # closed by the server (or stray bytes)
                conn.close()
                continue
            return conn
        return None

    def give(self, conn: _Conn) -> None:
        conns = self.idle.setdefault(conn.key, [])
        if len(conns) < MAX_IDLE_PER_HOST:
            conns.append(conn)
        else:
            conn.close()

    def tls(self) -> ssl.SSLContext:
        if self.ssl_context is None:
            try:
                import certifi

                self.ssl_context = ssl.create_default_context(cafile=certifi.where())
            except ImportError:  # pragma: no cover - certifi comes with requests
                self.ssl_context = ssl.create_default_context()
        return self.ssl_context


_pool: _Pool | None = None
_targets: dict[str, tuple] = {}


def pool() -> _Pool:
    global _pool
    p = _pool
    if p is None or p.pid != os.getpid():  # a forked worker never shares its parent's sockets
        p = _pool = _Pool()
    return p


def _target(url: str) -> tuple:
    """(scheme, host, port, request target, Host header) of ``url``, cached."""
    t = _targets.get(url)
    if t is not None:
        return t
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise requests.exceptions.InvalidURL(f"invalid upstream URL: {url!r}")
    host = parts.hostname
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise requests.exceptions.InvalidURL(f"invalid port in upstream URL: {url!r}") from None
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == (443 if scheme == "https" else 80) else f"{shown}:{port}"
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    path = requote_uri(path)  # like requests: spaces and non-ASCII percent-encoded, %XX kept
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
        shown = f"[{host}]" if ":" in host else host
        host_header = shown if port == (443 if scheme == "https" else 80) else f"{shown}:{port}"
    t = (scheme, host, port, path, host_header)
    if len(_targets) > 4096:
        _targets.clear()
    _targets[url] = t
    return t


def _connect(key: tuple, connect_timeout: float | None) -> _Conn:
    scheme, host, port = key
    try:
        sock = socket.create_connection((host, port), timeout=connect_timeout)
    except socket.timeout as err:
        raise requests.exceptions.ConnectTimeout(f"connect to {host}:{port} timed out") from err
    except OSError as err:
        raise requests.exceptions.ConnectionError(f"connect to {host}:{port} failed: {err}") from err
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if scheme == "https":
            sock = pool().tls().wrap_socket(sock, server_hostname=host)
    except ssl.SSLError as err:
        sock.close()
        raise requests.exceptions.SSLError(f"TLS handshake with {host}:{port} failed: {err}") from err
    except socket.timeout as err:
        sock.close()
        raise requests.exceptions.ConnectTimeout(f"TLS handshake with {host}:{port} timed out") from err
    except OSError as err:
        sock.close()
        raise requests.exceptions.ConnectionError(f"connect to {host}:{port} failed: {err}") from err
    return _Conn(sock, key)


def _head(method: str, path: str, host_header: str, headers: dict, body_len: int | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1\r\nHost: {host_header}\r\n"]
    seen = set()
    for name, value in headers.items():
        if value is None:
            continue
        lower = name.lower()
        if lower in ("host", "content-length", "transfer-encoding", "connection"):
            continue
        seen.add(lower)
        value = str(value)
        if "\n" in value or "\r" in value or "\n" in name or "\r" in name:
            raise requests.exceptions.InvalidHeader(f"invalid header {name!r}: line breaks are not allowed")
        lines.append(f"{name}: {value}\r\n")
    if "user-agent" not in seen:
        lines.append(f"User-Agent: {USER_AGENT}\r\n")
    if "accept-encoding" not in seen:
        lines.append("Accept-Encoding: gzip\r\n")
    if body_len is not None:
        lines.append(f"Content-Length: {body_len}\r\n")
    lines.append("\r\n")
    return "".join(lines).encode("latin-1", "replace")


class _NoResponse(Exception):
    """A reused connection closed before answering (safe to send again on a new one)."""


def request(method: str, url: str, *, headers: dict, body: bytes | None, connect_timeout: float | None,
            read_timeout: float | None) -> Response:
    scheme, host, port, path, host_header = _target(url)
    method = method.upper()
    if body is None and method in ("POST", "PUT", "PATCH"):
        body = b""
    head = _head(method, path, host_header, headers, None if body is None else len(body))
    payload = head + body if body and len(body) <= 65536 else head
    key = (scheme, host, port)
    p = pool()
    for attempt in (0, 1):
        conn = p.take(key) if attempt == 0 else None
        reused = conn is not None
        if conn is None:
            conn = _connect(key, connect_timeout)
        try:
            conn.sock.settimeout(read_timeout)
            conn.sock.sendall(payload)
            if payload is head and body:
                conn.sock.sendall(body)
            resp = _read_head(conn, method, url, reused)
            resp.read_timeout = read_timeout
            return resp
        except _NoResponse:
            conn.close()
            continue
        except requests.RequestException:  # (an OSError subclass: must come first) never resent
            conn.close()
            raise
        except socket.timeout as err:
            conn.close()
            raise requests.exceptions.ReadTimeout(f"upstream {host}:{port} read timed out") from err
        except (OSError, ssl.SSLError) as err:
            conn.close()
            if reused:  # the idle connection died under us: one fresh attempt
                continue
            raise requests.exceptions.ConnectionError(f"upstream {host}:{port}: {err}") from err
    raise requests.exceptions.ConnectionError(f"upstream {host}:{port} closed the connection")


def _read_head(conn: _Conn, method: str, url: str, reused: bool) -> Response:
    buf = conn.buf
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > MAX_HEAD:
                raise requests.exceptions.ConnectionError("upstream response headers too large")
            data = conn.sock.recv(READ_SIZE)
            if not data:
                if not buf and reused:
                    raise _NoResponse()
                raise requests.exceptions.ConnectionError("upstream closed the connection before answering")
            buf += data
            continue
        head, buf = buf[:end], buf[end + 4:]
        lines = head.split(b"\r\n")
        status_line = lines[0].split(None, 2)
        if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/"):
            raise requests.exceptions.ConnectionError(f"upstream sent an invalid status line: {lines[0][:100]!r}")
        try:
            status = int(status_line[1])
        except ValueError:
            raise requests.exceptions.ConnectionError(
                f"upstream sent an invalid status line: {lines[0][:100]!r}") from None
        if 100 <= status < 200 and status != 101:
            continue  # interim response (100 Continue, 103 Early Hints): the real one follows
        headers = CaseInsensitiveDict()
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                continue
            name_s = name.strip().decode("latin-1")
            value_s = value.strip().decode("latin-1")
            prev = headers.get(name_s)
            headers[name_s] = value_s if prev is None else prev + ", " + value_s
        conn.buf = buf
        reason = status_line[2].decode("latin-1", "replace") if len(status_line) > 2 else ""
        return Response(conn, status, reason, headers, status_line[0] == b"HTTP/1.0", method, url, pool().give)


__all__ = ["Response", "pool", "readable_now", "request"]
