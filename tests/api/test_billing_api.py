"""Admin top-up, per-request cost, relay-key introspection, OpenAI-style billing, catalogues."""
from __future__ import annotations

import time

import pytest

from oneapi.extensions import db
from oneapi.models import Log, LogType, User, UserRequestCost
from oneapi.services import options as options_service
from tests.support.factories import login


def bearer(token):
    return {"Authorization": f"Bearer sk-{token.key}"}


def user_row(app, user_id):
    with app.app_context():
        u = db.session.get(User, user_id)
        db.session.expunge(u)
        return u


def set_opt(app, key, value):
    with app.app_context():
        options_service.set_option(key, value)
        db.session.commit()
        options_service.store().load()


# ------------------------------------------------------------------ /api/topup

def test_admin_topup_credits_and_logs(app, admin_client, make_user):
    c, _ = admin_client
    user = make_user(quota=10)
    body = c.post("/api/topup", json={"user_id": user.id, "quota": 500, "remark": "promo"}).get_json()
    assert body["success"], body
    assert user_row(app, user.id).quota == 510
    with app.app_context():
        log = db.session.execute(db.select(Log).where(Log.user_id == user.id)).scalar_one()
        assert (log.type, log.quota, log.content) == (int(LogType.TOPUP), 500, "promo")
    c.post("/api/topup", json={"user_id": user.id, "quota": 500000})
    with app.app_context():
        contents = db.session.execute(db.select(Log.content).order_by(Log.id)).scalars().all()
        assert contents[-1] == "Recharged via API $1"


@pytest.mark.parametrize("payload, fragment", [
    ({"user_id": 999999, "quota": 5}, "not found"),
    ({"quota": 5}, "user_id"),
    ({"user_id": 1, "quota": 0}, "quota"),
    ({"user_id": 1, "quota": "x"}, "quota"),
    ({"user_id": "abc", "quota": 5}, "user_id"),
])
def test_admin_topup_errors(root_client, payload, fragment):
    body = root_client.post("/api/topup", json=payload).get_json()
    assert body["success"] is False and fragment in body["message"], body


def test_topup_requires_admin(client, user_client, make_user):
    c, user = user_client
    assert client.post("/api/topup", json={"user_id": user.id, "quota": 5}).status_code == 401
    assert c.post("/api/topup", json={"user_id": user.id, "quota": 5}).status_code == 403


# ------------------------------------------------------------------ /api/cost/request

@pytest.fixture
def cost_row(app, make_user):
    owner = make_user()
    with app.app_context():
        db.session.add(UserRequestCost(user_id=owner.id, request_id="req123", quota=250000,
                                       created_time=int(time.time())))
        db.session.commit()
    return owner


def test_cost_visible_to_owner_by_key_session_and_access_token(app, cost_row, make_token):
    owner = cost_row
    tok = make_token(owner)
    c = app.test_client()
    resp = c.get("/api/cost/request/req123", headers=bearer(tok))
    body = resp.get_json()
    assert resp.status_code == 200
    assert body["request_id"] == "req123" and body["user_id"] == owner.id
    assert body["quota"] == 250000 and body["cost_usd"] == 0.5 and "success" not in body
    resp = c.get("/api/cost/request/req123", headers={"Authorization": owner.access_token})
    assert resp.get_json()["cost_usd"] == 0.5
    login(c, owner.username)
    assert c.get("/api/cost/request/req123").get_json()["quota"] == 250000


def test_cost_hidden_from_others(app, client, cost_row, make_user, make_token, root_client,
                                 admin_client):
    stranger = make_user()
    tok = make_token(stranger)
    miss = client.get("/api/cost/request/nope", headers=bearer(tok)).get_json()
    foreign = client.get("/api/cost/request/req123", headers=bearer(tok)).get_json()
    assert miss["success"] is False and foreign["success"] is False
    assert foreign["message"].replace("req123", "X") == miss["message"].replace("nope", "X")
    c = app.test_client()
    login(c, stranger.username)
    assert c.get("/api/cost/request/req123").get_json()["success"] is False
    assert client.get("/api/cost/request/req123").status_code == 401
    assert client.get("/api/cost/request/req123",
                      headers={"Authorization": "Bearer sk-bogus"}).status_code == 401
    assert root_client.get("/api/cost/request/req123").get_json()["quota"] == 250000
    assert admin_client[0].get("/api/cost/request/req123").get_json()["quota"] == 250000


# ------------------------------------------------------------------ relay-key endpoints

def test_balance_and_key_errors(app, client, make_user, make_token):
    user = make_user(quota=100)
    tok = make_token(user, remain_quota=42, unlimited_quota=False)
    body = client.get("/api/token/balance", headers=bearer(tok)).get_json()
    assert body["data"] == {"remain_quota": 42, "used_quota": 0, "unlimited_quota": False}
    # X-Api-Key and a bare key work too
    assert client.get("/api/token/balance", headers={"X-Api-Key": f"sk-{tok.key}"}).get_json()["success"]
    assert client.get("/api/token/balance", headers={"Authorization": tok.key}).get_json()["success"]
    assert client.get("/api/token/balance").status_code == 401
    assert client.get("/api/token/balance", headers={"Authorization": "Bearer sk-unknown"}).status_code == 401
    disabled = make_token(user, status=2)
    assert client.get("/api/token/balance", headers=bearer(disabled)).status_code == 401
    expired = make_token(user, expired_time=int(time.time()) - 5)
    assert client.get("/api/token/balance", headers=bearer(expired)).status_code == 401
    spent = make_token(user, remain_quota=0, unlimited_quota=False)
    # read-only introspection still answers for a spent key; charging it does not
    body = client.get("/api/token/balance", headers=bearer(spent)).get_json()
    assert body["data"]["remain_quota"] == 0
    resp = client.post("/api/token/consume", json={"add_reason": "r", "add_used_quota": 1},
                       headers=bearer(spent))
    assert resp.status_code == 401
    with app.app_context():
        from oneapi.models import Token

        assert db.session.get(Token, expired.id).status == 3
        assert db.session.get(Token, spent.id).status == 4
    fenced = make_token(user, subnet="10.9.0.0/16")
    assert client.get("/api/token/balance", headers=bearer(fenced)).status_code == 403
    banned = make_user(status=2)
    assert client.get("/api/token/balance", headers=bearer(make_token(banned))).status_code == 403


def test_get_by_token_and_available_models(app, client, make_user, make_token, make_channel):
    user = make_user(quota=7, group="default")
    make_channel(models="gpt-4o,o3", group="default")
    make_channel(models="claude-x", group="vip")
    tok = make_token(user, name="k", models="gpt-4o,claude-x,unknown")
    body = client.get("/api/user/get-by-token", headers=bearer(tok)).get_json()
    data = body["data"]
    assert data["user"]["username"] == user.username and data["user"]["quota"] == 7
    assert "password" not in data["user"] and "access_token" not in data["user"]
    assert data["token"]["name"] == "k" and "key" not in data["token"]
    assert data["token_available_models"] == ["gpt-4o", "claude-x", "unknown"]
    assert data["token_id"] == tok.id and data["username"] == user.username
    assert body["token_name"] == "k" and body["user_id"] == user.id
    body = client.get("/api/available_models", headers=bearer(tok)).get_json()
    assert body["data"] == {"available": ["gpt-4o"], "enabled": True}
    free = make_token(user, name="free")
    body = client.get("/api/available_models", headers=bearer(free)).get_json()
    assert body["success"] is False and "no available models" in body["message"]
    assert client.get("/api/user/get-by-token").status_code == 401


def test_token_logs_only_this_key(app, client, make_user, make_token):
    user, other = make_user(), make_user()
    tok = make_token(user, name="mine")
    with app.app_context():
        for uid, name, typ in ((user.id, "mine", 2), (user.id, "mine", 6), (user.id, "else", 2),
                               (other.id, "mine", 2)):
            db.session.add(Log(user_id=uid, token_name=name, type=typ, created_at=1, quota=1))
        db.session.commit()
    body = client.get("/api/token/logs", headers=bearer(tok)).get_json()
    assert body["total"] == 1 and body["data"][0]["token_name"] == "mine"
    assert client.get("/api/token/logs?type=bad", headers=bearer(tok)).get_json()["success"] is False


# ------------------------------------------------------------------ /dashboard/billing

def test_dashboard_subscription_and_usage_token_stat(app, client, make_user, make_token):
    user = make_user(quota=1_000_000, used_quota=500_000)
    tok = make_token(user, remain_quota=750_000, unlimited_quota=False, used_quota=250_000,
                     expired_time=2_000_000_000)
    for prefix in ("", "/v1"):
        body = client.get(f"{prefix}/dashboard/billing/subscription", headers=bearer(tok)).get_json()
        assert body == {"object": "billing_subscription", "has_payment_method": True,
                        "soft_limit_usd": 2.0, "hard_limit_usd": 2.0, "system_hard_limit_usd": 2.0,
                        "access_until": 2_000_000_000}
        body = client.get(f"{prefix}/dashboard/billing/usage", headers=bearer(tok)).get_json()
        assert body == {"object": "list", "total_usage": 50.0}
    unlimited = make_token(user)
    body = client.get("/dashboard/billing/subscription", headers=bearer(unlimited)).get_json()
    assert body["hard_limit_usd"] == 100000000 and body["access_until"] == 0


def test_dashboard_user_figures_when_token_stat_disabled(app, client, make_user, make_token):
    set_opt(app, "DisplayTokenStatEnabled", "false")
    user = make_user(quota=1_000_000, used_quota=500_000)
    tok = make_token(user, remain_quota=5, unlimited_quota=False)
    body = client.get("/dashboard/billing/subscription", headers=bearer(tok)).get_json()
    assert body["hard_limit_usd"] == 3.0
    body = client.get("/dashboard/billing/usage", headers=bearer(tok)).get_json()
    assert body["total_usage"] == 100.0


def test_dashboard_errors_are_openai_shaped(client):
    resp = client.get("/dashboard/billing/subscription")
    assert resp.status_code == 401
    err = resp.get_json()["error"]
    assert err["type"] == "one_api_error" and resp.headers["X-Oneapi-Request-Id"] in err["message"]


# ------------------------------------------------------------------ catalogues

def test_models_types_and_pricing(client, root_client, user_client):
    body = root_client.get("/api/models").get_json()
    assert "gpt-4o" in body["data"]["1"] and body["data"]["58"] == []
    types = root_client.get("/api/channel/types").get_json()["data"]
    assert {t["id"] for t in types} == set(range(59))
    listing = root_client.get("/api/channel/models").get_json()
    assert listing["object"] == "list" and any(m["id"] == "gpt-4o" for m in listing["data"])
    c, _ = user_client
    assert c.get("/api/models").status_code == 403
    assert client.get("/api/channel/types").status_code == 401
    prices = client.get("/api/pricing").get_json()
    assert prices["success"] and any(row["model"] == "gpt-4o" for row in prices["data"])


# ------------------------------------------------------------------ the walkthrough

def test_new_operator_walkthrough(app, root_client):
    """root creates a user, a channel, a token and a code; the user redeems it and sees only
    their own tokens and logs; the admin sees everything."""
    body = root_client.post("/api/user/", json={"username": "walker", "password": "password123"}).get_json()
    assert body["success"], body
    assert root_client.post("/api/channel/", json={"name": "up", "type": 1, "key": "sk-up",
                                                   "models": "gpt-4o"}).get_json()["success"]
    assert root_client.post("/api/token/", json={"name": "root-key"}).get_json()["success"]
    code = root_client.post("/api/redemption/", json={"name": "gift", "quota": 250000,
                                                      "count": 1}).get_json()["data"][0]
    user = app.test_client()
    login(user, "walker", "password123")
    assert user.post("/api/user/topup", json={"key": code}).get_json()["data"] == 250000
    assert user.post("/api/token/", json={"name": "walker-key"}).get_json()["success"]
    own = user.get("/api/token/").get_json()
    assert [t["name"] for t in own["data"] if t["name"] != "default"] == ["walker-key"]
    logs = user.get("/api/log/self").get_json()
    assert logs["total"] >= 1 and {r["username"] for r in logs["data"]} == {"walker"}
    assert user.get("/api/log/").status_code == 403
    everything = root_client.get("/api/admin/tokens/").get_json()
    assert {"root-key", "walker-key"} <= {t["name"] for t in everything["data"]}
    all_logs = root_client.get("/api/log/?type=1").get_json()
    assert any(r["username"] == "walker" for r in all_logs["data"])
