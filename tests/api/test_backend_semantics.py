"""What one-api relies on from the database, checked on whichever backend ONEAPI_TEST_DB picks
(SQLite, PostgreSQL, MySQL/MariaDB): case-sensitive relay keys and ability models, 4-byte UTF-8,
LIKE wildcards taken literally, booleans, read-after-write after a lost race."""
from __future__ import annotations

import threading

from sqlalchemy import select

from oneapi.extensions import db
from oneapi.models import Ability, Token
from oneapi.services.security import new_token_key
from tests.support.factories import login


def _swapcase_key(key: str) -> str:
    swapped = key.swapcase()
    assert swapped != key
    return swapped


def test_relay_key_is_case_sensitive(app, client, make_user, make_token, make_channel):
    make_channel(models="gpt-3.5-turbo")
    user = make_user(quota=10**9)
    token = make_token(user)
    ok = client.get("/v1/models", headers={"Authorization": f"Bearer sk-{token.key}"})
    assert ok.status_code == 200, ok.get_json()
    wrong = client.get("/v1/models", headers={"Authorization": f"Bearer sk-{_swapcase_key(token.key)}"})
    assert wrong.status_code == 401, wrong.get_json()


def test_keys_differing_only_in_case_are_distinct_rows(app, make_user):
    user = make_user()
    key = new_token_key()
    with app.app_context():
        db.session.add_all([Token(user_id=user.id, key=key, name="lower", remain_quota=0, unlimited_quota=True),
                            Token(user_id=user.id, key=_swapcase_key(key), name="upper", remain_quota=0,
                                  unlimited_quota=True)])
        db.session.commit()
        found = db.session.execute(select(Token.name).where(Token.key == _swapcase_key(key))).scalars().all()
        assert found == ["upper"]


def test_models_differing_only_in_case_get_their_own_abilities(app, make_channel):
    channel = make_channel(models="Qwen-Max,qwen-max", group="default")
    with app.app_context():
        models = sorted(db.session.execute(select(Ability.model).where(Ability.channel_id == channel.id))
                        .scalars())
        assert models == ["Qwen-Max", "qwen-max"]
        exact = db.session.execute(select(Ability.model).where(Ability.model == "qwen-max")).scalars().all()
        assert exact == ["qwen-max"]


def test_four_byte_utf8_round_trips(app, root_client):
    resp = root_client.post("/api/token/", json={"name": "rocket 🚀 键", "unlimited_quota": True})
    assert resp.get_json()["success"], resp.get_json()
    items = root_client.get("/api/token/?p=0&size=50").get_json()["data"]
    assert "rocket 🚀 键" in [t["name"] for t in items]


def test_like_search_takes_wildcards_literally(app, root_client):
    for name in ["50%_off\\x", "50abcoff", "50_x"]:
        resp = root_client.post("/api/token/", json={"name": name, "unlimited_quota": True})
        assert resp.get_json()["success"], resp.get_json()
    found = root_client.get("/api/token/search", query_string={"keyword": "50%_"}).get_json()
    assert found["success"], found
    assert [t["name"] for t in found["data"]] == ["50%_off\\x"]


def test_booleans_come_back_as_booleans(app, root_client):
    resp = root_client.post("/api/token/", json={"name": "flag", "unlimited_quota": True})
    assert resp.get_json()["success"], resp.get_json()
    items = root_client.get("/api/token/?p=0&size=50").get_json()["data"]
    token = [t for t in items if t["name"] == "flag"][0]
    assert token["unlimited_quota"] is True


def test_losing_a_conditional_update_race_reads_the_winner(app, make_user):
    """Two concurrent redeems: the loser reads the code as used (not the stale pre-race
    snapshot REPEATABLE READ would show on MySQL)."""
    users = [make_user(quota=0) for _ in range(4)]
    root = app.test_client()
    login(root, "root", "123456")
    body = root.post("/api/redemption/", json={"name": "race", "count": 1, "quota": 500}).get_json()
    assert body["success"], body
    key = body["data"][0]
    clients = []
    for u in users:
        c = app.test_client()
        login(c, u.username)
        c.get("/api/user/self")  # a read first: a REPEATABLE READ snapshot would start here
        clients.append(c)
    barrier = threading.Barrier(len(clients))
    results = []

    def run(c):
        barrier.wait()
        results.append(c.post("/api/user/topup", json={"key": key}).get_json())

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(1 for r in results if r["success"]) == 1, results
    assert all(r["success"] or "already been used" in r["message"] for r in results), results
