"""The upstream client over TLS: certificate verification (hostname and chain), SNI, and
keep-alive reuse of a TLS connection, against a local HTTPS server with its own test CA."""
from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading

import pytest
import requests

from oneapi.relay import httpclient

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def _make_cert(tmp_path):
    """A CA and a server certificate for the name localhost (only) signed by it."""
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=oneapi test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost")
    (tmp_path / "ext.cnf").write_text("subjectAltName=DNS:localhost\n")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
        "srv.pem", "-days", "2", "-extfile", "ext.cnf")
    return tmp_path / "ca.pem", tmp_path / "srv.pem", tmp_path / "srv.key"


@pytest.fixture
def https_server(tmp_path):
    ca, cert, key = _make_cert(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    port = listener.getsockname()[1]
    state = {"accepts": 0, "sni": []}
    stop = threading.Event()

    def sni(sock, name, _ctx):
        state["sni"].append(name)
    ctx.sni_callback = sni

    def serve_conn(raw):
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        conn.settimeout(5)
        buf = b""
        try:
            while not stop.is_set():
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buf) < length:
                    buf += conn.recv(65536)
                body, buf = buf[:length], buf[length:]
                answer = b'{"echo":' + str(len(body)).encode() + b"}"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(answer)).encode() + b"\r\n\r\n" + answer)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def accept_loop():
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except (socket.timeout, OSError):
                continue
            state["accepts"] += 1
            threading.Thread(target=serve_conn, args=(raw,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    old = httpclient.pool().ssl_context
    yield {"port": port, "ca": ca, "state": state}
    httpclient.pool().ssl_context = old
    httpclient.pool().idle.clear()
    stop.set()
    listener.close()
    thread.join(6)


def _trust(ca) -> None:
    httpclient.pool().idle.clear()
    httpclient.pool().ssl_context = ssl.create_default_context(cafile=str(ca))


def test_https_request_verifies_and_reuses_the_tls_connection(https_server):
    _trust(https_server["ca"])
    url = f"https://localhost:{https_server['port']}/v1/chat/completions"
    for size in (10, 100_000):
        resp = httpclient.request("POST", url, headers={"Content-Type": "application/json"}, body=b"x" * size,
                                  connect_timeout=5, read_timeout=5)
        assert resp.status_code == 200 and resp.json() == {"echo": size}
    assert https_server["state"]["accepts"] == 1  # one TLS handshake, then keep-alive
    assert https_server["state"]["sni"] == ["localhost"]


def test_untrusted_certificate_is_refused(https_server):
    httpclient.pool().idle.clear()
    httpclient.pool().ssl_context = None  # the default store (certifi) does not know the test CA
    with pytest.raises(requests.exceptions.SSLError):
        httpclient.request("GET", f"https://localhost:{https_server['port']}/", headers={}, body=None,
                           connect_timeout=5, read_timeout=5)


def test_wrong_hostname_is_refused(https_server):
    _trust(https_server["ca"])
    # same server, trusted chain, but the certificate names localhost, not 127.0.0.1
    with pytest.raises(requests.exceptions.SSLError):
        httpclient.request("GET", f"https://127.0.0.1:{https_server['port']}/", headers={}, body=None,
                           connect_timeout=5, read_timeout=5)
