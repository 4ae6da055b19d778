"""Admin user management: list/search/get/create/update/manage/delete and the outrank rule."""
from __future__ import annotations

import pytest

from oneapi.extensions import db
from oneapi.models import Log, LogType, Role, Token, User, UserStatus
from tests.support.factories import login

ADMIN_ROUTES = (("get", "/api/user/"), ("get", "/api/user/search?keyword=a"), ("get", "/api/user/1"),
                ("post", "/api/user/"), ("put", "/api/user/"), ("post", "/api/user/manage"),
                ("delete", "/api/user/1"))


def root_id(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(User.id).where(User.username == "root")).scalar_one()


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
def test_authorization_matrix(client, user_client, method, path):
    resp = getattr(client, method)(path, json={})
    assert resp.status_code == 401 and resp.get_json()["success"] is False
    common, _ = user_client
    resp = getattr(common, method)(path, json={})
    assert resp.status_code == 403 and resp.get_json()["success"] is False


def test_list_includes_access_token_and_total(app, root_client, make_user):
    users = [make_user(quota=q) for q in (5, 50, 500)]
    body = root_client.get("/api/user/?p=0&size=2").get_json()
    assert body["success"] is True and body["total"] == 4 and len(body["data"]) == 2
    assert all("access_token" in row and "password" not in row for row in body["data"])
    ids = [row["id"] for row in root_client.get("/api/user/?sort=quota&order=asc").get_json()["data"]]
    assert ids[:3] == [u.id for u in users]
    legacy = [row["id"] for row in root_client.get("/api/user/?order=quota").get_json()["data"]]
    assert legacy[1:] == [u.id for u in reversed(users)]
    # unknown sort column falls back to id desc, never an error
    body = root_client.get("/api/user/?sort=password").get_json()
    assert body["success"] is True and body["data"][0]["id"] == users[-1].id
    body = root_client.get("/api/user/?p=abc").get_json()
    assert body["success"] is False and "p" in body["message"]


def test_list_hides_deleted(app, root_client, make_user):
    gone = make_user()
    assert root_client.delete(f"/api/user/{gone.id}").get_json()["success"]
    ids = [row["id"] for row in root_client.get("/api/user/").get_json()["data"]]
    assert gone.id not in ids


def test_search(root_client, make_user):
    alice = make_user(username="alice_s", email="al@example.com")
    make_user(username="bob_s")
    rows = root_client.get("/api/user/search?keyword=alice").get_json()
    assert [r["id"] for r in rows["data"]] == [alice.id] and rows["total"] == 1
    assert "access_token" in rows["data"][0]
    assert [r["id"] for r in root_client.get("/api/user/search?keyword=al@").get_json()["data"]] == [alice.id]
    assert [r["id"] for r in root_client.get(f"/api/user/search?keyword={alice.id}").get_json()["data"]] \
        == [alice.id]
    # LIKE wildcards are literal
    assert root_client.get("/api/user/search?keyword=%25").get_json()["data"] == []


def test_get_user(app, root_client, admin_client, make_user):
    user = make_user()
    body = root_client.get(f"/api/user/{user.id}").get_json()
    assert body["success"] and body["data"]["username"] == user.username
    assert "access_token" not in body["data"] and "password" not in body["data"]
    body = root_client.get("/api/user/999999").get_json()
    assert body["success"] is False and "not found" in body["message"]
    admin, _ = admin_client
    assert admin.get(f"/api/user/{user.id}").get_json()["success"] is True
    resp = admin.get(f"/api/user/{root_id(app)}")
    assert resp.status_code == 200 and resp.get_json()["success"] is False
    other_admin = make_user(role=Role.ADMIN)
    assert admin.get(f"/api/user/{other_admin.id}").get_json()["success"] is False


def test_create_user(app, root_client, admin_client):
    body = root_client.post("/api/user/", json={"username": "created", "password": "password123",
                                               "display_name": "C", "quota": 77, "group": "vip"}).get_json()
    assert body["success"] is True, body
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.username == "created")).scalar_one()
        assert (user.quota, user.group, user.role, user.display_name) == (77, "vip", 1, "C")
        assert db.session.execute(db.select(Token.name).where(Token.user_id == user.id)).scalars().all() \
            == ["default"]
    login(app.test_client(), "created")
    body = root_client.post("/api/user/", json={"username": "created", "password": "password123"}).get_json()
    assert body["success"] is False and body["message"] == "username already exists"
    admin, _ = admin_client
    body = admin.post("/api/user/", json={"username": "boss", "password": "password123", "role": 10}).get_json()
    assert body["success"] is False and "role" in body["message"]
    for bad in ({"username": "x"}, {"username": "y" * 31, "password": "password123"},
                {"username": "q", "password": "password123", "quota": -1},
                {"username": "q", "password": "password123", "quota": "lots"},
                {"username": "q", "password": "password123", "email": "bad"}):
        body = root_client.post("/api/user/", json=bad).get_json()
        assert body["success"] is False, bad
        assert body["message"].startswith("invalid request"), body


def test_update_user_and_quota_log(app, root_client, make_user):
    user = make_user(quota=10)
    body = root_client.put("/api/user/", json={"id": user.id, "quota": 500, "display_name": "Z",
                                              "group": "vip", "password": ""}).get_json()
    assert body["success"] is True, body
    assert body["data"]["quota"] == 500 and body["data"]["group"] == "vip"
    with app.app_context():
        logs = db.session.execute(db.select(Log).where(Log.user_id == user.id)).scalars().all()
        assert [(l.type, "to" in l.content) for l in logs] == [(LogType.MANAGE, True)]
    login(app.test_client(), user.username)  # empty password left the old one
    assert root_client.put("/api/user/", json={"id": user.id, "password": "brandnew99"}).get_json()["success"]
    login(app.test_client(), user.username, "brandnew99")
    body = root_client.put("/api/user/", json={"id": 424242, "quota": 1}).get_json()
    assert body["success"] is False and "not found" in body["message"]
    body = root_client.put("/api/user/", json={"quota": 1}).get_json()
    assert body["success"] is False and "id" in body["message"]
    body = root_client.put("/api/user/", json={"id": user.id, "status": 7}).get_json()
    assert body["success"] is False and "status" in body["message"]
    body = root_client.put("/api/user/", json={"id": user.id, "username": "ab"}).get_json()
    assert body["success"] is False and "username" in body["message"]
    other = make_user()
    body = root_client.put("/api/user/", json={"id": user.id, "username": other.username}).get_json()
    assert body["success"] is False and body["message"] == "username already exists"


def test_update_rules_admin_vs_root(app, root_client, admin_client, make_user):
    admin, me = admin_client
    user = make_user()
    assert admin.put("/api/user/", json={"id": user.id, "quota": 3}).get_json()["success"] is True
    body = admin.put("/api/user/", json={"id": user.id, "role": 10}).get_json()
    assert body["success"] is False and "role" in body["message"]
    body = admin.put("/api/user/", json={"id": root_id(app), "display_name": "pwned"}).get_json()
    assert body["success"] is False
    peer = make_user(role=Role.ADMIN)
    assert admin.put("/api/user/", json={"id": peer.id, "quota": 1}).get_json()["success"] is False
    # root may promote via PUT but cannot demote or ban itself
    assert root_client.put("/api/user/", json={"id": user.id, "role": 10}).get_json()["success"] is True
    assert root_client.put("/api/user/", json={"id": root_id(app), "role": 1}).get_json()["success"] is False
    assert root_client.put("/api/user/", json={"id": root_id(app), "status": 2}).get_json()["success"] is False
    with app.app_context():
        assert db.session.get(User, root_id(app)).display_name == "Root User"


def test_manage_actions(app, root_client, admin_client, make_user):
    user = make_user()

    def manage(client, action, username=user.username):
        return client.post("/api/user/manage", json={"username": username, "action": action}).get_json()

    assert manage(root_client, "disable")["data"] == {"role": 1, "status": 2}
    assert manage(root_client, "enable")["data"] == {"role": 1, "status": 1}
    assert manage(root_client, "promote")["data"] == {"role": 10, "status": 1}
    assert manage(root_client, "promote")["success"] is False
    assert manage(root_client, "demote")["data"] == {"role": 1, "status": 1}
    assert manage(root_client, "demote")["success"] is False
    admin, _ = admin_client
    body = manage(admin, "promote")
    assert body["success"] is False and "root" in body["message"]
    assert manage(admin, "disable")["success"] is True
    for action in ("disable", "delete", "demote"):
        assert manage(root_client, action, "root")["success"] is False
        assert manage(admin, action, "root")["success"] is False
    assert manage(root_client, "explode")["success"] is False
    body = manage(root_client, "enable", "ghost-user")
    assert body["success"] is False and "not found" in body["message"]
    assert manage(root_client, "delete")["success"] is True
    with app.app_context():
        row = db.session.get(User, user.id)
        assert row.status == UserStatus.DELETED and row.username.startswith("deleted_")


def test_delete_user(app, root_client, admin_client, make_user):
    admin, me = admin_client
    user = make_user()
    assert admin.delete(f"/api/user/{user.id}").get_json()["success"] is True
    assert admin.delete(f"/api/user/{user.id}").get_json()["success"] is False  # already gone
    assert admin.delete(f"/api/user/{root_id(app)}").get_json()["success"] is False
    assert root_client.delete(f"/api/user/{root_id(app)}").get_json()["success"] is False
    assert root_client.delete(f"/api/user/{me.id}").get_json()["success"] is True
    assert admin.get("/api/user/").status_code == 403  # its own session is refused at once
    with app.app_context():
        assert db.session.get(User, me.id).status == UserStatus.DELETED


def test_user_a_cannot_touch_user_b(app, make_user):
    a, b = make_user(), make_user()
    client = app.test_client()
    login(client, a.username)
    assert client.get(f"/api/user/{b.id}").status_code == 403
    assert client.put("/api/user/", json={"id": b.id, "quota": 99}).status_code == 403
    assert client.put("/api/user/self", json={"id": b.id, "display_name": "hax"}).get_json()["success"]
    with app.app_context():
        assert db.session.get(User, b.id).display_name == b.display_name
        assert db.session.get(User, a.id).display_name == "hax"


def test_search_escapes_like_wildcards(root_client, make_user):
    under = make_user(username="a_b!c")
    make_user(username="axbxc")
    rows = root_client.get("/api/user/search?keyword=a_b!").get_json()["data"]
    assert [r["id"] for r in rows] == [under.id]


def test_huge_numbers_are_clear_errors_or_empty_pages(root_client):
    body = root_client.get("/api/user/?p=99999999999999999999").get_json()
    assert body["success"] is True and body["data"] == []
    body = root_client.put("/api/user/", json={"id": 1, "quota": 10**30}).get_json()
    assert body["success"] is False and "quota" in body["message"]
    body = root_client.put("/api/user/", json={"id": 10**20, "quota": 1}).get_json()
    assert body["success"] is False and "id" in body["message"]
    body = root_client.get("/api/user/99999999999999999999").get_json()
    assert body["success"] is False and "not found" in body["message"]
