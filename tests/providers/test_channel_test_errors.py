"""The channel test never escapes as a 500: sign() failures (Baidu/Coze token exchange) and any
other adapter error become ``{success: false, message}`` with the normal failure handling."""
from __future__ import annotations

from oneapi.extensions import db
from oneapi.models import Channel, Log
from oneapi.providers import baidu
from tests.mocks.vendor_mock import json_reply


def test_baidu_token_exchange_401_is_a_failed_test(app, root_client, make_channel, vendor, set_option):
    set_option("AutomaticDisableChannelEnabled", "true")
    channel = make_channel(type=15, base_url=vendor.url + "/bd", key="cid|bad-secret", models="ERNIE-Bot")

    def handler(req):
        if req.path == "/bd/oauth/2.0/token":
            return json_reply({"error": "invalid_client", "error_description": "Client authentication failed"},
                              401)
        return json_reply({"result": "must not be called"})

    vendor.handler = handler
    resp = root_client.get(f"/api/channel/test/{channel.id}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["success"] is False, body
    assert "Client authentication failed" in body["message"]
    assert not any(r.path.startswith("/bd/rpc/") for r in vendor.requests)  # never reached the chat API
    with app.app_context():
        row = db.session.get(Channel, channel.id)
        assert row.status == 3 and row.test_time > 0  # auto-disabled like any failed test
        logs = db.session.execute(db.select(Log).filter_by(type=5, channel_id=channel.id)).scalars().all()
        assert len(logs) == 1 and "failed" in logs[0].content and "Client authentication failed" in logs[0].content


def test_baidu_token_endpoint_unreachable_is_a_failed_test(app, root_client, make_channel):
    channel = make_channel(type=15, base_url="http://127.0.0.1:9", key="cid|sec", models="ERNIE-Bot")
    body = root_client.get(f"/api/channel/test/{channel.id}").get_json()
    assert body["success"] is False and "Baidu access token request failed" in body["message"]


def test_unexpected_adapter_exception_is_a_failed_test(app, root_client, make_channel, vendor, monkeypatch):
    channel = make_channel(type=15, base_url=vendor.url, key="cid|sec", models="ERNIE-Bot")

    def broken_sign(self, ctx, prepared):
        raise KeyError("access_token")

    monkeypatch.setattr(baidu.Baidu, "sign", broken_sign)
    resp = root_client.get(f"/api/channel/test/{channel.id}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["success"] is False and "KeyError" in body["message"]
    with app.app_context():
        logs = db.session.execute(db.select(Log).filter_by(type=5, channel_id=channel.id)).scalars().all()
        assert len(logs) == 1 and "failed" in logs[0].content


def test_unexpected_exception_in_convert_response_is_a_failed_test(app, root_client, make_channel, vendor,
                                                                   monkeypatch):
    channel = make_channel(type=15, base_url=vendor.url, key="cid|sec", models="ERNIE-Bot")
    vendor.handler = lambda req: (json_reply({"access_token": "t", "expires_in": 100000})
                                  if req.path == "/oauth/2.0/token" else json_reply({"result": "pong"}))

    def broken(self, ctx, body):
        raise TypeError("unsupported shape")

    monkeypatch.setattr(_adapter_class(), "convert_response", broken)
    body = root_client.get(f"/api/channel/test/{channel.id}").get_json()
    assert body["success"] is False and "unsupported shape" in body["message"]


def _adapter_class():
    from oneapi.providers import get_adapter

    return type(get_adapter(15))
