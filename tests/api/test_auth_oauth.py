"""GitHub OAuth and generic OIDC against a loopback mock provider; Turnstile checks."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from oneapi.auth import oauth, turnstile
from oneapi.extensions import db
from oneapi.models import Token, User
from oneapi.services import options
from tests.support.factories import login

PROFILES = {
    "code-octo": {"login": "octocat", "name": "Octo Cat", "email": "octo@example.com", "sub": "sub-1",
                  "preferred_username": "octo"},
    "code-other": {"login": "other", "name": "", "email": "", "sub": "sub-2", "preferred_username": ""},
}


class _Provider(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        srv = self.server
        if self.path == "/.well-known/openid-configuration":
            return self._json(200, {"issuer": srv.base, "token_endpoint": srv.base + "/oidc/token",
                                    "userinfo_endpoint": srv.base + "/oidc/userinfo",
                                    "authorization_endpoint": srv.base + "/oidc/authorize"})
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        code = srv.issued.get(token)
        if code is None:
            return self._json(401, {"message": "Bad credentials"})
        profile = PROFILES[code]
        if self.path == "/user":
            return self._json(200, {k: profile[k] for k in ("login", "name", "email")})
        if self.path == "/oidc/userinfo":
            return self._json(200, {"sub": profile["sub"], "email": profile["email"], "name": profile["name"],
                                    "preferred_username": profile["preferred_username"]})
        return self._json(404, {})

    def do_POST(self):
        srv = self.server
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        srv.token_requests.append(form)
        if form.get("client_secret") != "client-secret" or form.get("code") not in PROFILES:
            return self._json(400, {"error": "bad_verification_code"})
        token = f"tok-{len(srv.issued)}"
        srv.issued[token] = form["code"]
        return self._json(200, {"access_token": token, "token_type": "bearer", "scope": ""})


@pytest.fixture
def provider(app, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    server.issued, server.token_requests = {}, []
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.setattr(oauth, "GITHUB_TOKEN_URL", server.base + "/login/oauth/access_token")
    monkeypatch.setattr(oauth, "GITHUB_USER_URL", server.base + "/user")
    with app.app_context():
        for key, value in {"GitHubClientId": "client-id", "GitHubClientSecret": "client-secret",
                           "GitHubOAuthEnabled": "true", "OidcClientId": "client-id",
                           "OidcClientSecret": "client-secret", "OidcEnabled": "true",
                           "OidcWellKnown": server.base + "/.well-known/openid-configuration",
                           "ServerAddress": "https://gw.example.com"}.items():
            options.set_option(key, value)
        db.session.commit()
    yield server
    server.shutdown()
    server.server_close()


def callback(client, provider_name, code):
    state = client.get("/api/oauth/state").get_json()["data"]
    return client.get(f"/api/oauth/{provider_name}?code={code}&state={state}").get_json()


def test_github_auto_register_then_login(app, client, provider):
    body = callback(client, "github", "code-octo")
    assert body["success"] is True, body
    assert body["data"]["username"].startswith("github_") and body["data"]["display_name"] == "Octo Cat"
    assert provider.token_requests[0]["client_id"] == "client-id"
    me = client.get("/api/user/self").get_json()["data"]
    assert me["github_id"] == "octocat" and me["email"] == "octo@example.com"
    with app.app_context():
        assert db.session.execute(db.select(Token.name).where(Token.user_id == me["id"])).scalars().all() \
            == ["default"]
    again = app.test_client()
    body = callback(again, "github", "code-octo")
    assert body["success"] is True and body["data"]["id"] == me["id"]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(User.id)).where(User.github_id == "octocat")) \
            .scalar_one() == 1


def test_github_bind_when_logged_in(app, user_client, provider):
    client, user = user_client
    body = callback(client, "github", "code-other")
    assert body["success"] is True and body["message"] == "bind"
    with app.app_context():
        assert db.session.get(User, user.id).github_id == "other"
    anon = app.test_client()
    assert callback(anon, "github", "code-other")["data"]["id"] == user.id
    # the same GitHub account cannot be bound to a second user
    second = app.test_client()
    login(second, "root", "123456")
    body = callback(second, "github", "code-other")
    assert body["success"] is False and "already bound" in body["message"]


def test_github_errors(app, client, provider):
    body = client.get("/api/oauth/github?code=code-octo&state=forged").get_json()
    assert body["success"] is False and "state" in body["message"]
    body = callback(client, "github", "wrong-code")
    assert body["success"] is False and "authorization code" in body["message"]
    with app.app_context():
        options.set_option("RegisterEnabled", "false")
        db.session.commit()
    body = callback(client, "github", "code-octo")
    assert body["success"] is False and "registration" in body["message"]
    with app.app_context():
        options.set_option("GitHubOAuthEnabled", "false")
        db.session.commit()
    body = callback(client, "github", "code-octo")
    assert body["success"] is False and "not been enabled" in body["message"]


def test_github_banned_user_refused(app, client, provider, make_user):
    make_user(github_id="octocat", status=2)
    body = callback(client, "github", "code-octo")
    assert body["success"] is False and "banned" in body["message"]
    assert client.get("/api/user/self").status_code == 401


def test_oidc_login_via_well_known(app, client, provider):
    body = callback(client, "oidc", "code-octo")
    assert body["success"] is True, body
    assert body["data"]["username"] == "octo"
    assert provider.token_requests[0]["redirect_uri"] == "https://gw.example.com/oauth/oidc"
    assert provider.token_requests[0]["grant_type"] == "authorization_code"
    me = client.get("/api/user/self").get_json()["data"]
    assert me["oidc_id"] == "sub-1"
    body = callback(app.test_client(), "oidc", "code-other")
    assert body["success"] is True and body["data"]["username"].startswith("oidc_")


def test_oidc_explicit_endpoints_and_missing_config(app, client, provider):
    with app.app_context():
        options.set_option("OidcWellKnown", "")
        options.set_option("OidcTokenEndpoint", provider.base + "/oidc/token")
        options.set_option("OidcUserinfoEndpoint", provider.base + "/oidc/userinfo")
        db.session.commit()
    assert callback(client, "oidc", "code-octo")["success"] is True
    with app.app_context():
        options.set_option("OidcTokenEndpoint", "")
        db.session.commit()
    body = callback(app.test_client(), "oidc", "code-octo")
    assert body["success"] is False and "not configured" in body["message"]


# --- Turnstile ---------------------------------------------------------------------------

class _Turnstile(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.server.seen.append(form)
        ok = form.get("response") == ["good-token"] and form.get("secret") == ["ts-secret"]
        data = json.dumps({"success": ok}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def turnstile_server(app, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Turnstile)
    server.seen = []
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    monkeypatch.setattr(turnstile, "TURNSTILE_VERIFY_URL", f"http://127.0.0.1:{server.server_address[1]}/")
    monkeypatch.setattr(turnstile, "_failures", {})
    with app.app_context():
        options.set_option("TurnstileSiteKey", "site")
        options.set_option("TurnstileSecretKey", "ts-secret")
        options.set_option("TurnstileCheckEnabled", "true")
        db.session.commit()
    yield server
    server.shutdown()
    server.server_close()


def test_turnstile_on_register_once_per_session(client, turnstile_server):
    body = client.post("/api/user/register", json={"username": "ts1", "password": "password123"}).get_json()
    assert body["success"] is False and "Turnstile" in body["message"]
    body = client.post("/api/user/register?turnstile=bad", json={"username": "ts1",
                                                                 "password": "password123"}).get_json()
    assert body["success"] is False and "Turnstile" in body["message"]
    body = client.post("/api/user/register?turnstile=good-token",
                       json={"username": "ts1", "password": "password123"}).get_json()
    assert body["success"] is True, body
    body = client.post("/api/user/register", json={"username": "ts2", "password": "password123"}).get_json()
    assert body["success"] is True  # verified once for this session
    assert len(turnstile_server.seen) == 2


def test_turnstile_on_login_after_a_failure(client, make_user, turnstile_server):
    user = make_user()
    assert login(client, user.username)["id"] == user.id  # no failure yet: no check
    body = client.post("/api/user/login", json={"username": user.username, "password": "wrong-pass"}).get_json()
    assert body["success"] is False
    body = client.post("/api/user/login", json={"username": user.username, "password": "password123"}).get_json()
    assert body == {"success": False, "message": "turnstile_required", "data": {"turnstile_required": True}}
    body = client.post("/api/user/login?turnstile=good-token",
                       json={"username": user.username, "password": "password123"}).get_json()
    assert body["success"] is True
