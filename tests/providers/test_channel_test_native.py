"""The admin channel test (/api/channel/test/<id>) through native adapters and their signing."""
from __future__ import annotations

from tests.mocks.vendor_mock import json_reply


def _test(root_client, channel_id):
    body = root_client.get(f"/api/channel/test/{channel_id}").get_json()
    return body


def test_channel_test_ollama_tencent_baidu(root_client, make_channel, vendor):
    ollama = make_channel(type=30, base_url=vendor.url, key="", models="llama3")
    tencent = make_channel(type=23, base_url=vendor.url + "/tc", key="1|sid|skey", models="hunyuan-lite")
    baidu = make_channel(type=15, base_url=vendor.url + "/bd", key="cid|sec", models="ERNIE-Bot")

    def handler(req):
        if req.path == "/api/chat":
            return json_reply({"message": {"role": "assistant", "content": "pong"}, "done": True,
                               "prompt_eval_count": 3, "eval_count": 1})
        if req.path == "/tc/":
            assert req.headers["Authorization"].startswith("TC3-HMAC-SHA256 Credential=sid/")
            return json_reply({"Response": {"Choices": [{"Message": {"Content": "pong"}, "FinishReason": "stop"}],
                                            "Usage": {"PromptTokens": 2, "CompletionTokens": 1, "TotalTokens": 3}}})
        if req.path == "/bd/oauth/2.0/token":
            return json_reply({"access_token": "t", "expires_in": 100000})
        if req.path.startswith("/bd/rpc/"):
            return json_reply({"result": "pong", "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                                           "total_tokens": 2}})
        return json_reply({"error": "unexpected"}, 404)

    vendor.handler = handler
    for channel in (ollama, tencent, baidu):
        body = _test(root_client, channel.id)
        assert body["success"] is True, (channel.type, body)
    vendor.handler = lambda req: json_reply({"Response": {"Error": {"Code": "AuthFailure", "Message": "bad"}}})
    body = _test(root_client, tencent.id)
    assert body["success"] is False and "AuthFailure" in body["message"]
