"""Email verification and password reset through a real loopback SMTP server."""
from __future__ import annotations

import base64
import re
import socketserver
import threading
from email import message_from_bytes, policy

import pytest

from oneapi.extensions import db
from oneapi.services import options
from tests.support.factories import login


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP: EHLO (advertising AUTH PLAIN), AUTH, MAIL, RCPT, DATA, RSET, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        server = self.server
        self.reply("220 loopback ESMTP")
        rcpt: list[str] = []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-loopback\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
            elif verb == "AUTH":
                parts = line.split(" ")
                creds = base64.b64decode(parts[2]).split(b"\0") if len(parts) > 2 else []
                server.auth.append([c.decode() for c in creds])
                self.reply("235 ok")
            elif verb == "MAIL":
                rcpt = []
                self.reply("250 ok")
            elif verb == "RCPT":
                rcpt.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                server.messages.append((rcpt, message_from_bytes(data, policy=policy.default)))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class LoopbackSMTP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list = []
        self.auth: list = []

    def body(self, index: int = -1) -> str:
        return self.messages[index][1].get_body().get_content()


@pytest.fixture
def smtp(app):
    server = LoopbackSMTP()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    with app.app_context():
        for key, value in {"SMTPServer": "127.0.0.1", "SMTPPort": str(server.server_address[1]),
                           "SMTPAccount": "mailer@example.com", "SMTPFrom": "noreply@example.com",
                           "SMTPToken": "smtp-pass", "SystemName": "Test Gateway",
                           "ServerAddress": "https://gw.example.com"}.items():
            options.set_option(key, value)
        db.session.commit()
    yield server
    server.shutdown()
    server.server_close()


def _enable_verification(app, **extra):
    with app.app_context():
        options.set_option("EmailVerificationEnabled", "true")
        for key, value in extra.items():
            options.set_option(key, value)
        db.session.commit()


def test_register_with_emailed_code(app, client, smtp):
    _enable_verification(app)
    body = client.get("/api/verification?email=new@example.com").get_json()
    assert body["success"] is True
    assert len(smtp.messages) == 1
    rcpt, msg = smtp.messages[0]
    assert rcpt == ["new@example.com"] and "Test Gateway" in msg["Subject"]
    assert smtp.auth == [["", "mailer@example.com", "smtp-pass"]]
    code = re.search(r"<strong>(\w{6})</strong>", smtp.body()).group(1)
    reg = {"username": "mailer", "password": "password123", "email": "new@example.com"}
    body = client.post("/api/user/register", json={**reg, "verification_code": "XXXXXX"}).get_json()
    assert body["success"] is False
    body = client.post("/api/user/register", json={**reg, "verification_code": code}).get_json()
    assert body["success"] is True, body
    assert login(app.test_client(), "mailer")["username"] == "mailer"
    me = app.test_client()
    login(me, "new@example.com")
    assert me.get("/api/user/self").get_json()["data"]["email"] == "new@example.com"
    # the code was single use, and a used address gets no new code but the same reply
    body = client.post("/api/user/register", json={**reg, "username": "mailer2", "verification_code": code})
    assert body.get_json()["success"] is False
    assert client.get("/api/verification?email=new@example.com").get_json()["success"] is True
    assert len(smtp.messages) == 1


def test_verification_domain_whitelist_and_bad_email(app, client, smtp):
    _enable_verification(app, EmailDomainRestrictionEnabled="true", EmailDomainWhitelist="example.org")
    body = client.get("/api/verification?email=a@example.com").get_json()
    assert body["success"] is False and "whitelist" in body["message"]
    assert client.get("/api/verification?email=a@example.org").get_json()["success"] is True
    for bad in ("", "no-at-sign", "@x.org", "a" * 60 + "@example.org"):
        body = client.get(f"/api/verification?email={bad}").get_json()
        assert body["success"] is False and "email" in body["message"], bad
    assert len(smtp.messages) == 1


def test_verification_without_smtp_is_a_clear_error(client):
    body = client.get("/api/verification?email=a@example.com").get_json()
    assert body["success"] is False and "SMTP" in body["message"]


def test_password_reset_flow(app, client, make_user, smtp):
    user = make_user(email="reset@example.com")
    body = client.get("/api/reset_password?email=unknown@example.com").get_json()
    assert body["success"] is True and smtp.messages == []
    body = client.get("/api/reset_password?email=reset@example.com").get_json()
    assert body["success"] is True and len(smtp.messages) == 1
    link = re.search(r'href="([^"]+)"', smtp.body()).group(1).replace("&amp;", "&")
    assert link.startswith("https://gw.example.com/user/reset?")
    token = re.search(r"token=([0-9a-f]{32})", link).group(1)
    body = client.post("/api/user/reset", json={"email": "reset@example.com", "token": "0" * 32}).get_json()
    assert body["success"] is False and "invalid" in body["message"]
    body = client.post("/api/user/reset", json={"email": "reset@example.com", "token": token,
                                                "password": "short"}).get_json()
    assert body["success"] is False and "8 to 20" in body["message"]
    body = client.post("/api/user/reset", json={"email": "reset@example.com", "token": token,
                                                "password": "resetpass1"}).get_json()
    assert body["success"] is True and body["data"] == "resetpass1"
    login(app.test_client(), user.username, "resetpass1")
    body = client.post("/api/user/reset", json={"email": "reset@example.com", "token": token}).get_json()
    assert body["success"] is False  # single use


def test_password_reset_generates_password(app, client, make_user, smtp):
    user = make_user(email="gen@example.com")
    client.get("/api/reset_password?email=gen@example.com")
    token = re.search(r"token=([0-9a-f]{32})", smtp.body()).group(1)
    body = client.post("/api/user/reset", json={"email": "gen@example.com", "token": token}).get_json()
    assert body["success"] is True and len(body["data"]) == 12
    login(app.test_client(), user.username, body["data"])


def test_verification_store_redis_backend():
    """Codes live in Redis when it is enabled (shared by every worker)."""
    import os

    import redis

    from oneapi.services import verification

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL not set")
    client = redis.Redis.from_url(url)
    backend = verification.RedisBackend(client)
    code = verification.issue(verification.EMAIL_VERIFICATION, "R@Example.com", backend=backend)
    assert client.ttl(f"oneapi:verify:{verification.EMAIL_VERIFICATION}:r@example.com") > 500
    assert not verification.check(verification.EMAIL_VERIFICATION, "r@example.com", "nope", backend=backend)
    assert verification.check(verification.EMAIL_VERIFICATION, "r@example.com", code, backend=backend)
    assert not verification.check(verification.EMAIL_VERIFICATION, "r@example.com", code, backend=backend)


def test_verification_memory_backend_expiry(monkeypatch):
    from oneapi.services import verification

    backend = verification.MemoryBackend()
    code = verification.issue(verification.EMAIL_VERIFICATION, "m@example.com", backend=backend)
    monkeypatch.setattr(verification, "VALID_SECONDS", 0)
    verification.issue(verification.PASSWORD_RESET, "m@example.com", backend=backend)
    assert verification.check(verification.EMAIL_VERIFICATION, "m@example.com", code, consume=False,
                              backend=backend)
    assert not verification.check(verification.PASSWORD_RESET, "m@example.com", "x", backend=backend)


def test_bind_email_with_code(app, user_client, make_user, smtp):
    client, user = user_client
    assert app.test_client().get("/api/oauth/email/bind?email=x@example.com&code=1").status_code == 401
    assert client.get("/api/verification?email=mine@example.com").get_json()["success"] is True
    code = re.search(r"<strong>(\w{6})</strong>", smtp.body()).group(1)
    body = client.get("/api/oauth/email/bind?email=mine@example.com&code=WRONG0").get_json()
    assert body["success"] is False and "invalid" in body["message"]
    body = client.get(f"/api/oauth/email/bind?email=mine@example.com&code={code}").get_json()
    assert body["success"] is True, body
    assert client.get("/api/user/self").get_json()["data"]["email"] == "mine@example.com"
    make_user(email="taken@example.com")
    body = client.get("/api/oauth/email/bind?email=taken@example.com&code=ABCDEF").get_json()
    assert body["success"] is False and "in use" in body["message"]
    assert client.get("/api/oauth/email/bind?email=bad&code=ABCDEF").get_json()["success"] is False
