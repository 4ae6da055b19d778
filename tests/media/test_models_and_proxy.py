"""/v1/models, /v1/models/<model> and /v1/oneapi/proxy/<channel>/<path>."""
from __future__ import annotations

import orjson

from oneapi.extensions import db
from oneapi.models import Log, Role


def test_models_list_is_group_abilities_intersect_token_allow_list(app, client, make_user, make_token,
                                                                   make_channel, media_upstream):
    user = make_user(quota=1000)
    make_channel(base_url=media_upstream.url, models="gpt-4o,dall-e-3,whisper-1")
    make_channel(type=14, base_url=media_upstream.url, models="claude-3-5-haiku-20241022", group="vip")
    open_key = make_token(user)
    resp = client.get("/v1/models", headers={"Authorization": f"Bearer sk-{open_key.key}"})
    body = resp.get_json()
    assert resp.status_code == 200 and body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["dall-e-3", "gpt-4o", "whisper-1"]
    entry = body["data"][0]
    assert entry["object"] == "model" and entry["owned_by"] == "openai" and entry["root"] == "dall-e-3"
    limited = make_token(user, name="limited", models="gpt-4o,claude-3-5-haiku-20241022")
    auth = {"Authorization": f"Bearer sk-{limited.key}"}
    assert [m["id"] for m in client.get("/v1/models", headers=auth).get_json()["data"]] == ["gpt-4o"]
    one = client.get("/v1/models/gpt-4o", headers=auth)
    assert one.status_code == 200 and one.get_json()["id"] == "gpt-4o"
    for missing in ("dall-e-3", "nope-model", "claude-3-5-haiku-20241022"):
        resp = client.get(f"/v1/models/{missing}", headers=auth)
        assert resp.status_code == 404
        err = resp.get_json()["error"]
        assert err["code"] == "model_not_found" and f"'{missing}'" in err["message"]
    assert client.get("/v1/models").status_code == 401


def test_proxy_forwards_with_channel_key_and_logs_zero_quota(app, client, make_user, make_token, make_channel,
                                                             media_upstream):
    admin = make_user(role=Role.ADMIN, quota=1000)
    key = make_token(admin)
    channel = make_channel(type=43, base_url=media_upstream.url + "/base", key="raw-proxy-key", models="")
    headers = {"Authorization": f"Bearer sk-{key.key}", "X-Custom": "yes"}
    resp = client.get(f"/v1/oneapi/proxy/{channel.id}/v1/things?limit=2", headers=headers)
    data = resp.get_data()
    resp.close()
    assert resp.status_code == 200, data
    assert orjson.loads(data) == {"path": "/base/v1/things", "query": "limit=2", "method": "GET",
                                  "authorization": "raw-proxy-key"}
    sent = media_upstream.requests[-1]
    assert sent["headers"]["X-Custom"] == "yes"
    resp = client.post(f"/v1/oneapi/proxy/{channel.id}/v1/rerank", headers=headers,
                       json={"query": "q", "documents": ["a"]})
    resp.get_data()
    resp.close()
    assert resp.status_code == 200 and resp.get_json()["results"][0]["index"] == 0
    with app.app_context():
        logs = db.session.execute(db.select(Log).filter_by(request_id=resp.headers["X-Oneapi-Request-Id"])).scalars().all()
        assert len(logs) == 1
        assert (logs[0].model_name, logs[0].quota, logs[0].channel_id) == ("proxy", 0, channel.id)
        assert logs[0].content == "proxy request, no quota consumption"


def test_proxy_is_admin_only_and_checks_channel(client, make_user, make_token, make_channel, media_upstream):
    user = make_user(quota=1000)
    key = make_token(user)
    channel = make_channel(type=43, base_url=media_upstream.url, key="k", models="")
    resp = client.get(f"/v1/oneapi/proxy/{channel.id}/x", headers={"Authorization": f"Bearer sk-{key.key}"})
    assert resp.status_code == 403
    admin_key = make_token(make_user(role=Role.ADMIN, quota=1000))
    resp = client.get("/v1/oneapi/proxy/999999/x", headers={"Authorization": f"Bearer sk-{admin_key.key}"})
    assert resp.status_code == 400 and "Invalid Channel Id" in resp.get_json()["error"]["message"]
    assert media_upstream.requests == []


def test_hidden_models_are_not_listed(client, make_user, make_token, make_channel, media_upstream):
    user = make_user(quota=1000)
    make_channel(base_url=media_upstream.url, models="gpt-4o,secret-model,shared", hidden_models='["secret-model","shared"]')
    make_channel(base_url=media_upstream.url, models="shared")
    key = make_token(user)
    auth = {"Authorization": f"Bearer sk-{key.key}"}
    assert [m["id"] for m in client.get("/v1/models", headers=auth).get_json()["data"]] == ["gpt-4o", "shared"]
    assert client.get("/v1/models/secret-model", headers=auth).status_code == 404
