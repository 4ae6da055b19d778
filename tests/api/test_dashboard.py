"""Per-day consume aggregates for the dashboard."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from oneapi.extensions import db
from oneapi.models import Log, LogType


def _ts(day: str, hour: int = 12) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(hour=hour, tzinfo=timezone.utc).timestamp())


def _log(user, day, model="gpt-4o", quota=10, prompt=3, completion=4, cached=0, token="t1",
         log_type=LogType.CONSUME, hour=12):
    return Log(user_id=user.id, username=user.username, created_at=_ts(day, hour), type=int(log_type),
               model_name=model, quota=quota, prompt_tokens=prompt, completion_tokens=completion,
               cached_prompt_tokens=cached, token_name=token)


def test_user_dashboard_aggregates_own_consume_logs(app, user_client, make_user):
    client, user = user_client
    other = make_user()
    with app.app_context():
        db.session.add_all([
            _log(user, "2026-03-01", hour=1), _log(user, "2026-03-01", hour=23, cached=2, quota=5, token="t2"),
            _log(user, "2026-03-02", model="claude-3", quota=7),
            _log(user, "2026-03-02", log_type=LogType.TOPUP, quota=999),
            _log(user, "2026-02-20"),  # outside the window
            _log(other, "2026-03-01", quota=1000),
        ])
        db.session.commit()
    body = client.get("/api/user/dashboard?from_date=2026-03-01&to_date=2026-03-03").get_json()
    assert body["success"] is True, body
    data = body["data"]
    assert data["logs"] == [
        {"Day": "2026-03-01", "ModelName": "gpt-4o", "RequestCount": 2, "Quota": 15, "PromptTokens": 6,
         "CompletionTokens": 8, "CachedPromptTokens": 2, "CacheHitCount": 1, "CacheHitQuota": 5},
        {"Day": "2026-03-02", "ModelName": "claude-3", "RequestCount": 1, "Quota": 7, "PromptTokens": 3,
         "CompletionTokens": 4, "CachedPromptTokens": 0, "CacheHitCount": 0, "CacheHitQuota": 0},
    ]
    assert data["total_quota"] == 22
    assert {(r["TokenName"], r["Quota"]) for r in data["token_logs"]} == {("t1", 10), ("t2", 5), ("t1", 7)}
    assert {r["Username"] for r in data["user_logs"]} == {user.username}
    assert data["tool_logs"] == []


def test_dashboard_scope_and_window_rules(app, root_client, user_client, make_user):
    client, user = user_client
    other = make_user()
    with app.app_context():
        db.session.add_all([_log(user, "2026-03-01"), _log(other, "2026-03-01", quota=90)])
        db.session.commit()
    q = "from_date=2026-03-01&to_date=2026-03-01"
    body = client.get(f"/api/user/dashboard?{q}&user_id={other.id}").get_json()
    assert body["success"] is False and "root" in body["message"]
    assert client.get(f"/api/user/dashboard?{q}&user_id={user.id}").get_json()["success"] is True
    body = client.get("/api/user/dashboard?from_date=2026-01-01&to_date=2026-03-01").get_json()
    assert body["success"] is False and "7 days" in body["message"]
    body = client.get("/api/user/dashboard?from_date=2026-13-01").get_json()
    assert body["success"] is False and "from_date" in body["message"]
    body = client.get("/api/user/dashboard?from_date=2026-03-05&to_date=2026-03-01").get_json()
    assert body["success"] is False
    # root: site-wide by default, one user on request, up to a year
    assert root_client.get(f"/api/user/dashboard?{q}").get_json()["data"]["total_quota"] == 100
    assert root_client.get(f"/api/user/dashboard?{q}&user_id={other.id}").get_json()["data"]["total_quota"] == 90
    assert root_client.get(f"/api/user/dashboard?{q}&user_id=all").get_json()["data"]["total_quota"] == 100
    body = root_client.get("/api/user/dashboard?from_date=2025-06-01&to_date=2026-03-01").get_json()
    assert body["success"] is True
    assert root_client.get(f"/api/user/dashboard?{q}&user_id=abc").get_json()["success"] is False
    assert root_client.get(f"/api/user/dashboard?{q}&user_id=99999").get_json()["success"] is False


def test_dashboard_default_window_is_last_7_days(app, user_client):
    client, user = user_client
    today = datetime.now(timezone.utc).date()
    with app.app_context():
        db.session.add_all([_log(user, today.isoformat(), hour=0),
                            _log(user, (today - timedelta(days=6)).isoformat(), hour=0),
                            _log(user, (today - timedelta(days=7)).isoformat(), hour=0)])
        db.session.commit()
    data = client.get("/api/user/dashboard").get_json()["data"]
    assert sum(r["RequestCount"] for r in data["logs"]) == 2


def test_dashboard_user_picker_is_root_only(root_client, user_client, admin_client, client, make_user):
    user = make_user()
    data = root_client.get("/api/user/dashboard/users").get_json()["data"]
    assert data[0]["id"] == "all" and user.id in [row["id"] for row in data[1:]]
    assert all(set(row) == {"id", "username", "display_name"} for row in data)
    assert client.get("/api/user/dashboard/users").status_code == 401
    assert user_client[0].get("/api/user/dashboard/users").status_code == 403
    assert admin_client[0].get("/api/user/dashboard/users").status_code == 403
