"""Self-service tokens and the admin read-only token views."""
from __future__ import annotations

import time

import pytest

from oneapi.extensions import db
from oneapi.models import Token
from tests.support.factories import login


def db_token(app, token_id):
    with app.app_context():
        tok = db.session.get(Token, token_id)
        db.session.expunge(tok)
        return tok


def test_create_returns_prefixed_key_and_stores_bare_key(app, user_client):
    c, user = user_client
    body = c.post("/api/token/", json={"name": "mine", "remain_quota": 100, "unlimited_quota": False,
                                       "expired_time": -1, "models": "gpt-4o, o3", "subnet": "10.0.0.0/8,192.168.1.5"}).get_json()
    assert body["success"], body
    data = body["data"]
    assert data["key"].startswith("sk-") and len(data["key"]) == 51
    assert data["models"] == "gpt-4o,o3" and data["subnet"] == "10.0.0.0/8,192.168.1.5"
    assert data["user_id"] == user.id and data["status"] == 1
    stored = db_token(app, data["id"])
    assert stored.key == data["key"][3:]
    got = c.get(f"/api/token/{data['id']}").get_json()["data"]
    assert got["key"] == data["key"]


def test_models_may_be_sent_as_list(user_client):
    c, _ = user_client
    body = c.post("/api/token/", json={"name": "l", "models": ["a", "b"]}).get_json()
    assert body["data"]["models"] == "a,b"


@pytest.mark.parametrize("payload, fragment", [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 31}, "name"),
    ({"name": "ok", "remain_quota": -5}, "remain_quota"),
    ({"name": "ok", "remain_quota": "lots"}, "remain_quota"),
    ({"name": "ok", "expired_time": -7}, "expired_time"),
    ({"name": "ok", "subnet": "10.0.0.0/33"}, "subnet"),
    ({"name": "ok", "subnet": "not-an-ip"}, "subnet"),
    ({"name": "ok", "models": 5}, "models"),
    ({"name": 12}, "name"),
])
def test_create_rejects_bad_input(app, user_client, payload, fragment):
    c, _ = user_client
    body = c.post("/api/token/", json=payload).get_json()
    assert body["success"] is False and fragment in body["message"], body
    with app.app_context():
        assert db.session.query(Token).count() == 0


def test_list_search_sort_and_paging(user_client, make_token):
    c, user = user_client
    for name, quota in (("alpha", 5), ("beta", 50), ("alps", 500)):
        make_token(user, name=name, remain_quota=quota, unlimited_quota=False)
    body = c.get("/api/token/?p=0&size=2").get_json()
    assert body["total"] == 3 and [t["name"] for t in body["data"]] == ["alps", "beta"]
    assert all(t["key"].startswith("sk-") for t in body["data"])
    body = c.get("/api/token/?order=remain_quota").get_json()
    assert [t["name"] for t in body["data"]] == ["alps", "beta", "alpha"]
    body = c.get("/api/token/?sort=remain_quota&order=asc").get_json()
    assert [t["name"] for t in body["data"]] == ["alpha", "beta", "alps"]
    body = c.get("/api/token/search?keyword=al").get_json()
    assert body["total"] == 2 and {t["name"] for t in body["data"]} == {"alpha", "alps"}


def test_update_full_and_status_only(app, user_client, make_token):
    c, user = user_client
    tok = make_token(user, name="t1", remain_quota=10, unlimited_quota=False)
    body = c.put("/api/token/", json={"id": tok.id, "name": "t2", "remain_quota": 99,
                                      "models": "", "subnet": "", "used_quota": 12345,
                                      "key": "hijack"}).get_json()
    assert body["success"], body
    stored = db_token(app, tok.id)
    assert stored.name == "t2" and stored.remain_quota == 99 and stored.used_quota == 0
    assert stored.key == tok.key
    body = c.put("/api/token/?status_only=true", json={"id": tok.id, "status": 2,
                                                       "name": "ignored"}).get_json()
    assert body["success"] and body["data"]["status"] == 2 and body["data"]["name"] == "t2"


def test_status_rules(app, user_client, make_token):
    c, user = user_client
    past = int(time.time()) - 100
    expired = make_token(user, name="exp", expired_time=past, status=3)
    body = c.put("/api/token/?status_only=1", json={"id": expired.id, "status": 1}).get_json()
    assert body["success"] is False and "expired" in body["message"]
    # a new expiry in the future flips a submitted "expired" status back to enabled
    body = c.put("/api/token/", json={"id": expired.id, "status": 3,
                                      "expired_time": int(time.time()) + 3600}).get_json()
    assert body["success"] and body["data"]["status"] == 1

    spent = make_token(user, name="spent", remain_quota=0, unlimited_quota=False, status=4)
    body = c.put("/api/token/?status_only=1", json={"id": spent.id, "status": 1}).get_json()
    assert body["success"] is False and "quota" in body["message"]
    body = c.put("/api/token/", json={"id": spent.id, "status": 4, "remain_quota": 10}).get_json()
    assert body["success"] and body["data"]["status"] == 1
    body = c.put("/api/token/", json={"id": spent.id, "status": 7}).get_json()
    assert body["success"] is False and "status" in body["message"]


def test_foreign_tokens_are_not_found(app, user_client, make_user, make_token):
    c, _ = user_client
    other = make_user()
    theirs = make_token(other, name="theirs")
    assert c.get(f"/api/token/{theirs.id}").get_json()["success"] is False
    body = c.put("/api/token/", json={"id": theirs.id, "name": "pwned"}).get_json()
    assert body["success"] is False and "not found" in body["message"]
    assert c.delete(f"/api/token/{theirs.id}").get_json()["success"] is False
    assert db_token(app, theirs.id).name == "theirs"
    assert c.get("/api/token/").get_json()["total"] == 0
    assert c.get("/api/token/search?keyword=the").get_json()["total"] == 0


def test_delete_own(app, user_client, make_token):
    c, user = user_client
    tok = make_token(user)
    assert c.delete(f"/api/token/{tok.id}").get_json()["success"]
    with app.app_context():
        assert db.session.get(Token, tok.id) is None
    assert c.delete(f"/api/token/{tok.id}").get_json()["success"] is False


def test_anonymous_and_access_token(app, client, make_user):
    assert client.get("/api/token/").status_code == 401
    assert client.post("/api/token/", json={"name": "x"}).status_code == 401
    user = make_user()
    resp = client.get("/api/token/", headers={"Authorization": user.access_token})
    assert resp.status_code == 200 and resp.get_json()["success"]


def test_admin_tokens_read_only_cross_user(app, user_client, admin_client, root_client, make_user,
                                           make_token):
    c_user, user = user_client
    c_admin, _ = admin_client
    other = make_user()
    t1 = make_token(user, name="u-tok")
    make_token(other, name="o-tok")
    body = c_admin.get("/api/admin/tokens/").get_json()
    assert body["total"] == 2
    assert t1.key in {t["key"] for t in body["data"]}
    assert all(len(t["key"]) == 48 for t in body["data"])  # raw key, no prefix
    body = c_admin.get(f"/api/admin/tokens/?user_id={other.id}").get_json()
    assert [t["name"] for t in body["data"]] == ["o-tok"]
    body = root_client.get("/api/admin/tokens/search?keyword=u-").get_json()
    assert [t["name"] for t in body["data"]] == ["u-tok"]
    body = c_admin.get(f"/api/admin/tokens/{t1.id}").get_json()
    assert body["data"]["key"] == t1.key
    assert c_admin.get("/api/admin/tokens/99999").get_json()["success"] is False
    assert c_user.get("/api/admin/tokens/").status_code == 403
    assert c_admin.post("/api/admin/tokens/", json={}).status_code == 405


def test_banned_user_refused(app, make_user):
    user = make_user(status=1)
    c = app.test_client()
    login(c, user.username)
    from oneapi.models import User
    with app.app_context():
        db.session.get(User, user.id).status = 2
        db.session.commit()
    assert c.get("/api/token/").status_code == 403


def test_zero_expiry_means_never_and_legacy_prefix_display(app, client, make_user, make_token):
    user = make_user()
    tok = make_token(user, expired_time=0)
    resp = client.get("/api/token/balance", headers={"Authorization": f"Bearer sk-{tok.key}"})
    assert resp.get_json()["success"]
    legacy = make_token(user)
    with app.app_context():
        db.session.get(Token, legacy.id).key = "sk-" + "a" * 45
        db.session.commit()
    c = app.test_client()
    login(c, user.username)
    got = c.get(f"/api/token/{legacy.id}").get_json()["data"]
    assert got["key"] == "sk-" + "a" * 45


def test_cache_bus_bumped_on_token_writes(user_client):
    from oneapi.services import cache_bus

    c, _ = user_client
    before = cache_bus.generation("tokens")
    tid = c.post("/api/token/", json={"name": "x"}).get_json()["data"]["id"]
    mid = cache_bus.generation("tokens")
    assert mid != before
    c.delete(f"/api/token/{tid}")
    assert cache_bus.generation("tokens") != mid
