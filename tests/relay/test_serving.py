"""The gunicorn worker class of ``oneapi serve`` (oneapi/serving.py) on a real gunicorn."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

APP = '''
def app(environ, start_response):
    body = ("socket=%s" % ("gunicorn.socket" in environ)).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _gunicorn(tmp_path, module: str, source: str, *args: str):
    """A real gunicorn with the oneapi worker serving ``source`` as ``module:app``; yields the port."""
    (tmp_path / f"{module}.py").write_text(source)
    port = _free_port()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-k", "oneapi.serving.GeventWorker", "-w", "1", *args,
         "--no-control-socket", "--chdir", str(tmp_path), "-b", f"127.0.0.1:{port}", f"{module}:app"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start")
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture
def server(tmp_path):
    with _gunicorn(tmp_path, "tinyapp", APP, "--keep-alive", "1") as port:
        yield port


def _get(sock) -> bytes:
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"socket=" not in data or not data.endswith((b"True", b"False")):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_keep_alive_connection_reused_then_closed_when_idle(server):
    sock = socket.create_connection(("127.0.0.1", server), timeout=5)
    try:
        first = _get(sock)
        assert first.startswith(b"HTTP/1.1 200") and first.endswith(b"socket=True")
        assert _get(sock).endswith(b"socket=True")  # same connection, within the idle limit
        started = time.monotonic()
        assert sock.recv(1) == b""  # closed by the server after --keep-alive 1 s of silence
        assert 0.5 < time.monotonic() - started < 4
    finally:
        sock.close()


def test_serve_uses_the_worker_class():
    from oneapi import gunicorn_conf

    assert gunicorn_conf.worker_class == "oneapi.serving.GeventWorker"


FAIR_APP = '''
import itertools, time
_seq = itertools.count(1)

def app(environ, start_response):
    t = time.perf_counter()
    while time.perf_counter() - t < 0.02:  # CPU-bound: never yields by itself
        pass
    body = ("%s=%d" % (environ["PATH_INFO"], next(_seq))).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


def _read_responses(sock, count: int) -> list[str]:
    """The bodies of the next ``count`` responses (framed by their Content-Length)."""
    sock.settimeout(10)
    data, bodies = b"", []
    while len(bodies) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].decode("latin-1")
            length = int(re.search(r"(?im)^content-length:\s*(\d+)", head).group(1))
            end = head_end + 4 + length
            if len(data) >= end:
                bodies.append(data[head_end + 4:end].decode())
                data = data[end:]
                continue
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed after {len(bodies)} of {count} responses")
        data += chunk
    return bodies


def test_keep_alive_connection_with_queued_requests_lets_others_in(tmp_path):
    """A connection whose next requests are already waiting goes to the back of the line after
    each response: another client's request is not held behind all of them."""
    with _gunicorn(tmp_path, "fairapp", FAIR_APP) as port:
        a = socket.create_connection(("127.0.0.1", port))
        b = socket.create_connection(("127.0.0.1", port))
        time.sleep(0.2)  # both accepted
        a.sendall(b"".join(b"GET /a%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(1, 7)))
        time.sleep(0.005)  # /a1 is being served (20 ms each)
        b.sendall(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        b_seq = int(_read_responses(b, 1)[0].split("=")[1])
        a_seqs = [int(r.split("=")[1]) for r in _read_responses(a, 6)]
        a.close()
        b.close()
    assert len(a_seqs) == 6 and a_seqs == sorted(a_seqs)
    assert b_seq <= 3, f"/b was served as request #{b_seq}, after {b_seq - 1} queued requests of another client"
