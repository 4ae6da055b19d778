"""Hostile input on the channel/token/redemption/log/billing endpoints: out-of-range numbers
and malformed JSON answer a clear error envelope, never a 500 and never a write."""
from __future__ import annotations

HUGE = 10**30


def test_huge_numbers_in_bodies(root_client):
    cases = [
        ("post", "/api/channel/", {"name": "n", "type": 1, "key": "k", "priority": HUGE}),
        ("post", "/api/channel/", {"name": "n", "type": HUGE, "key": "k"}),
        ("put", "/api/channel/", {"id": HUGE, "name": "n"}),
        ("post", "/api/token/", {"name": "n", "remain_quota": HUGE}),
        ("post", "/api/token/", {"name": "n", "expired_time": HUGE}),
        ("put", "/api/token/", {"id": HUGE, "name": "n"}),
        ("post", "/api/redemption/", {"name": "n", "quota": HUGE, "count": 1}),
        ("put", "/api/redemption/", {"id": HUGE, "name": "n"}),
        ("post", "/api/topup", {"user_id": HUGE, "quota": 1}),
        ("post", "/api/topup", {"user_id": 1, "quota": HUGE}),
    ]
    for method, path, body in cases:
        resp = getattr(root_client, method)(path, json=body)
        data = resp.get_json()
        assert resp.status_code == 200 and data["success"] is False, (path, body, data)
        assert "internal" not in data["message"], (path, data)


def test_huge_numbers_in_paths_and_queries(root_client):
    for path in (f"/api/channel/{HUGE}", f"/api/token/{HUGE}", f"/api/redemption/{HUGE}",
                 f"/api/admin/tokens/{HUGE}"):
        resp = root_client.get(path)
        assert resp.status_code in (200, 404) and resp.get_json()["success"] is False, path
    for path in (f"/api/log/?channel={HUGE}", f"/api/log/?start_timestamp={HUGE}",
                 f"/api/log/stat?end_timestamp={HUGE}", f"/api/admin/tokens/?user_id={HUGE}",
                 f"/api/log/?type={HUGE}"):
        data = root_client.get(path).get_json()
        assert data["success"] is False and "internal" not in data["message"], path
    for path in (f"/api/channel/search?keyword={HUGE}", f"/api/token/search?keyword={HUGE}",
                 f"/api/redemption/search?keyword={HUGE}", f"/api/log/search?keyword={HUGE}"):
        data = root_client.get(path).get_json()
        assert data["success"] is True and data["data"] == [], path
    data = root_client.delete(f"/api/log/?target_timestamp={HUGE}").get_json()
    assert data["success"] is False


def test_malformed_or_non_object_json_everywhere(root_client, make_token, make_user):
    tok = make_token(make_user(quota=10))
    routes = [("post", "/api/channel/"), ("put", "/api/channel/"), ("post", "/api/token/"),
              ("put", "/api/token/"), ("post", "/api/redemption/"), ("put", "/api/redemption/"),
              ("post", "/api/user/topup"), ("post", "/api/topup")]
    for method, path in routes:
        for raw in ("{broken", "[1,2]", "\"text\"", ""):
            resp = getattr(root_client, method)(path, data=raw, content_type="application/json")
            body = resp.get_json()
            assert resp.status_code == 200 and body["success"] is False, (path, raw, body)
            assert "expected a JSON object" in body["message"], (path, raw, body)
    resp = root_client.post("/api/token/consume", data="{broken", content_type="application/json",
                            headers={"Authorization": f"Bearer sk-{tok.key}"})
    assert resp.get_json()["success"] is False
    assert "expected a JSON object" in resp.get_json()["message"]
