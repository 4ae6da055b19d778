"""Redemption codes: admin CRUD, redeem exactly once (also concurrently), brute-force guard."""
from __future__ import annotations

import threading

import pytest

from oneapi.extensions import db
from oneapi.models import Log, LogType, Redemption, User
from oneapi.services.redemptions import failures
from tests.support.factories import login


@pytest.fixture(autouse=True)
def _reset_failures():
    failures.clear()
    yield
    failures.clear()


def user_quota(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).quota


def make_codes(client, name="gift", quota=1000, count=1):
    body = client.post("/api/redemption/", json={"name": name, "quota": quota, "count": count}).get_json()
    assert body["success"], body
    return body["data"]


def test_batch_create_list_get_update_delete(app, root_client):
    keys = make_codes(root_client, count=3)
    assert len(keys) == 3 and all(len(k) == 32 for k in keys) and len(set(keys)) == 3
    body = root_client.get("/api/redemption/?size=2").get_json()
    assert body["total"] == 3 and len(body["data"]) == 2
    rid = body["data"][0]["id"]
    one = root_client.get(f"/api/redemption/{rid}").get_json()["data"]
    assert one["name"] == "gift" and one["quota"] == 1000 and one["status"] == 1
    body = root_client.put("/api/redemption/", json={"id": rid, "name": "renamed", "quota": 7}).get_json()
    assert body["success"] and body["data"]["name"] == "renamed" and body["data"]["quota"] == 7
    body = root_client.put("/api/redemption/?status_only=true",
                           json={"id": rid, "status": 2, "name": "ignored"}).get_json()
    assert body["data"]["status"] == 2 and body["data"]["name"] == "renamed"
    body = root_client.get("/api/redemption/search?keyword=ren").get_json()
    assert body["total"] == 1 and body["data"][0]["id"] == rid
    assert root_client.delete(f"/api/redemption/{rid}").get_json()["success"]
    assert root_client.get(f"/api/redemption/{rid}").get_json()["success"] is False
    assert root_client.delete(f"/api/redemption/{rid}").get_json()["success"] is False


@pytest.mark.parametrize("payload, fragment", [
    ({"name": "", "quota": 1, "count": 1}, "name"),
    ({"name": "x" * 21, "quota": 1, "count": 1}, "name"),
    ({"name": "ok", "quota": 1, "count": 0}, "count"),
    ({"name": "ok", "quota": 1, "count": 101}, "count"),
    ({"name": "ok", "quota": -1, "count": 1}, "quota"),
    ({"name": "ok", "quota": "many", "count": 1}, "quota"),
    ({"name": "ok", "count": 1}, "quota"),
])
def test_create_rejects_bad_input(app, root_client, payload, fragment):
    body = root_client.post("/api/redemption/", json=payload).get_json()
    assert body["success"] is False and fragment in body["message"], body
    with app.app_context():
        assert db.session.query(Redemption).count() == 0


def test_update_errors(root_client):
    body = root_client.put("/api/redemption/", json={"id": 999, "name": "x"}).get_json()
    assert body["success"] is False and "not found" in body["message"]
    body = root_client.put("/api/redemption/", json={"name": "x"}).get_json()
    assert body["success"] is False and "id" in body["message"]
    key = make_codes(root_client)[0]
    rid = root_client.get("/api/redemption/").get_json()["data"][0]["id"]
    body = root_client.put("/api/redemption/", json={"id": rid, "status": 5}).get_json()
    assert body["success"] is False and "status" in body["message"]
    assert key


def test_redeem_credits_once_and_logs(app, root_client, user_client):
    c, user = user_client
    key = make_codes(root_client, quota=5000)[0]
    before = user_quota(app, user.id)
    body = c.post("/api/user/topup", json={"key": key}).get_json()
    assert body == {"success": True, "message": "", "data": 5000}
    assert user_quota(app, user.id) == before + 5000
    body = c.post("/api/user/topup", json={"key": key}).get_json()
    assert body["success"] is False and "already been used" in body["message"]
    assert user_quota(app, user.id) == before + 5000
    with app.app_context():
        logs = db.session.execute(db.select(Log).where(Log.user_id == user.id)).scalars().all()
        assert [(l.type, l.quota) for l in logs] == [(int(LogType.TOPUP), 5000)]
        row = db.session.execute(db.select(Redemption).where(Redemption.key == key)).scalar_one()
        assert row.status == 3 and row.redeemed_time > 0


def test_disabled_and_unknown_codes(app, root_client, user_client):
    c, user = user_client
    key = make_codes(root_client)[0]
    rid = root_client.get("/api/redemption/").get_json()["data"][0]["id"]
    root_client.put("/api/redemption/?status_only=1", json={"id": rid, "status": 2})
    body = c.post("/api/user/topup", json={"key": key}).get_json()
    assert body["success"] is False and "disabled" in body["message"]
    body = c.post("/api/user/topup", json={"key": "nope"}).get_json()
    assert body["success"] is False and "invalid" in body["message"]
    body = c.post("/api/user/topup", json={}).get_json()
    assert body["success"] is False and "key" in body["message"]
    body = c.post("/api/user/topup", data="garbage", content_type="application/json").get_json()
    assert body["success"] is False


def test_brute_force_guard_returns_429(app, root_client, user_client):
    c, user = user_client
    limit = app.config["SETTINGS"].redeem_failure_rate_limit
    for _ in range(limit):
        assert c.post("/api/user/topup", json={"key": "wrong"}).status_code == 200
    good = make_codes(root_client)[0]
    resp = c.post("/api/user/topup", json={"key": good})
    assert resp.status_code == 429 and resp.get_json()["success"] is False
    failures.clear()
    assert c.post("/api/user/topup", json={"key": good}).get_json()["success"]


def test_concurrent_redeem_credits_exactly_once(app, root_client, make_user):
    key = make_codes(root_client, quota=777)[0]
    users = [make_user(quota=0) for _ in range(6)]
    clients = []
    for u in users:
        c = app.test_client()
        login(c, u.username)
        clients.append(c)
    barrier = threading.Barrier(len(clients))
    results = []

    def run(c):
        barrier.wait()
        resp = c.post("/api/user/topup", json={"key": key})
        results.append((resp.status_code, resp.get_json()))

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(status == 200 for status, _ in results), results
    assert sum(1 for _, body in results if body["success"]) == 1, results
    assert all(body["success"] or "already been used" in body["message"] for _, body in results), results
    assert sum(user_quota(app, u.id) for u in users) == 777
    with app.app_context():
        assert db.session.query(Log).filter(Log.type == int(LogType.TOPUP)).count() == 1


def test_authorization_matrix(client, user_client, admin_client):
    c_user, _ = user_client
    c_admin, _ = admin_client
    routes = [("get", "/api/redemption/", None), ("get", "/api/redemption/1", None),
              ("get", "/api/redemption/search", None),
              ("post", "/api/redemption/", {"name": "a", "quota": 1, "count": 1}),
              ("put", "/api/redemption/", {"id": 1, "name": "b"}),
              ("delete", "/api/redemption/1", None)]
    for method, path, body in routes:
        assert getattr(client, method)(path, json=body).status_code == 401
        assert getattr(c_user, method)(path, json=body).status_code == 403
        assert getattr(c_admin, method)(path, json=body).status_code == 200
    assert client.post("/api/user/topup", json={"key": "x"}).status_code == 401
