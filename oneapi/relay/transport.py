"""Upstream HTTP: ``RELAY_TIMEOUT``, ``RELAY_PROXY``; streamed bodies are read as raw socket
chunks as they arrive.

Plain requests go through the keep-alive client of ``httpclient`` (a fraction of the CPU of
``requests``); a proxy, a multipart upload or a mounted transport adapter (a vendor WebSocket
bridge) use one pooled ``requests.Session`` per worker process. Both answer objects with
``status_code``, ``headers``, ``content`` and ``close()``; read bodies through the helpers here.

``iter_stream`` reads a keep-alive-client stream in the caller's greenlet with a socket timeout;
a ``requests`` stream is read by a helper (a greenlet under gevent workers) feeding a
bounded queue. Either way the caller can emit a keep-alive comment when the upstream is idle for
``keepalive`` seconds, and an abandoned stream (client gone) stops the reader promptly.
"""
from __future__ import annotations

import os
import queue
import threading
from typing import Iterator

import requests
from requests.adapters import HTTPAdapter

from . import httpclient

_session: requests.Session | None = None
_session_pid = 0
_session_proxy = ""
_lock = threading.Lock()
_mounts: dict = {}  # URL prefix -> requests transport adapter (e.g. a vendor WebSocket bridge)

READ_CHUNK = 64 * 1024
KEEPALIVE = object()


class UpstreamReadError(Exception):
    """The upstream connection failed while a body was being read."""


def session(proxy: str = "") -> requests.Session:
    global _session, _session_pid, _session_proxy
    pid = os.getpid()
    if _session is not None and _session_pid == pid and _session_proxy == proxy:
        return _session
    with _lock:
        if _session is None or _session_pid != pid or _session_proxy != proxy:
            s = requests.Session()
            s.trust_env = False  # no env proxies / netrc lookups per request
            adapter = HTTPAdapter(pool_connections=64, pool_maxsize=1024, max_retries=0)
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            if proxy:
                s.proxies = {"http": proxy, "https": proxy}
            for prefix, extra in _mounts.items():
                s.mount(prefix, extra)
            _session, _session_pid, _session_proxy = s, pid, proxy
    return _session


def mount(prefix: str, adapter) -> None:
    """Serve URLs starting with ``prefix`` with ``adapter`` (a ``requests`` transport adapter)
    in every session, e.g. a provider's WebSocket bridge that synthesises HTTP responses."""
    with _lock:
        if _mounts.get(prefix) is adapter:
            return
        _mounts[prefix] = adapter
        if _session is not None:
            _session.mount(prefix, adapter)


def timeout_of(relay_timeout: int):
    """``RELAY_TIMEOUT`` 0 = no read timeout (connect still bounded)."""
    if relay_timeout and relay_timeout > 0:
        return (min(relay_timeout, 30), relay_timeout)
    return (30, None)


def _mounted(url: str) -> bool:
    return bool(_mounts) and any(url.startswith(prefix) for prefix in _mounts)


def send(method: str, url: str, *, headers: dict, data=None, files=None, stream: bool,
         relay_timeout: int = 0, proxy: str = ""):
    """One upstream request; ``stream`` leaves the body unread for ``iter_stream``/``raw_chunks``."""
    if files is None and not proxy and (data is None or isinstance(data, (bytes, bytearray, str))) \
            and not _mounted(url):
        connect_timeout, read_timeout = timeout_of(relay_timeout)
        body = data.encode() if isinstance(data, str) else bytes(data) if isinstance(data, bytearray) else data
        resp = httpclient.request(method, url, headers=headers, body=body, connect_timeout=connect_timeout,
                                  read_timeout=read_timeout)
        if not stream:
            resp.content  # noqa: B018 - read the body now
        return resp
    s = session(proxy)
    prepared = requests.PreparedRequest()  # skips Session.prepare_request's env/cookie merging
    prepared.prepare(method=method, url=url, headers=headers, data=data, files=files)
    # The mounted transport adapter directly: Session.send would add hooks, redirect plumbing
    # and a cookie jar shared by every upstream (cookies must not leak between channels).
    resp = s.get_adapter(prepared.url).send(prepared, stream=stream, timeout=timeout_of(relay_timeout),
                                            verify=True, proxies=s.proxies)
    if not stream:
        resp.content  # noqa: B018 - read the body now, as Session.send does
    return resp


def read_limited(resp, limit: int) -> bytes:
    """Up to ``limit`` bytes of the (decoded) body, e.g. an upstream error; b"" on read errors."""
    try:
        if isinstance(resp, httpclient.Response):
            return resp.read(limit)
        return resp.raw.read(limit, decode_content=True) or b""
    except Exception:  # noqa: BLE001 - an unreadable error body is reported as empty
        return b""


def raw_chunks(resp) -> Iterator[bytes]:
    """Yield body bytes as the socket delivers them (chunked or close-delimited)."""
    if isinstance(resp, httpclient.Response):
        try:
            yield from resp.iter_pieces()
        except requests.RequestException as err:
            raise UpstreamReadError(str(err)) from err
        return
    raw = resp.raw
    try:
        if getattr(raw, "chunked", False) and hasattr(raw, "read_chunked"):
            yield from raw.read_chunked(None, decode_content=True)
            return
        read1 = getattr(raw, "read1", None)
        while True:
            data = read1(READ_CHUNK) if read1 is not None else raw.read(READ_CHUNK, decode_content=True)
            if not data:
                return
            yield data
    except (requests.RequestException, OSError) as err:
        raise UpstreamReadError(str(err)) from err
    except Exception as err:  # urllib3 ProtocolError / ReadTimeoutError / IncompleteRead
        if err.__class__.__module__.startswith(("urllib3", "http.client")):
            raise UpstreamReadError(str(err)) from err
        raise


_END = object()


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


def iter_stream(resp: requests.Response, keepalive: float = 5.0, max_buffered: int = 64) -> Iterator:
    """Yield raw chunks, or ``KEEPALIVE`` after ``keepalive`` idle seconds.

    Raises :class:`UpstreamReadError` when the upstream connection breaks. Closing the
    generator (client disconnect) closes the upstream response and ends the reader.
    """
    if isinstance(resp, httpclient.Response):
        yield from _iter_direct(resp, keepalive)
        return
    q: queue.Queue = queue.Queue(maxsize=max_buffered)
    stop = threading.Event()

    def reader():
        try:
            _read_into()
        finally:
            try:
                resp.close()  # only the reader touches the response (no reentrant close)
            except Exception:  # noqa: BLE001
                pass

    def _read_into():
        try:
            for chunk in raw_chunks(resp):
                while True:
                    if stop.is_set():
                        return
                    try:
                        q.put(chunk, timeout=1.0)
                        break
                    except queue.Full:
                        continue
            item = _END
        except BaseException as err:  # noqa: BLE001 - handed to the consumer
            item = _Failure(err)
        while not stop.is_set():
            try:
                q.put(item, timeout=1.0)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=reader, name="oneapi-upstream-reader", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item = q.get(timeout=keepalive)
            except queue.Empty:
                yield KEEPALIVE
                continue
            if item is _END:
                return
            if isinstance(item, _Failure):
                if stop.is_set():
                    return
                err = item.error
                if isinstance(err, UpstreamReadError):
                    raise err
                raise UpstreamReadError(str(err)) from err
            yield item
    finally:
        stop.set()
        if thread.is_alive():
            _abort_socket(resp)  # unblocks the reader, which then closes the response


def _iter_direct(resp: httpclient.Response, keepalive: float) -> Iterator:
    """``iter_stream`` for the keep-alive client: read in the caller's greenlet with a socket
    timeout of ``keepalive`` seconds, so no reader thread or queue per stream."""
    limit = resp.read_timeout  # RELAY_TIMEOUT: longest silence of the upstream (None: no limit)
    step = keepalive if limit is None else min(keepalive, limit)
    resp.settimeout(step)
    idle = 0.0
    try:
        while True:
            try:
                piece = resp.read_piece(idle_ok=True)
            except requests.RequestException as err:
                raise UpstreamReadError(str(err)) from err
            if piece is None:
                idle += step
                if limit is not None and idle >= limit:
                    raise UpstreamReadError(f"upstream sent nothing for {limit:g} seconds (RELAY_TIMEOUT)")
                yield KEEPALIVE
                continue
            if not piece:
                return
            idle = 0.0
            yield piece
    finally:
        if not resp.finished:
            resp.abort()


def _abort_socket(resp: requests.Response) -> None:
    import socket as _socket

    raw = resp.raw
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:
        try:
            sock = raw._fp.fp.raw._sock
        except AttributeError:
            sock = None
    if sock is not None:
        try:
            sock.shutdown(_socket.SHUT_RDWR)
        except OSError:
            pass
