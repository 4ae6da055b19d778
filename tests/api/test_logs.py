"""Logs: admin and self listing with filters, search, stat, delete-before, isolation."""
from __future__ import annotations

import pytest

from oneapi.extensions import db
from oneapi.models import Log, LogType


@pytest.fixture
def seed(app, make_user):
    """Two users with consume/topup/provisional rows at known timestamps."""
    alice, bob = make_user(username="alice"), make_user(username="bob")
    rows = [
        (alice, LogType.CONSUME, 100, "gpt-4o", "k1", 7, 1000, "req-a1"),
        (alice, LogType.CONSUME, 200, "gpt-4o-mini", "k2", 8, 2000, "req-a2"),
        (alice, LogType.TOPUP, 5000, "", "", 0, 3000, ""),
        (alice, LogType.PROVISIONAL, 999, "gpt-4o", "k1", 7, 3500, "req-a3"),
        (bob, LogType.CONSUME, 40, "gpt-4o", "bk", 7, 4000, "req-b1"),
    ]
    with app.app_context():
        for user, typ, quota, model, token_name, channel, ts, rid in rows:
            db.session.add(Log(user_id=user.id, username=user.username, type=int(typ), quota=quota,
                               model_name=model, token_name=token_name, channel_id=channel,
                               created_at=ts, request_id=rid, content=f"{typ.name} row",
                               metadata_='{"k": 1}' if rid == "req-a1" else None))
        db.session.commit()
    return alice, bob


def as_user(app, user):
    from tests.support.factories import login

    c = app.test_client()
    login(c, user.username)
    return c


def test_admin_list_hides_provisional_and_shapes_rows(root_client, seed):
    body = root_client.get("/api/log/").get_json()
    assert body["success"] and body["total"] == 4
    assert LogType.PROVISIONAL not in [r["type"] for r in body["data"]]
    first = body["data"][-1]
    assert first["channel"] == 7 and "channel_id" not in first
    assert first["metadata"] == {"k": 1} and "metadata_" not in first
    assert [r["created_at"] for r in body["data"]] == [4000, 3000, 2000, 1000]


@pytest.mark.parametrize("query, expected", [
    ("type=2", 3),
    ("type=6", 1),
    ("username=alice", 3),
    ("token_name=k1", 1),
    ("model_name=gpt-4o", 2),
    ("channel=7", 2),
    ("start_timestamp=2000&end_timestamp=3000", 2),
    ("type=&username=&channel=", 4),
])
def test_admin_filters(root_client, seed, query, expected):
    body = root_client.get(f"/api/log/?{query}").get_json()
    assert body["success"] and body["total"] == expected, (query, body)


def test_filter_validation(root_client, seed):
    for query in ("type=abc", "channel=x", "start_timestamp=yesterday", "type=99"):
        body = root_client.get(f"/api/log/?{query}").get_json()
        assert body["success"] is False and query.split("=")[0] in body["message"], body


def test_sort_and_paging(root_client, seed):
    body = root_client.get("/api/log/?sort=quota&order=asc&size=2&p=1").get_json()
    assert [r["quota"] for r in body["data"]] == [200, 5000]


def test_admin_search_and_stat(root_client, seed):
    body = root_client.get("/api/log/search?keyword=req-b1").get_json()
    assert [r["username"] for r in body["data"]] == ["bob"]
    body = root_client.get("/api/log/search?keyword=gpt-4o-m").get_json()
    assert body["total"] == 1
    body = root_client.get("/api/log/search?keyword=bo").get_json()
    assert body["total"] == 1
    assert root_client.get("/api/log/stat").get_json()["data"] == {"quota": 340}
    assert root_client.get("/api/log/stat?username=alice").get_json()["data"] == {"quota": 300}
    assert root_client.get("/api/log/stat?type=1").get_json()["data"] == {"quota": 5000}


def test_delete_before(app, root_client, seed):
    body = root_client.delete("/api/log/?target_timestamp=2500").get_json()
    assert body == {"success": True, "message": "", "data": 2}
    with app.app_context():
        assert sorted(db.session.execute(db.select(Log.created_at)).scalars()) == [3000, 3500, 4000]
    body = root_client.delete("/api/log/").get_json()
    assert body["success"] is False and "target_timestamp" in body["message"]
    body = root_client.delete("/api/log/?target_timestamp=soon").get_json()
    assert body["success"] is False


def test_self_views_are_isolated(app, seed):
    alice, bob = seed
    ca, cb = as_user(app, alice), as_user(app, bob)
    body = ca.get("/api/log/self").get_json()
    assert body["total"] == 3 and {r["username"] for r in body["data"]} == {"alice"}
    body = ca.get("/api/log/self?username=bob").get_json()  # username filter ignored for self
    assert body["total"] == 3
    body = cb.get("/api/log/self/").get_json()
    assert body["total"] == 1
    body = cb.get("/api/log/self/search?keyword=req-a1").get_json()
    assert body["total"] == 0
    body = ca.get("/api/log/self/search?keyword=req-a1").get_json()
    assert body["total"] == 1
    assert ca.get("/api/log/self/stat").get_json()["data"] == {"quota": 300}
    assert cb.get("/api/log/self/stat").get_json()["data"] == {"quota": 40}
    assert ca.get("/api/log/self/stat?model_name=gpt-4o").get_json()["data"] == {"quota": 100}


def test_authorization_matrix(app, client, seed):
    alice, _ = seed
    ca = as_user(app, alice)
    for method, path in (("get", "/api/log/"), ("get", "/api/log/search?keyword=a"),
                         ("get", "/api/log/stat"), ("delete", "/api/log/?target_timestamp=1")):
        assert getattr(client, method)(path).status_code == 401
        assert getattr(ca, method)(path).status_code == 403
    for path in ("/api/log/self", "/api/log/self/search", "/api/log/self/stat"):
        assert client.get(path).status_code == 401


def test_sorted_listing_limits_time_range(root_client, seed):
    body = root_client.get("/api/log/?sort=quota&start_timestamp=1&end_timestamp=99999999").get_json()
    assert body["success"] is False and "30 days" in body["message"]
    body = root_client.get("/api/log/?start_timestamp=1&end_timestamp=99999999").get_json()
    assert body["success"] and body["total"] == 4
