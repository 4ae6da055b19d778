"""Zhipu (type 16): JWT auth and v4 paths against a loopback server."""
from __future__ import annotations

import base64
import hashlib
import hmac
import time

import orjson

from oneapi.providers.zhipu import make_jwt
from tests.mocks.vendor_mock import Reply, json_reply


def _decode(part: str) -> dict:
    return orjson.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_jwt_claims_and_signature():
    token = make_jwt("myid.mysecret", 1_700_000_000)
    header, claims, sig = token.split(".")
    assert _decode(header) == {"alg": "HS256", "sign_type": "SIGN"}
    assert _decode(claims) == {"api_key": "myid", "exp": 1_700_000_000_000 + 86_400_000,
                               "timestamp": 1_700_000_000_000}
    expected = hmac.new(b"mysecret", f"{header}.{claims}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)) == expected


def test_zhipu_chat_stream_and_auth(make_channel, vendor, gateway):
    make_channel(type=16, base_url=vendor.url, key="kid.ksecret", models="glm-4,cogview-3")
    chunks = [{"id": "z1", "created": 1, "model": "glm-4",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": "你好"}}]},
              {"id": "z1", "created": 1, "model": "glm-4",
               "choices": [{"index": 0, "finish_reason": "stop", "delta": {"role": "assistant", "content": ""}}],
               "usage": {"prompt_tokens": 6, "completion_tokens": 2, "total_tokens": 8}}]
    vendor.handler = lambda req: Reply(chunks=[b"data: " + orjson.dumps(c) + b"\n\n" for c in chunks]
                                       + [b"data: [DONE]\n\n"], content_type="text/event-stream")
    resp, data = gateway.chat({"model": "glm-4", "stream": True, "top_p": 1.0,
                               "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200
    seen = vendor.requests[-1]
    assert seen.path == "/api/paas/v4/chat/completions"
    auth = seen.headers["Authorization"]
    assert not auth.startswith("Bearer") and auth.count(".") == 2
    claims = _decode(auth.split(".")[1])
    assert claims["api_key"] == "kid" and abs(claims["timestamp"] / 1000 - time.time()) < 60
    assert seen.json()["top_p"] == 0.99
    events = gateway.events(data)
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1] if e["choices"]) == "你好"
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens) == (6, 2)
    # the JWT is cached per key
    gateway.chat({"model": "glm-4", "messages": [{"role": "user", "content": "hi"}]})
    assert vendor.requests[-1].headers["Authorization"] == auth


def test_zhipu_images_and_error(make_channel, vendor, gateway):
    make_channel(type=16, base_url=vendor.url, key="a.b", models="cogview-3,glm-4")

    def handler(req):
        if req.path.endswith("/images/generations"):
            return json_reply({"created": 1, "data": [{"url": "https://z/img.png"}]})
        return json_reply({"error": {"code": "1113", "message": "余额不足"}}, 429)

    vendor.handler = handler
    resp, data = gateway.post("/v1/images/generations", {"model": "cogview-3", "prompt": "cat"})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].path == "/api/paas/v4/images/generations"
    assert gateway.log(resp).quota == 7143  # ceil(0.1 / 7 × 500000)
    resp, data = gateway.chat({"model": "glm-4", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 429


def test_zhipu_bad_key_is_a_clear_error(make_channel, vendor, gateway):
    make_channel(type=16, base_url=vendor.url, key="no-dot-key", models="glm-4")
    resp, data = gateway.chat({"model": "glm-4", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 400 and "<id>.<secret>" in orjson.loads(data)["error"]["message"]
    assert vendor.requests == []
