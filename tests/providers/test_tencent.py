"""Tencent Hunyuan (type 23): TC3-HMAC-SHA256 signature, chat JSON/stream, errors."""
from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timezone

import orjson

from tests.mocks.vendor_mock import Reply, json_reply


def verify_tc3(seen, secret_id: str, secret_key: str) -> None:
    """Independent re-computation of the TC3 signature from Tencent's documented steps."""
    auth = seen.headers["Authorization"]
    ts = int(seen.headers["X-TC-Timestamp"])
    host = seen.headers["Host"]
    ctype = seen.headers["Content-Type"]
    canonical = (f"POST\n/\n\ncontent-type:{ctype}\nhost:{host}\n\ncontent-type;host\n"
                 + hashlib.sha256(seen.body).hexdigest())
    date = datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d")
    scope = f"{date}/hunyuan/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{ts}\n{scope}\n" + hashlib.sha256(canonical.encode()).hexdigest()
    k = hmac.new(("TC3" + secret_key).encode(), date.encode(), hashlib.sha256).digest()
    k = hmac.new(k, b"hunyuan", hashlib.sha256).digest()
    k = hmac.new(k, b"tc3_request", hashlib.sha256).digest()
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    assert auth == (f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
                    f"Signature={sig}")
    assert abs(ts - time.time()) < 60


def test_tencent_chat_signed_request_and_response(make_channel, vendor, gateway):
    make_channel(type=23, base_url=vendor.url, key="1250000000|AKIDtest|secretKEY", models="hunyuan-lite",
                 config='{"region": "ap-guangzhou"}')
    vendor.handler = lambda req: json_reply({"Response": {
        "RequestId": "r1", "Id": "hy-1", "Created": 7, "Note": "以上内容为AI生成",
        "Choices": [{"FinishReason": "stop", "Message": {"Role": "assistant", "Content": "你好呀"}}],
        "Usage": {"PromptTokens": 5, "CompletionTokens": 3, "TotalTokens": 8}}})
    resp, data = gateway.chat({"model": "hunyuan-lite", "temperature": 0.3,
                               "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/"
    assert seen.headers["X-TC-Action"] == "ChatCompletions" and seen.headers["X-TC-Version"] == "2023-09-01"
    assert seen.headers["X-TC-Region"] == "ap-guangzhou"
    verify_tc3(seen, "AKIDtest", "secretKEY")
    assert seen.json() == {"Model": "hunyuan-lite", "Stream": False, "Messages": [{"Role": "user", "Content": "hi"}],
                           "Temperature": 0.3}
    body = orjson.loads(data)
    assert body["id"] == "hy-1" and body["choices"][0]["message"]["content"] == "你好呀"
    assert body["usage"] == {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}


def test_tencent_stream(make_channel, vendor, gateway):
    make_channel(type=23, base_url=vendor.url, key="1|sid|skey", models="hunyuan-pro")
    events = [{"Id": "s1", "Created": 1, "Choices": [{"Delta": {"Role": "assistant", "Content": "一"}, "FinishReason": ""}],
               "Usage": {"PromptTokens": 2, "CompletionTokens": 1, "TotalTokens": 3}},
              {"Id": "s1", "Created": 1, "Choices": [{"Delta": {"Role": "assistant", "Content": "二"},
                                                      "FinishReason": "stop"}],
               "Usage": {"PromptTokens": 2, "CompletionTokens": 2, "TotalTokens": 4}}]
    vendor.handler = lambda req: Reply(chunks=[b"data: " + orjson.dumps(e) + b"\n\n" for e in events],
                                       content_type="text/event-stream")
    resp, data = gateway.chat({"model": "hunyuan-pro", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200
    verify_tc3(vendor.requests[-1], "sid", "skey")
    out = gateway.events(data)
    assert "".join(e["choices"][0]["delta"]["content"] for e in out[:-1]) == "一二"
    assert out[-2]["choices"][0]["finish_reason"] == "stop"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (2, 2)


def test_tencent_errors(make_channel, vendor, gateway):
    make_channel(type=23, base_url=vendor.url, key="1|sid|skey", models="hunyuan-lite")
    vendor.handler = lambda req: json_reply({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                                    "Message": "The provided credentials could not be validated."},
                                                          "RequestId": "e"}})
    resp, data = gateway.chat({"model": "hunyuan-lite", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401
    assert "AuthFailure.SignatureFailure" in orjson.loads(data)["error"]["message"]
    resp, data = gateway.chat({"model": "hunyuan-lite", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401


def test_tencent_malformed_key(make_channel, vendor, gateway):
    make_channel(type=23, base_url=vendor.url, key="just-one-part", models="hunyuan-lite")
    resp, data = gateway.chat({"model": "hunyuan-lite", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 400 and "appid" in orjson.loads(data)["error"]["message"]
    assert vendor.requests == []
