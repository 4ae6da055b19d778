"""External billing (POST /api/token/consume): every phase moves quota exactly."""
from __future__ import annotations

import threading

import pytest

from oneapi.extensions import db
from oneapi.models import Log, LogType, Token, TokenTransaction, User


def bearer(token):
    return {"Authorization": f"Bearer sk-{token.key}"}


def balances(app, token_id, user_id):
    with app.app_context():
        t, u = db.session.get(Token, token_id), db.session.get(User, user_id)
        return {"remain": t.remain_quota, "tused": t.used_quota, "quota": u.quota,
                "uused": u.used_quota}


@pytest.fixture
def key(make_user, make_token):
    user = make_user(quota=10_000)
    token = make_token(user, name="ext", remain_quota=1_000, unlimited_quota=False)
    return token, user


def consume(client, token, **body):
    return client.post("/api/token/consume", json=body, headers=bearer(token)).get_json()


def test_single_charges_key_and_user(app, client, key):
    token, user = key
    body = consume(client, token, add_reason="ocr job", add_used_quota=300)
    assert body["success"], body
    txn = body["transaction"]
    assert txn["status"] == "confirmed" and txn["status_code"] == 2
    assert txn["pre_quota"] == 300 and txn["final_quota"] == 300
    assert body["data"]["remain_quota"] == 700 and body["data"]["key"].startswith("sk-")
    assert balances(app, token.id, user.id) == {"remain": 700, "tused": 300, "quota": 9_700,
                                                "uused": 300}
    with app.app_context():
        log = db.session.get(Log, txn["log_id"])
        assert (log.type, log.quota, log.token_name) == (int(LogType.TOOL), 300, "ext")


def test_single_zero_is_free_audit_row(app, client, key):
    token, user = key
    body = consume(client, token, add_reason="audit", add_used_quota=0)
    assert body["success"] and body["transaction"]["final_quota"] == 0
    assert balances(app, token.id, user.id) == {"remain": 1_000, "tused": 0, "quota": 10_000,
                                                "uused": 0}


def test_pre_then_post_refunds_difference(app, client, key):
    token, user = key
    pre = consume(client, token, phase="pre", add_reason="batch", add_used_quota=400,
                  transaction_id="t-1")
    assert pre["transaction"]["status"] == "pending"
    assert balances(app, token.id, user.id) == {"remain": 600, "tused": 400, "quota": 9_600,
                                                "uused": 0}
    post = consume(client, token, phase="post", add_reason="batch", transaction_id="t-1",
                   final_used_quota=150)
    assert post["success"] and post["transaction"]["status"] == "confirmed"
    assert post["transaction"]["final_quota"] == 150
    assert balances(app, token.id, user.id) == {"remain": 850, "tused": 150, "quota": 9_850,
                                                "uused": 150}
    with app.app_context():
        log = db.session.get(Log, post["transaction"]["log_id"])
        assert log.quota == 150
    again = consume(client, token, phase="post", add_reason="batch", transaction_id="t-1",
                    final_used_quota=10)
    assert again["success"] is False and "confirmed" in again["message"]
    assert balances(app, token.id, user.id)["remain"] == 850


def test_post_charges_extra_and_refuses_overdraft(app, client, key):
    token, user = key
    consume(client, token, phase="pre", add_reason="r", add_used_quota=100, transaction_id="x")
    body = consume(client, token, phase="post", add_reason="r", transaction_id="x",
                   final_used_quota=5_000)
    assert body["success"] is False and "quota" in body["message"]
    assert balances(app, token.id, user.id) == {"remain": 900, "tused": 100, "quota": 9_900,
                                                "uused": 0}
    body = consume(client, token, phase="post", add_reason="r", transaction_id="x",
                   final_used_quota=250)
    assert body["success"]
    assert balances(app, token.id, user.id) == {"remain": 750, "tused": 250, "quota": 9_750,
                                                "uused": 250}


def test_cancel_refunds_hold(app, client, key):
    token, user = key
    consume(client, token, phase="pre", add_reason="r", add_used_quota=500, transaction_id="c")
    body = consume(client, token, phase="cancel", add_reason="r", transaction_id="c")
    assert body["success"] and body["transaction"]["status"] == "canceled"
    assert body["transaction"]["status_code"] == 4
    assert balances(app, token.id, user.id) == {"remain": 1_000, "tused": 0, "quota": 10_000,
                                                "uused": 0}
    body = consume(client, token, phase="cancel", add_reason="r", transaction_id="c")
    assert body["success"] is False


def test_expired_holds_auto_confirm(app, client, key):
    token, user = key
    consume(client, token, phase="pre", add_reason="r", add_used_quota=200, transaction_id="late",
            timeout_seconds=60)
    with app.app_context():
        txn = db.session.execute(db.select(TokenTransaction)).scalar_one()
        txn.expires_at = 1
        db.session.commit()
    body = client.get("/api/token/transactions", headers=bearer(token)).get_json()
    assert body["total"] == 1
    row = body["data"][0]
    assert row["status"] == "auto_confirmed" and row["auto_confirmed"] is True
    assert row["final_quota"] == 200
    assert balances(app, token.id, user.id) == {"remain": 800, "tused": 200, "quota": 9_800,
                                                "uused": 200}
    body = consume(client, token, phase="post", add_reason="r", transaction_id="late",
                   final_used_quota=1)
    assert body["success"] is False


def test_insufficient_quota_writes_nothing(app, client, key):
    token, user = key
    body = consume(client, token, phase="pre", add_reason="r", add_used_quota=1_001)
    assert body["success"] is False and "quota" in body["message"]
    body = consume(client, token, add_reason="r", add_used_quota=5_000)
    assert body["success"] is False
    assert balances(app, token.id, user.id) == {"remain": 1_000, "tused": 0, "quota": 10_000,
                                                "uused": 0}
    with app.app_context():
        assert db.session.query(TokenTransaction).count() == 0
        assert db.session.query(Log).count() == 0


def test_user_balance_limits_unlimited_key(app, client, make_user, make_token):
    user = make_user(quota=100)
    token = make_token(user)  # unlimited key
    assert consume(client, token, add_reason="r", add_used_quota=101)["success"] is False
    assert consume(client, token, add_reason="r", add_used_quota=100)["success"] is True
    assert balances(app, token.id, user.id)["quota"] == 0


@pytest.mark.parametrize("body, fragment", [
    ({"add_used_quota": 5}, "add_reason"),
    ({"add_reason": "r", "add_used_quota": -1}, "add_used_quota"),
    ({"add_reason": "r", "add_used_quota": "many"}, "add_used_quota"),
    ({"add_reason": "r", "phase": "later"}, "phase"),
    ({"add_reason": "r", "phase": "pre"}, "add_used_quota"),
    ({"add_reason": "r", "phase": "post"}, "transaction_id"),
    ({"add_reason": "r", "phase": "cancel", "transaction_id": "missing"}, "not found"),
    ({"add_reason": "r", "transaction_id": "x" * 129}, "transaction_id"),
])
def test_bad_requests(app, client, key, body, fragment):
    token, user = key
    resp = client.post("/api/token/consume", json=body, headers=bearer(token)).get_json()
    assert resp["success"] is False and fragment in resp["message"], resp
    assert balances(app, token.id, user.id)["remain"] == 1_000


def test_duplicate_transaction_id_conflicts(client, key):
    token, _ = key
    assert consume(client, token, phase="pre", add_reason="r", add_used_quota=1,
                   transaction_id="dup")["success"]
    body = consume(client, token, phase="pre", add_reason="r", add_used_quota=1,
                   transaction_id="dup")
    assert body["success"] is False and "already exists" in body["message"]


def test_other_keys_cannot_touch_a_transaction(app, client, key, make_user, make_token):
    token, _ = key
    consume(client, token, phase="pre", add_reason="r", add_used_quota=10, transaction_id="own")
    intruder = make_token(make_user(quota=100))
    body = consume(client, intruder, phase="cancel", add_reason="r", transaction_id="own")
    assert body["success"] is False and "not found" in body["message"]
    assert client.get("/api/token/transactions", headers=bearer(intruder)).get_json()["total"] == 0


def test_requires_relay_key(app, client, user_client):
    c, user = user_client
    assert client.post("/api/token/consume", json={"add_reason": "r"}).status_code == 401
    resp = c.post("/api/token/consume", json={"add_reason": "r"},
                  headers={"Authorization": user.access_token})
    assert resp.status_code == 401


def test_concurrent_posts_settle_once(app, key):
    token, user = key
    c0 = app.test_client()
    consume(c0, token, phase="pre", add_reason="r", add_used_quota=300, transaction_id="race")
    clients = [app.test_client() for _ in range(5)]
    barrier = threading.Barrier(len(clients))
    results = []

    def run(c):
        barrier.wait()
        results.append(consume(c, token, phase="post", add_reason="r", transaction_id="race",
                               final_used_quota=100))

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(1 for r in results if r["success"]) == 1, results
    assert all(r["success"] or "concurrently" in r["message"] or "already" in r["message"]
               for r in results), results
    assert balances(app, token.id, user.id) == {"remain": 900, "tused": 100, "quota": 9_900,
                                                "uused": 100}


def test_hold_of_whole_balance_can_still_be_settled_and_cancelled(app, client, key):
    token, user = key
    consume(client, token, phase="pre", add_reason="r", add_used_quota=1_000, transaction_id="all")
    # the key now has no quota left: new charges are refused...
    resp = client.post("/api/token/consume", json={"add_reason": "r", "add_used_quota": 1},
                       headers=bearer(token))
    assert resp.status_code == 401
    # ...but the hold can be cancelled, which makes the key usable again
    body = consume(client, token, phase="cancel", add_reason="r", transaction_id="all")
    assert body["success"], body
    assert body["data"]["status"] == 1 and body["data"]["remain_quota"] == 1_000
    assert client.get("/api/token/balance", headers=bearer(token)).get_json()["success"]
    consume(client, token, phase="pre", add_reason="r", add_used_quota=1_000, transaction_id="all2")
    body = consume(client, token, phase="post", add_reason="r", transaction_id="all2",
                   final_used_quota=1_000)
    assert body["success"] and body["data"]["remain_quota"] == 0
    # a new charge on the spent key is refused
    resp = client.post("/api/token/consume", json={"add_reason": "r", "add_used_quota": 1},
                       headers=bearer(token))
    assert resp.status_code == 401
