"""Root-only options: secrets hidden, validation, prerequisites, visible via /api/status; groups."""
from __future__ import annotations

import pytest

from oneapi.extensions import db
from oneapi.models import Option


def put(client, key, value, **extra):
    return client.put("/api/option/", json={"key": key, "value": value, **extra})


def test_authorization(client, user_client, admin_client):
    for method, path in (("get", "/api/option/"), ("put", "/api/option/")):
        assert getattr(client, method)(path, json={}).status_code == 401
        assert getattr(user_client[0], method)(path, json={}).status_code == 403
        assert getattr(admin_client[0], method)(path, json={}).status_code == 403
    assert client.get("/api/group/").status_code == 401
    assert user_client[0].get("/api/group/").status_code == 403
    assert admin_client[0].get("/api/group/").get_json()["success"] is True


def test_list_hides_sensitive_keys(root_client):
    assert put(root_client, "SMTPToken", "smtp-secret").get_json()["success"]
    assert put(root_client, "GitHubClientSecret", "gh-secret").get_json()["success"]
    body = root_client.get("/api/option/").get_json()
    assert body["success"] is True
    keys = {row["key"]: row["value"] for row in body["data"]}
    assert keys["SystemName"] == "One API" and "GroupRatio" in keys
    for secret in ("SMTPToken", "GitHubClientSecret", "TurnstileSecretKey", "OidcClientSecret",
                   "WeChatServerToken", "MessagePusherToken"):
        assert secret not in keys
    assert "smtp-secret" not in root_client.get("/api/option/").get_data(as_text=True)


def test_update_visible_in_status(root_client, client):
    assert put(root_client, "SystemName", "My Gateway").get_json()["success"]
    assert put(root_client, "DisplayInCurrencyEnabled", False).get_json()["success"]
    status = client.get("/api/status").get_json()["data"]
    assert status["system_name"] == "My Gateway" and status["display_in_currency"] is False
    assert put(root_client, "QuotaPerUnit", 1000).get_json()["success"]
    assert client.get("/api/status").get_json()["data"]["quota_per_unit"] == 1000


def test_sensitive_empty_value_ignored_unless_clear(app, root_client):
    put(root_client, "SMTPToken", "keep-me")
    body = put(root_client, "SMTPToken", "").get_json()
    assert body["success"] is True and body["message"] == "empty value ignored for sensitive option"
    with app.app_context():
        assert db.session.get(Option, "SMTPToken").value == "keep-me"
    assert put(root_client, "SMTPToken", "", clear=True).get_json()["success"]
    with app.app_context():
        assert db.session.get(Option, "SMTPToken").value == ""


@pytest.mark.parametrize("key", ["GroupRatio", "ModelRatio", "CompletionRatio"])
def test_json_options_validated_with_400(app, root_client, key):
    for bad in ("{not json", "[1, 2]", '{"a": "x"}', '{"a": -1}'):
        resp = put(root_client, key, bad)
        assert resp.status_code == 400, bad
        body = resp.get_json()
        assert body["success"] is False and key in body["message"]
    with app.app_context():
        assert db.session.get(Option, key) is None
    resp = put(root_client, key, '{"default": 1, "vip": 0.5}')
    assert resp.status_code == 200 and resp.get_json()["success"] is True


def test_groups_follow_group_ratio(root_client):
    assert sorted(root_client.get("/api/group/").get_json()["data"]) == ["default", "svip", "vip"]
    put(root_client, "GroupRatio", '{"default": 1, "team": 2}')
    assert sorted(root_client.get("/api/group/").get_json()["data"]) == ["default", "team"]


def test_prerequisites(root_client):
    body = put(root_client, "GitHubOAuthEnabled", "true").get_json()
    assert body["success"] is False and "GitHub Client Id" in body["message"]
    put(root_client, "GitHubClientId", "abc")
    assert put(root_client, "GitHubOAuthEnabled", "true").get_json()["success"] is True
    body = put(root_client, "TurnstileCheckEnabled", "true").get_json()
    assert body["success"] is False and "Turnstile" in body["message"]
    put(root_client, "EmailDomainWhitelist", "  ")
    body = put(root_client, "EmailDomainRestrictionEnabled", "true").get_json()
    assert body["success"] is False and "whitelist" in body["message"]
    assert put(root_client, "WeChatAuthEnabled", "true").get_json()["success"] is False


def test_value_validation(root_client):
    cases = [("UnknownKey", "1", "unknown option"), ("RetryTimes", "many", "integer"),
             ("QuotaForNewUser", "-5", "range"), ("SMTPPort", "70000", "range"),
             ("RegisterEnabled", "maybe", "true or false"), ("Theme", "neon", "theme"),
             ("ServerAddress", "ftp://x", "URL"), ("QuotaPerUnit", "0", "range")]
    for key, value, hint in cases:
        body = put(root_client, key, value).get_json()
        assert body["success"] is False and hint in body["message"], (key, body)
    assert put(root_client, "Theme", "default").get_json()["success"]
    rows = {r["key"]: r["value"] for r in root_client.get("/api/option/").get_json()["data"]}
    assert rows["Theme"] == "modern"
    assert put(root_client, "ServerAddress", "https://gw.example.com/").get_json()["success"]
    rows = {r["key"]: r["value"] for r in root_client.get("/api/option/").get_json()["data"]}
    assert rows["ServerAddress"] == "https://gw.example.com"


def test_malformed_bodies(root_client):
    resp = root_client.put("/api/option/", data="{", content_type="application/json")
    assert resp.get_json()["success"] is False
    assert root_client.put("/api/option/", json={"value": "x"}).get_json()["message"].startswith(
        "invalid request: key")
    body = root_client.put("/api/option/", json={"key": "SystemName", "value": {"a": 1}}).get_json()
    assert body["success"] is False and "value" in body["message"]
    body = root_client.put("/api/option/", json={"key": 7, "value": "x"}).get_json()
    assert body["success"] is False and "key" in body["message"]
