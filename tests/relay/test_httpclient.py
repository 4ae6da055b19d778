"""The keep-alive upstream HTTP client (``relay.httpclient``) and the ``transport`` helpers on top
of it, against raw-socket HTTP servers on 127.0.0.1: the tests control the exact bytes, how they
are split across TCP writes, pauses, and when connections are closed or reset."""
from __future__ import annotations

import gzip
import hashlib
import os
import socket
import struct
import threading
import time
import zlib

import pytest
import requests

from oneapi.relay import httpclient, transport

TIMEOUT = 3.0


# ---------------------------------------------------------------------------- raw server


class Req:
    def __init__(self, conn_index: int, method: str, target: str, headers: list, body: bytes, line: str = ""):
        self.conn_index = conn_index
        self.line = line  # the request line as sent
        self.method = method
        self.target = target
        self.headers = headers  # [(name, value)] as sent, in order
        self.body = body

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def header(self, name: str):
        values = self.all(name)
        assert len(values) <= 1, f"header {name} sent {len(values)} times: {values}"
        return values[0] if values else None


class Peer:
    """One accepted connection on the server side."""

    def __init__(self, server: "RawServer", sock: socket.socket, index: int):
        self.server = server
        self.sock = sock
        self.index = index
        self.buf = b""

    def _recv(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return b""

    def read_request(self) -> Req | None:
        """The next full request (head + Content-Length body), or None on EOF."""
        while b"\r\n\r\n" not in self.buf:
            data = self._recv()
            if not data:
                return None
            self.buf += data
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        method, _, rest = lines[0].partition(" ")
        target = rest.rsplit(" ", 1)[0]
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        length = int(next((v for n, v in headers if n.lower() == "content-length"), "0"))
        while len(self.buf) < length:
            data = self._recv()
            if not data:
                return None
            self.buf += data
        body, self.buf = self.buf[:length], self.buf[length:]
        req = Req(self.index, method, target, headers, body, lines[0])
        with self.server.lock:
            self.server.requests.append(req)
        return req

    def send(self, *parts: bytes, gap: float = 0.0) -> None:
        for i, part in enumerate(parts):
            self.sock.sendall(part)
            if gap and i < len(parts) - 1:
                self.sleep(gap)

    def sleep(self, seconds: float) -> None:
        self.server.stop_event.wait(seconds)

    def wait_closed(self, timeout: float = 2.5) -> bool:
        """True when the client closed/reset the connection within ``timeout`` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        except OSError:
            return True

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def reset(self) -> None:
        """Close with an RST instead of a FIN."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()


class RawServer:
    def __init__(self, handler):
        self.handler = handler
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(32)
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.accepts = 0
        self.requests: list[Req] = []
        self.errors: list[BaseException] = []
        self.events: dict[str, threading.Event] = {}
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def event(self, name: str) -> threading.Event:
        with self.lock:
            return self.events.setdefault(name, threading.Event())

    def _accept_loop(self) -> None:
        deadline = time.monotonic() + 20
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            sock.settimeout(5)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                index = self.accepts
                self.accepts += 1
                self._socks.append(sock)
            thread = threading.Thread(target=self._run, args=(Peer(self, sock, index),), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, peer: Peer) -> None:
        try:
            self.handler(peer)
        except Exception as err:  # noqa: BLE001 - reported by the fixture
            if not self.stop_event.is_set():
                self.errors.append(err)
        finally:
            peer.close()

    def requests_on(self, index: int) -> list[str]:
        with self.lock:
            return [r.target for r in self.requests if r.conn_index == index]

    def stop(self) -> None:
        self.stop_event.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self._socks)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass
        self._acceptor.join(2)
        for thread in self._threads:
            thread.join(2)


def response(body: bytes = b"", status: str = "200 OK", headers: tuple = (), version: str = "HTTP/1.1") -> bytes:
    head = f"{version} {status}\r\n" + "".join(f"{h}\r\n" for h in headers)
    return head.encode("latin-1") + b"Content-Length: %d\r\n\r\n" % len(body) + body


def chunk(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


def echo_target(req: Req) -> bytes:
    return response(b"body of " + req.target.encode())


def keep_alive(respond=echo_target):
    """A handler answering every request of a connection with ``respond(req)``."""

    def handler(peer: Peer) -> None:
        while True:
            req = peer.read_request()
            if req is None:
                return
            peer.send(respond(req))

    return handler


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def fresh_pool(monkeypatch):
    """Every test starts with an empty connection pool; its idle sockets are closed afterwards."""
    monkeypatch.setattr(httpclient, "_pool", None)
    yield
    p = httpclient._pool
    if p is not None:
        for conns in p.idle.values():
            for conn in conns:
                conn.close()
        p.idle.clear()


@pytest.fixture
def start_server():
    servers: list[RawServer] = []

    def start(handler) -> RawServer:
        server = RawServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    for server in servers:
        assert not server.errors, f"server handler failed: {server.errors!r}"


def get(url: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None,
        timeout: float = TIMEOUT) -> httpclient.Response:
    return httpclient.request(method, url, headers=headers or {}, body=body, connect_timeout=timeout,
                              read_timeout=timeout)


def idle_count(server: RawServer) -> int:
    return len(httpclient.pool().idle.get(("http", "127.0.0.1", server.port), []))


def wait_until(predicate, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


# ---------------------------------------------------------------------------- 1. Content-Length


def test_content_length_status_reason_headers(start_server):
    body = b'{"ok": true, "n": 1}'

    def respond(req):
        return response(body, status="418 I'm a teapot", headers=(
            "Content-Type: application/json", "X-Multi: a", "x-multi: b", "X-MULTI:   c  ", "X-Empty:"))

    server = start_server(keep_alive(respond))
    resp = get(server.url + "/v1/models?x=1&y=2")
    assert resp.status_code == 418
    assert resp.reason == "I'm a teapot"
    assert resp.ok is False
    assert resp.headers["CONTENT-TYPE"] == "application/json"
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["x-multi"] == "a, b, c"
    assert resp.headers["X-Empty"] == ""
    assert resp.headers["Content-Length"] == str(len(body))
    assert resp.content == body
    assert resp.text == body.decode()
    assert resp.json() == {"ok": True, "n": 1}
    assert resp.finished
    assert resp.url == server.url + "/v1/models?x=1&y=2"
    [req] = server.requests
    assert req.method == "GET" and req.target == "/v1/models?x=1&y=2"
    assert req.header("Content-Length") is None  # no body, no length for a GET
    assert req.header("Connection") is None  # HTTP/1.1 keep-alive is the default


def test_status_line_without_reason_and_bare_path(start_server):
    server = start_server(keep_alive(lambda req: b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"))
    resp = get(server.url)
    assert (resp.status_code, resp.reason, resp.content, resp.ok) == (200, "", b"ok", True)
    assert server.requests[0].target == "/"


@pytest.mark.parametrize("req_size", [0, 10, 65536, 65537, 300_000])
def test_large_request_and_response_bodies(start_server, req_size):
    tail = bytes(range(256)) * 800  # 204800 bytes

    def handler(peer):
        while True:
            req = peer.read_request()
            if req is None:
                return
            out = hashlib.sha256(req.body).hexdigest().encode() + tail
            data = response(out)
            peer.send(*[data[i:i + 50_000] for i in range(0, len(data), 50_000)])

    server = start_server(handler)
    body = (b"0123456789abcdef" * (req_size // 16 + 1))[:req_size]
    for _ in range(2):  # the second one on the same connection
        resp = get(server.url + "/upload", method="POST", headers={"Content-Type": "application/octet-stream"},
                   body=body)
        assert resp.status_code == 200
        assert resp.content == hashlib.sha256(body).hexdigest().encode() + tail
    assert [r.body for r in server.requests] == [body, body]
    assert [r.header("content-length") for r in server.requests] == [str(req_size)] * 2
    assert server.accepts == 1


def test_post_without_body_sends_content_length_zero(start_server):
    server = start_server(keep_alive())
    for method in ("POST", "PUT", "PATCH", "GET", "DELETE"):
        assert get(server.url + "/" + method, method=method.lower()).content == b"body of /" + method.encode()
    lengths = {r.method: r.header("Content-Length") for r in server.requests}
    assert lengths == {"POST": "0", "PUT": "0", "PATCH": "0", "GET": None, "DELETE": None}
    assert server.accepts == 1


# ---------------------------------------------------------------------------- 2. chunked


def _chunked_wire_awkward() -> list[bytes]:
    # a 16-byte chunk whose size line "10" is split, its CRLF split, a chunk extension, trailers
    return [CHUNKED_HEAD[:20], CHUNKED_HEAD[20:], b"1", b"0\r", b"\n", b"0123456789", b"abcdef", b"\r", b"\n5;ext=1",
            b"\r\nhel", b"lo\r\n", b"0\r\nX-Trailer: yes\r", b"\nX-Other: 2\r\n", b"\r", b"\n"]


def _chunked_wire_bytewise() -> list[bytes]:
    wire = CHUNKED_HEAD + chunk(b"0123456789abcdef") + b"5;ext=1\r\nhello\r\n" + b"0\r\nX-Trailer: yes\r\n\r\n"
    return [wire[i:i + 1] for i in range(len(wire))]


@pytest.mark.parametrize("wire", [_chunked_wire_awkward, _chunked_wire_bytewise])
@pytest.mark.parametrize("reader", ["content", "raw_chunks", "iter_stream"])
def test_chunked_split_at_awkward_places(start_server, wire, reader):
    pieces = wire()

    def handler(peer):
        assert peer.read_request().target == "/stream"
        peer.send(*pieces, gap=0.003 if len(pieces) > 50 else 0.02)
        req = peer.read_request()  # the connection must be reusable: framing consumed exactly
        if req is not None:
            peer.send(response(b"second"))
            peer.read_request()

    server = start_server(handler)
    resp = transport.send("GET", server.url + "/stream", headers={}, stream=True)
    assert resp.status_code == 200
    assert resp.headers["transfer-encoding"] == "chunked"
    if reader == "content":
        body = resp.content
    elif reader == "raw_chunks":
        body = b"".join(transport.raw_chunks(resp))
    else:
        items = list(transport.iter_stream(resp, keepalive=1.0))
        assert transport.KEEPALIVE not in items
        body = b"".join(items)
    assert body == b"0123456789abcdefhello"
    assert resp.finished
    assert get(server.url + "/next").content == b"second"
    assert server.accepts == 1


def test_chunked_wins_over_content_length(start_server):
    wire = (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunk(b"abcdef") + b"0\r\n\r\n")
    server = start_server(keep_alive(lambda req: wire if req.target == "/c" else echo_target(req)))
    assert get(server.url + "/c").content == b"abcdef"
    assert get(server.url + "/d").content == b"body of /d"
    assert server.accepts == 1


def test_interim_100_continue_is_skipped(start_server):
    def respond(req):
        return (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                + response(b"final", headers=("X-Final: 1",)))

    server = start_server(keep_alive(respond))
    resp = get(server.url + "/x", method="POST", body=b"{}")
    assert (resp.status_code, resp.headers.get("X-Final"), resp.headers.get("Link"), resp.content) == \
        (200, "1", None, b"final")


# ---------------------------------------------------------------------------- 3. close-delimited


def test_close_delimited_body_read_to_eof_and_not_reused(start_server):
    def handler(peer):
        req = peer.read_request()
        if req is None:
            return
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", b"first part, ",
                  b"second part of " + req.target.encode(), gap=0.05)
        # closing ends the body

    server = start_server(handler)
    resp = get(server.url + "/a")
    assert resp.content == b"first part, second part of /a"
    assert resp.finished
    assert idle_count(server) == 0
    assert get(server.url + "/b").content == b"first part, second part of /b"
    assert server.accepts == 2


def test_close_delimited_stream_through_raw_chunks(start_server):
    def handler(peer):
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\n\r\n", b"x" * 70_000, b"y" * 10, gap=0.05)

    server = start_server(handler)
    resp = transport.send("GET", server.url + "/", headers={}, stream=True)
    pieces = list(transport.raw_chunks(resp))
    assert b"".join(pieces) == b"x" * 70_000 + b"y" * 10
    assert len(pieces) >= 2  # delivered as the socket delivers, not buffered to the end


@pytest.mark.parametrize("connection_header, reused", [(None, False), ("Connection: keep-alive", True)])
def test_http10_response_keep_alive_only_when_announced(start_server, connection_header, reused):
    headers = (connection_header,) if connection_header else ()
    server = start_server(keep_alive(lambda req: response(b"ten " + req.target.encode(), headers=headers,
                                                         version="HTTP/1.0")))
    assert get(server.url + "/1").content == b"ten /1"
    assert get(server.url + "/2").content == b"ten /2"
    assert server.accepts == (1 if reused else 2)


# ---------------------------------------------------------------------------- 4. no-body responses


@pytest.mark.parametrize("method, first", [
    ("GET", b"HTTP/1.1 204 No Content\r\nContent-Type: application/json\r\n\r\n"),
    ("GET", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"),
    ("HEAD", b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
    ("HEAD", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
    ("GET", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
], ids=["204", "304", "HEAD-length", "HEAD-chunked", "length-0"])
def test_bodyless_responses_reuse_the_connection(start_server, method, first):
    server = start_server(keep_alive(lambda req: first if req.target == "/first" else echo_target(req)))
    started = time.monotonic()
    resp = get(server.url + "/first", method=method)
    assert resp.finished
    assert resp.content == b""
    assert time.monotonic() - started < 1.0  # nothing waited for a body that never comes
    assert idle_count(server) == 1
    assert get(server.url + "/second").content == b"body of /second"
    assert server.accepts == 1
    assert [r.method for r in server.requests] == [method, "GET"]


# ---------------------------------------------------------------------------- 5. keep-alive


def test_sequential_requests_share_one_connection(start_server):
    server = start_server(keep_alive())
    for i in range(5):
        resp = get(server.url + f"/r{i}")
        assert resp.content == f"body of /r{i}".encode()
    assert server.accepts == 1
    assert server.requests_on(0) == [f"/r{i}" for i in range(5)]
    assert idle_count(server) == 1


def test_connection_close_answer_is_not_reused(start_server):
    def respond(req):
        headers = ("Connection: close",) if req.target == "/close" else ()
        return response(b"ok " + req.target.encode(), headers=headers)

    closed = []

    def handler(peer):
        while True:
            req = peer.read_request()
            if req is None:
                closed.append(peer.index)  # the client, not the server, closed it
                return
            peer.send(respond(req))

    server = start_server(handler)
    assert get(server.url + "/close").content == b"ok /close"
    assert idle_count(server) == 0
    assert get(server.url + "/next").content == b"ok /next"
    assert server.accepts == 2
    assert server.requests_on(0) == ["/close"] and server.requests_on(1) == ["/next"]
    assert wait_until(lambda: 0 in closed)


def test_unread_response_closed_is_not_pooled(start_server):
    server = start_server(keep_alive(lambda req: response(b"z" * 200_000)))
    resp = transport.send("GET", server.url + "/big", headers={}, stream=True)
    resp.close()
    assert idle_count(server) == 0
    assert get(server.url + "/small").content == b"z" * 200_000
    assert server.accepts == 2


# ---------------------------------------------------------------------------- 6. server-closed pooled connections


def test_idle_connection_closed_by_server_is_replaced(start_server):
    done = threading.Event()

    def handler(peer):
        req = peer.read_request()
        if req is None:
            return
        peer.send(echo_target(req))
        peer.close()  # idle timeout on the server side, no "Connection: close"
        done.set()

    server = start_server(handler)
    assert get(server.url + "/1").content == b"body of /1"
    assert done.wait(2)
    time.sleep(0.05)  # let the FIN arrive
    assert get(server.url + "/2").content == b"body of /2"
    assert server.accepts == 2
    assert server.requests_on(0) == ["/1"] and server.requests_on(1) == ["/2"]


@pytest.mark.parametrize("how", ["fin", "rst"])
@pytest.mark.parametrize("body_size", [None, 100, 300_000])
def test_pooled_connection_closed_after_receiving_request_is_retried(start_server, how, body_size):
    def handler(peer):
        if peer.index == 0:
            req = peer.read_request()
            peer.send(echo_target(req))
            # the next request arrives on the pooled connection: read its head and drop it
            while b"\r\n\r\n" not in peer.buf:
                data = peer._recv()
                if not data:
                    return
                peer.buf += data
            with server.lock:
                server.requests.append(Req(0, "?", "dropped", [], b""))
            peer.reset() if how == "rst" else peer.close()
            return
        keep_alive(lambda req: response(b"retried %s %d" % (req.target.encode(), len(req.body))))(peer)

    server = start_server(handler)
    assert get(server.url + "/1").content == b"body of /1"
    body = None if body_size is None else b"b" * body_size
    resp = get(server.url + "/2", method="GET" if body is None else "POST", body=body)
    assert resp.status_code == 200
    assert resp.content == b"retried /2 %d" % (body_size or 0)
    assert server.accepts == 2
    assert server.requests_on(0) == ["/1", "dropped"]
    assert server.requests_on(1) == ["/2"]


def test_fresh_connection_closed_without_answer_is_not_retried(start_server):
    def handler(peer):
        peer.read_request()
        peer.close()

    server = start_server(handler)
    with pytest.raises(requests.exceptions.ConnectionError):
        get(server.url + "/x", method="POST", body=b"{}")
    time.sleep(0.1)
    assert server.accepts == 1


def test_retry_happens_only_once(start_server):
    def handler(peer):
        if peer.index == 0:
            peer.send(echo_target(peer.read_request()))
        peer.read_request()
        peer.close()  # connection 0: after its second request; connection 1: at once

    server = start_server(handler)
    assert get(server.url + "/1").content == b"body of /1"
    with pytest.raises(requests.exceptions.ConnectionError):
        get(server.url + "/2")
    time.sleep(0.1)
    assert server.accepts == 2


@pytest.mark.parametrize("answer", [b"HTTP/1.1 200 OK\r\nContent-Le", b"garbage\r\n\r\n"],
                         ids=["partial-head", "bad-status-line"])
def test_partial_answer_on_pooled_connection_is_not_retried(start_server, answer):
    """The upstream got the (possibly non-idempotent, billed) request and started answering:
    sending it again on a new connection would run it twice."""

    def handler(peer):
        if peer.index == 0:
            peer.send(echo_target(peer.read_request()))
            peer.read_request()
            peer.send(answer)  # some bytes of an answer (or a broken one), then gone
            return
        keep_alive()(peer)

    server = start_server(handler)
    assert get(server.url + "/1").content == b"body of /1"
    with pytest.raises(requests.exceptions.ConnectionError):
        get(server.url + "/2", method="POST", body=b"{}")
    time.sleep(0.1)
    assert server.accepts == 1


# ---------------------------------------------------------------------------- 7. truncated bodies


def _truncated_handler(wire: bytes):
    def handler(peer):
        peer.read_request()
        peer.send(wire)

    return handler


TRUNCATED = {
    "content-length": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"p" * 40,
    "chunked-data": CHUNKED_HEAD + b"64\r\n" + b"p" * 40,
    "chunked-terminator": CHUNKED_HEAD + chunk(b"p" * 40) + b"0\r\n",
    "chunked-size-line": CHUNKED_HEAD + chunk(b"p" * 40) + b"1",
}


@pytest.mark.parametrize("kind", list(TRUNCATED))
def test_truncated_body_raises_chunked_encoding_error(start_server, kind):
    server = start_server(_truncated_handler(TRUNCATED[kind]))
    resp = get(server.url + "/t")
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as info:
        resp.content  # noqa: B018
    assert isinstance(info.value, requests.RequestException)
    assert idle_count(server) == 0


def test_truncated_body_through_transport(start_server):
    server = start_server(_truncated_handler(TRUNCATED["content-length"]))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        transport.send("GET", server.url + "/", headers={}, stream=False)

    resp = transport.send("GET", server.url + "/", headers={}, stream=True)
    received = []
    with pytest.raises(transport.UpstreamReadError):
        for piece in transport.raw_chunks(resp):
            received.append(piece)
    assert b"".join(received) == b"p" * 40

    resp = transport.send("GET", server.url + "/", headers={}, stream=True)
    with pytest.raises(transport.UpstreamReadError):
        list(transport.iter_stream(resp, keepalive=0.5))
    assert idle_count(server) == 0


# ---------------------------------------------------------------------------- 8. encoding and default headers


def test_gzip_response_and_default_request_headers(start_server):
    plain = b'{"choices": [' + b'{"x": "hello"},' * 3000 + b'{}]}'

    def respond(req):
        if req.target == "/gzip":
            return response(gzip.compress(plain), headers=("Content-Encoding: gzip",))
        if req.target == "/deflate":
            return response(zlib.compress(plain), headers=("Content-Encoding: deflate",))
        return response(plain)

    server = start_server(keep_alive(respond))
    resp = get(server.url + "/gzip")
    assert resp.headers["content-encoding"] == "gzip"
    assert resp.content == plain
    assert resp.json()["choices"][0] == {"x": "hello"}
    assert get(server.url + "/deflate").content == plain
    req = server.requests[0]
    assert req.header("Accept-Encoding") == "gzip"
    assert req.header("User-Agent") == httpclient.USER_AGENT
    assert req.header("Host") == f"127.0.0.1:{server.port}"

    custom = {"accept-encoding": "identity", "User-Agent": "mine/2", "Host": "evil.example",
              "Content-Length": "999", "Transfer-Encoding": "chunked", "Connection": "close", "X-None": None,
              "X-Number": 7, "Authorization": "Bearer sk-1"}
    assert get(server.url + "/plain", method="POST", headers=custom, body=b"abc").content == plain
    req = server.requests[-1]
    assert req.header("Accept-Encoding") == "identity"
    assert req.header("User-Agent") == "mine/2"
    assert req.header("Host") == f"127.0.0.1:{server.port}"
    assert req.header("Content-Length") == "3"
    assert req.header("Transfer-Encoding") is None and req.header("Connection") is None
    assert req.header("X-None") is None
    assert req.header("X-Number") == "7"
    assert req.header("Authorization") == "Bearer sk-1"
    assert req.body == b"abc"
    assert server.accepts == 1


def test_chunked_gzip_stream_is_decoded_piecewise(start_server):
    events = [b'data: {"i": %d, "pad": "%s"}\n\n' % (i, b"q" * 50) for i in range(40)]
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    parts = [compressor.compress(e) + compressor.flush(zlib.Z_SYNC_FLUSH) for e in events]
    parts.append(compressor.flush())

    def handler(peer):
        peer.read_request()
        head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        peer.send(head, *[chunk(p) for p in parts], b"0\r\n\r\n", gap=0.002)
        keep_alive()(peer)

    server = start_server(handler)
    resp = transport.send("GET", server.url + "/s", headers={}, stream=True)
    pieces = list(transport.raw_chunks(resp))
    assert b"".join(pieces) == b"".join(events)
    assert len(pieces) > 5
    assert get(server.url + "/after").content == b"body of /after"
    assert server.accepts == 1


def test_invalid_gzip_raises_content_decoding_error(start_server):
    server = start_server(keep_alive(lambda req: response(b"not gzip at all", headers=("Content-Encoding: gzip",))))
    with pytest.raises(requests.exceptions.ContentDecodingError):
        get(server.url + "/").content  # noqa: B018


def test_host_header_and_targets():
    assert httpclient._target("http://example.com/a?b=1")[3:] == ("/a?b=1", "example.com")
    assert httpclient._target("https://example.com:443")[1:] == ("example.com", 443, "/", "example.com")
    assert httpclient._target("https://example.com:8443/x")[4] == "example.com:8443"
    assert httpclient._target("http://example.com:443/x")[4] == "example.com:443"
    assert httpclient._target("http://[::1]:8080/v1")[1:] == ("::1", 8080, "/v1", "[::1]:8080")
    for bad in ("ftp://example.com/", "http:///path", "http://example.com:99999/"):
        with pytest.raises(requests.exceptions.InvalidURL):
            httpclient._target(bad)


def test_url_path_and_query_are_percent_encoded_like_requests(start_server):
    """``requests`` sends ``/x y/ä?q=a b`` as ``/x%20y/%C3%A4?q=a%20b`` (requote_uri); a raw space
    in the request line is invalid HTTP (and ``relay/proxy.py`` builds the URL from a decoded
    Flask path variable, so a client's ``%20`` reaches this client as a space)."""
    server = start_server(keep_alive())
    url = server.url + "/x y/ä?q=a b&r=é"
    expected = requests.Request("GET", url).prepare().path_url
    assert expected == "/x%20y/%C3%A4?q=a%20b&r=%C3%A9"
    resp = get(url)
    assert resp.status_code == 200
    assert server.requests[0].line == f"GET {expected} HTTP/1.1"


# ---------------------------------------------------------------------------- 9. header injection


@pytest.mark.parametrize("headers", [
    {"X-A": "v\r\nX-Evil: 1"},
    {"X-A": "v\nX-Evil: 1"},
    {"X-A": "v\rX-Evil: 1"},
    {"X-A\r\nX-Evil": "1"},
])
def test_header_injection_is_refused_and_nothing_sent(start_server, headers):
    server = start_server(keep_alive())
    assert get(server.url + "/1").content == b"body of /1"  # a pooled connection exists
    with pytest.raises(requests.exceptions.InvalidHeader) as info:
        get(server.url + "/evil", method="POST", headers=headers, body=b"{}")
    assert isinstance(info.value, requests.RequestException)
    with pytest.raises(requests.exceptions.InvalidHeader):
        transport.send("POST", server.url + "/evil", headers=headers, data=b"{}", stream=False)
    assert get(server.url + "/3").content == b"body of /3"
    assert server.accepts == 1
    assert server.requests_on(0) == ["/1", "/3"]
    assert all(r.header("X-Evil") is None for r in server.requests)


def test_header_injection_opens_no_connection(start_server):
    server = start_server(keep_alive())
    with pytest.raises(requests.exceptions.InvalidHeader):
        get(server.url + "/evil", headers={"X-A": "v\r\n\r\nGET /smuggled HTTP/1.1"})
    time.sleep(0.1)
    assert server.accepts == 0 and server.requests == []


# ---------------------------------------------------------------------------- 10. connect errors and timeouts


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_connect_refused_is_connection_error():
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    with pytest.raises(requests.exceptions.ConnectionError):
        get(url)
    with pytest.raises(requests.exceptions.ConnectionError):
        transport.send("POST", url, headers={}, data=b"{}", stream=False, relay_timeout=1)


def test_silent_server_read_timeout(start_server):
    def handler(peer):
        peer.read_request()
        peer.wait_closed(3)

    server = start_server(handler)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout) as info:
        transport.send("POST", server.url + "/slow", headers={}, data=b"{}", stream=False, relay_timeout=1)
    elapsed = time.monotonic() - started
    assert isinstance(info.value, requests.RequestException)
    assert 0.8 <= elapsed < 2.0
    assert idle_count(server) == 0


def test_body_stall_read_timeout(start_server):
    def handler(peer):
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        peer.wait_closed(3)

    server = start_server(handler)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        transport.send("GET", server.url + "/", headers={}, stream=False, relay_timeout=1)
    assert 0.8 <= time.monotonic() - started < 2.0
    assert idle_count(server) == 0


def test_body_stall_through_raw_chunks(start_server):
    def handler(peer):
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        peer.wait_closed(3)

    server = start_server(handler)
    resp = transport.send("GET", server.url + "/", headers={}, stream=True, relay_timeout=1)
    received = []
    started = time.monotonic()
    with pytest.raises(transport.UpstreamReadError):
        for piece in transport.raw_chunks(resp):
            received.append(piece)
    assert 0.8 <= time.monotonic() - started < 2.0
    assert received == [b"abc"]


# ---------------------------------------------------------------------------- 11. iter_stream


E1 = b'data: {"a":1}\n\n'
E2 = b'data: {"b":"' + b"x" * 20 + b'"}\n\n'  # 36 bytes: a two-digit chunk size "24"
E3 = b"data: [DONE]\n\n"
C1, C2, C3 = chunk(E1), chunk(E2), chunk(E3)
SSE_BODY = C1 + C2 + C3 + b"0\r\n\r\n"
assert C2.startswith(b"24\r\n")

PAUSE_AT = {
    "before-first-chunk": 0,
    "between-chunks": len(C1),
    "inside-size-line": len(C1) + 1,
    "after-size-line": len(C1) + 4,
    "inside-chunk-data": len(C1) + 4 + 10,
    "before-chunk-crlf": len(C1) + 4 + len(E2),
    "inside-chunk-crlf": len(C1) + 4 + len(E2) + 1,
    "inside-last-chunk": len(C1) + len(C2) + 1,
    "before-final-crlf": len(SSE_BODY) - 2,
}


@pytest.mark.parametrize("where", list(PAUSE_AT))
def test_iter_stream_keepalive_during_pause_loses_no_bytes(start_server, where):
    at = PAUSE_AT[where]

    def handler(peer):
        peer.read_request()
        peer.send(CHUNKED_HEAD + SSE_BODY[:at])
        peer.sleep(0.7)
        peer.send(SSE_BODY[at:])
        keep_alive()(peer)

    server = start_server(handler)
    resp = transport.send("POST", server.url + "/v1/chat/completions", headers={}, data=b"{}", stream=True)
    items = list(transport.iter_stream(resp, keepalive=0.2))
    data = b"".join(i for i in items if i is not transport.KEEPALIVE)
    assert data == E1 + E2 + E3
    assert 2 <= items.count(transport.KEEPALIVE) <= 4
    assert resp.finished
    assert get(server.url + "/after").content == b"body of /after"  # framing consumed exactly
    assert server.accepts == 1


@pytest.mark.parametrize("framing", ["content-length", "close", "gzip-chunked"])
def test_iter_stream_keepalive_other_framings(start_server, framing):
    body = E1 + E2 + E3

    def handler(peer):
        req = peer.read_request()
        if req is None:
            return
        if req.target != "/":
            peer.send(echo_target(req))
            keep_alive()(peer)
            return
        if framing == "content-length":
            first, rest = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:20], body[20:]
        elif framing == "close":
            first, rest = b"HTTP/1.1 200 OK\r\n\r\n" + body[:20], body[20:]
        else:
            compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
            a = compressor.compress(body[:20]) + compressor.flush(zlib.Z_SYNC_FLUSH)
            b = compressor.compress(body[20:]) + compressor.flush()
            first = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(a)
            rest = chunk(b[:3]) + chunk(b[3:]) + b"0\r\n\r\n"
        peer.send(first)
        peer.sleep(0.7)
        peer.send(rest)
        if framing != "close":
            keep_alive()(peer)

    server = start_server(handler)
    resp = transport.send("POST", server.url + "/", headers={}, data=b"{}", stream=True, relay_timeout=5)
    items = list(transport.iter_stream(resp, keepalive=0.2))
    assert b"".join(i for i in items if i is not transport.KEEPALIVE) == body
    assert 2 <= items.count(transport.KEEPALIVE) <= 4
    assert get(server.url + "/after").content == b"body of /after"
    assert server.accepts == (2 if framing == "close" else 1)


def test_iter_stream_relay_timeout(start_server):
    def handler(peer):
        peer.read_request()
        peer.send(CHUNKED_HEAD + C1)
        if peer.wait_closed(2.5):  # the upstream pauses 2.5 s; the client gives up first
            server.event("aborted").set()
            return
        peer.send(C2 + C3 + b"0\r\n\r\n")

    server = start_server(handler)
    resp = transport.send("POST", server.url + "/", headers={}, data=b"{}", stream=True, relay_timeout=1)
    items = []
    started = time.monotonic()
    with pytest.raises(transport.UpstreamReadError, match="RELAY_TIMEOUT"):
        for item in transport.iter_stream(resp, keepalive=0.2):
            items.append(item)
    assert time.monotonic() - started < 2.0
    assert items[0] == E1
    assert items.count(transport.KEEPALIVE) >= 3
    assert server.event("aborted").wait(1)
    assert idle_count(server) == 0


def test_closing_iter_stream_aborts_upstream(start_server):
    def handler(peer):
        peer.read_request()
        peer.send(CHUNKED_HEAD + C1)
        if peer.wait_closed(2.5):
            server.event("aborted").set()

    server = start_server(handler)
    resp = transport.send("POST", server.url + "/", headers={}, data=b"{}", stream=True)
    stream = transport.iter_stream(resp, keepalive=0.2)
    assert next(stream) == E1
    stream.close()
    assert server.event("aborted").wait(1)
    assert not resp.finished
    assert idle_count(server) == 0


def test_iter_stream_upstream_reset_mid_stream(start_server):
    def handler(peer):
        peer.read_request()
        peer.send(CHUNKED_HEAD + C1)
        peer.sleep(0.3)
        peer.reset()

    server = start_server(handler)
    resp = transport.send("POST", server.url + "/", headers={}, data=b"{}", stream=True)
    items = []
    with pytest.raises(transport.UpstreamReadError):
        for item in transport.iter_stream(resp, keepalive=0.2):
            items.append(item)
    assert items[0] == E1


# ---------------------------------------------------------------------------- 12. read_limited


def test_read_limited(start_server):
    body = bytes(range(256)) * 4

    def respond(req):
        if req.target == "/cl":
            return response(body)
        if req.target == "/chunked":
            return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"".join(
                chunk(body[i:i + 3]) for i in range(0, len(body), 3)) + b"0\r\n\r\n"
        if req.target == "/gzip":
            return response(gzip.compress(body), headers=("Content-Encoding: gzip",))
        if req.target == "/short":
            return response(b"tiny")
        return b"HTTP/1.1 500 Oops\r\nContent-Length: 100\r\n\r\nshort"  # then the connection closes

    server = start_server(keep_alive(respond))
    for target in ("/cl", "/chunked", "/gzip"):
        resp = transport.send("GET", server.url + target, headers={}, stream=True)
        assert transport.read_limited(resp, 10) == body[:10], target
        resp.close()
    resp = transport.send("GET", server.url + "/short", headers={}, stream=True)
    assert transport.read_limited(resp, 10) == b"tiny"
    assert resp.finished and idle_count(server) == 1  # fully read: back in the pool

    server2 = start_server(_truncated_handler(b"HTTP/1.1 500 Oops\r\nContent-Length: 100\r\n\r\nshort"))
    resp = transport.send("GET", server2.url + "/", headers={}, stream=True)
    assert resp.status_code == 500
    assert transport.read_limited(resp, 1000) == b""  # unreadable error body: empty, no exception


# ---------------------------------------------------------------------------- 13. fork


def test_pool_is_fresh_after_pid_change(start_server, monkeypatch):
    server = start_server(keep_alive())
    assert get(server.url + "/1").content == b"body of /1"
    parent = httpclient.pool()
    assert idle_count(server) == 1
    parent_conn = parent.idle[("http", "127.0.0.1", server.port)][0]
    monkeypatch.setattr(httpclient._pool, "pid", os.getpid() + 1)  # as if this were a forked child
    child = httpclient.pool()
    assert child is not parent
    assert child.pid == os.getpid()
    assert child.idle == {}
    assert httpclient.pool() is child
    assert get(server.url + "/2").content == b"body of /2"
    assert server.accepts == 2  # the parent's socket was not used
    assert server.requests_on(1) == ["/2"]
    parent_conn.close()


# ---------------------------------------------------------------------------- pre-reuse check


def test_keep_alive_reuse_with_high_file_descriptors(start_server):
    """A gevent worker with many open client sockets hands out descriptors above 1023; the
    pre-reuse check must still work there (``select()`` cannot watch such descriptors)."""
    server = start_server(keep_alive())
    fillers = []
    try:
        while True:
            fd = os.open(os.devnull, os.O_RDONLY)
            fillers.append(fd)
            if fd > 1100:
                break
        assert get(server.url + "/1").content == b"body of /1"
        assert get(server.url + "/2").content == b"body of /2"
        assert server.accepts == 1
    finally:
        for fd in fillers:
            os.close(fd)
