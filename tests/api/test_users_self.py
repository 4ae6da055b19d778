"""Self-service: profile, update, delete, access token rotation, aff code, available models."""
from __future__ import annotations

from oneapi.extensions import db
from oneapi.models import Ability, User, UserStatus
from tests.support.factories import login


def test_self_hides_secrets(user_client):
    client, user = user_client
    body = client.get("/api/user/self").get_json()
    assert body["success"] is True
    data = body["data"]
    assert data["id"] == user.id and data["username"] == user.username and data["quota"] == 1000
    assert "password" not in data and "access_token" not in data
    for key in ("display_name", "role", "status", "email", "group", "aff_code", "used_quota", "request_count"):
        assert key in data


def test_anonymous_is_401_everywhere(client):
    for method, path in (("get", "/api/user/self"), ("put", "/api/user/self"), ("delete", "/api/user/self"),
                         ("get", "/api/user/token"), ("get", "/api/user/aff"),
                         ("get", "/api/user/available_models"), ("get", "/api/user/dashboard")):
        resp = getattr(client, method)(path, json={})
        assert resp.status_code == 401, path
        assert resp.get_json()["success"] is False


def test_access_token_auth_and_rotation(app, user_client):
    client, user = user_client
    token = client.get("/api/user/token").get_json()["data"]
    assert len(token) == 32 and token != user.access_token
    anon = app.test_client()
    assert anon.get("/api/user/self", headers={"Authorization": token}).get_json()["data"]["id"] == user.id
    assert anon.get("/api/user/self", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert anon.get("/api/user/self", headers={"Authorization": user.access_token}).status_code == 401
    again = client.get("/api/user/token").get_json()["data"]
    assert anon.get("/api/user/self", headers={"Authorization": token}).status_code == 401
    assert anon.get("/api/user/self", headers={"Authorization": again}).status_code == 200


def test_update_self(app, user_client, make_user):
    client, user = user_client
    body = client.put("/api/user/self", json={"display_name": "New Name", "password": "newpassword1"}).get_json()
    assert body["success"] is True, body
    assert client.get("/api/user/self").get_json()["data"]["display_name"] == "New Name"
    login(app.test_client(), user.username, "newpassword1")
    # empty username keeps the old one; explicit "" display name clears it
    assert client.put("/api/user/self", json={"username": "", "display_name": ""}).get_json()["success"]
    data = client.get("/api/user/self").get_json()["data"]
    assert data["username"] == user.username and data["display_name"] == ""
    other = make_user()
    body = client.put("/api/user/self", json={"username": other.username}).get_json()
    assert body["success"] is False and body["message"] == "username already exists"
    body = client.put("/api/user/self", json={"password": "short"}).get_json()
    assert body["success"] is False and "8 to 20" in body["message"]
    body = client.put("/api/user/self", json={"display_name": "x" * 21}).get_json()
    assert body["success"] is False and "display_name" in body["message"]
    body = client.put("/api/user/self", json={"display_name": 12}).get_json()
    assert body["success"] is False and "display_name" in body["message"]
    body = client.put("/api/user/self", data="nope", content_type="application/json").get_json()
    assert body["success"] is False
    # no partial write after the failures
    assert client.get("/api/user/self").get_json()["data"]["display_name"] == ""


def test_update_self_cannot_touch_role_or_quota(user_client):
    client, _ = user_client
    assert client.put("/api/user/self", json={"role": 100, "quota": 10**9}).get_json()["success"]
    data = client.get("/api/user/self").get_json()["data"]
    assert data["role"] == 1 and data["quota"] == 1000


def test_delete_self(app, user_client):
    client, user = user_client
    assert client.delete("/api/user/self").get_json()["success"] is True
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row.status == UserStatus.DELETED and row.username.startswith("deleted_")
    assert client.get("/api/user/self").status_code == 401
    body = app.test_client().post("/api/user/login", json={"username": user.username,
                                                         "password": "password123"}).get_json()
    assert body["success"] is False


def test_root_cannot_delete_self(root_client):
    body = root_client.delete("/api/user/self").get_json()
    assert body["success"] is False and "root" in body["message"]
    assert root_client.get("/api/user/self").get_json()["data"]["username"] == "root"


def test_aff_code(app, user_client):
    client, user = user_client
    assert client.get("/api/user/aff").get_json()["data"] == user.aff_code
    with app.app_context():
        db.session.execute(db.update(User).where(User.id == user.id).values(aff_code=None))
        db.session.commit()
    code = client.get("/api/user/aff").get_json()["data"]
    assert len(code) == 4
    assert client.get("/api/user/aff").get_json()["data"] == code


def test_available_models_from_abilities(app, user_client, make_user):
    client, user = user_client
    with app.app_context():
        db.session.add_all([
            Ability(group="default", model="gpt-4o", channel_id=1, enabled=True),
            Ability(group="default", model="claude-3", channel_id=2, enabled=True),
            Ability(group="default", model="gpt-4o", channel_id=2, enabled=True),
            Ability(group="default", model="off-model", channel_id=3, enabled=False),
            Ability(group="vip", model="vip-only", channel_id=1, enabled=True),
        ])
        db.session.commit()
    assert client.get("/api/user/available_models").get_json()["data"] == ["claude-3", "gpt-4o"]
    vip = make_user(group="vip")
    c = app.test_client()
    login(c, vip.username)
    assert c.get("/api/user/available_models").get_json()["data"] == ["vip-only"]


def test_ban_applies_to_live_session_and_access_token(app, user_client, root_client):
    client, user = user_client
    assert client.get("/api/user/self").status_code == 200
    body = root_client.post("/api/user/manage", json={"username": user.username, "action": "disable"}).get_json()
    assert body["success"] is True and body["data"]["status"] == 2
    resp = client.get("/api/user/self")
    assert resp.status_code == 403 and resp.get_json()["success"] is False
    anon = app.test_client()
    assert anon.get("/api/user/self", headers={"Authorization": user.access_token}).status_code == 403
