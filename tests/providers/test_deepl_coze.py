"""DeepL (type 38) and Coze (type 34) against loopback servers speaking their wire formats."""
from __future__ import annotations

import orjson

from tests.mocks.vendor_mock import Reply, json_reply

DEEPL_OK = {"translations": [{"detected_source_language": "ZH", "text": "Hello world"}]}


def _deepl_channel(make_channel, vendor):
    return make_channel(type=38, base_url=vendor.url, key="dl-key", models="deepl-EN,deepl-pt-BR,deepl",
                        config='{"supported_endpoints": ["chat"]}')


def test_deepl_translate_request_and_response(make_channel, vendor, gateway):
    _deepl_channel(make_channel, vendor)
    vendor.handler = lambda req: json_reply(DEEPL_OK)
    resp, data = gateway.chat({"model": "deepl-EN", "messages": [{"role": "user", "content": "earlier"},
                                                                 {"role": "user", "content": "你好世界"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/v2/translate" and seen.headers["Authorization"] == "DeepL-Auth-Key dl-key"
    assert seen.json() == {"text": ["你好世界"], "target_lang": "EN"}
    assert orjson.loads(data)["choices"][0]["message"]["content"] == "Hello world"
    log = gateway.log(resp)
    assert log.completion_tokens > 0 and log.prompt_tokens > 0  # counted by the gateway
    gateway.chat({"model": "deepl-pt-BR", "messages": [{"role": "user", "content": "x"}]})
    assert vendor.requests[-1].json()["target_lang"] == "PT-BR"
    gateway.chat({"model": "deepl", "messages": [{"role": "user", "content": "x"}]})
    assert vendor.requests[-1].json()["target_lang"] == "ZH"


def test_deepl_stream_request_gets_one_chunk_stream(make_channel, vendor, gateway):
    _deepl_channel(make_channel, vendor)
    vendor.handler = lambda req: json_reply(DEEPL_OK)
    resp, data = gateway.chat({"model": "deepl-EN", "stream": True, "messages": [{"role": "user", "content": "你好"}]})
    assert resp.status_code == 200
    events = gateway.events(data)
    assert events[-1] == b"[DONE]"
    assert events[0]["choices"][0]["delta"]["content"] == "Hello world"
    assert events[1]["choices"][0]["finish_reason"] == "stop"


def test_deepl_quota_error(make_channel, vendor, gateway):
    _deepl_channel(make_channel, vendor)
    vendor.handler = lambda req: json_reply({"message": "Quota exceeded"}, 456)
    resp, data = gateway.chat({"model": "deepl-EN", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 456 and "Quota exceeded" in orjson.loads(data)["error"]["message"]


def test_coze_chat_request_and_answer(make_channel, vendor, gateway):
    make_channel(type=34, base_url=vendor.url, key="pat_x", models="bot-7342")
    vendor.handler = lambda req: json_reply({
        "messages": [{"role": "assistant", "type": "answer", "content": "Sunny", "content_type": "text"},
                     {"role": "assistant", "type": "follow_up", "content": "More?", "content_type": "text"}],
        "conversation_id": "conv1", "code": 0, "msg": "success"})
    resp, data = gateway.chat({"model": "bot-7342", "user": "u9",
                               "messages": [{"role": "user", "content": "weather?"},
                                            {"role": "assistant", "content": "where?"},
                                            {"role": "user", "content": "Paris"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/open_api/v2/chat" and seen.headers["Authorization"] == "Bearer pat_x"
    assert seen.json() == {"bot_id": "7342", "user": "u9", "query": "Paris", "stream": False,
                           "chat_history": [{"role": "user", "content": "weather?", "content_type": "text"},
                                            {"role": "assistant", "content": "where?", "content_type": "text"}]}
    body = orjson.loads(data)
    assert body["id"] == "chatcmpl-conv1" and body["choices"][0]["message"]["content"] == "Sunny"
    assert gateway.log(resp).completion_tokens > 0


def test_coze_stream_and_error(make_channel, vendor, gateway):
    make_channel(type=34, base_url=vendor.url, key="pat_x", models="bot-1")
    events = [{"event": "message", "message": {"role": "assistant", "type": "answer", "content": "He"}, "is_finish": False},
              {"event": "message", "message": {"role": "assistant", "type": "answer", "content": "llo"}, "is_finish": False},
              {"event": "message", "message": {"role": "assistant", "type": "verbose", "content": "{}"}, "is_finish": False},
              {"event": "done"}]
    vendor.handler = lambda req: Reply(chunks=[b"event:" + e["event"].encode() + b"\ndata:" + orjson.dumps(e) + b"\n\n"
                                               for e in events], content_type="text/event-stream")
    resp, data = gateway.chat({"model": "bot-1", "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200
    out = gateway.events(data)
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in out[:-1]) == "Hello"
    assert out[-2]["choices"][0]["finish_reason"] == "stop" and out[-1] == b"[DONE]"
    vendor.handler = lambda req: json_reply({"code": 4000, "msg": "bot not published"})
    resp, data = gateway.chat({"model": "bot-1", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 400 and "bot not published" in orjson.loads(data)["error"]["message"]


def test_coze_oauth_jwt_app_exchanges_and_caches_token(make_channel, vendor, gateway):
    import base64
    import time

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    app_json = orjson.dumps({"client_type": "jwt", "client_id": "app-123", "public_key_id": "kid-9",
                             "private_key": pem, "coze_api_base": vendor.url}).decode()
    make_channel(type=34, base_url=vendor.url, key=app_json, models="bot-5", config='{"auth_type": "oauth_jwt"}')

    def b64d(part):
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    def handler(req):
        if req.path == "/api/permission/oauth2/token":
            jwt = req.headers["Authorization"].removeprefix("Bearer ")
            header, claims, sig = jwt.split(".")
            key.public_key().verify(b64d(sig), f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
            head, body = orjson.loads(b64d(header)), orjson.loads(b64d(claims))
            assert head == {"alg": "RS256", "typ": "JWT", "kid": "kid-9"}
            assert body["iss"] == "app-123" and body["aud"] == "127.0.0.1" and body["exp"] - body["iat"] == 3600
            assert req.json()["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
            return json_reply({"access_token": "czs_token", "expires_in": int(time.time()) + 900})
        assert req.headers["Authorization"] == "Bearer czs_token"
        return json_reply({"messages": [{"type": "answer", "role": "assistant", "content": "ok"}], "code": 0})

    vendor.handler = handler
    for _ in range(2):
        resp, data = gateway.chat({"model": "bot-5", "messages": [{"role": "user", "content": "hi"}]})
        assert resp.status_code == 200, data
    assert [r.path for r in vendor.requests] == ["/api/permission/oauth2/token", "/open_api/v2/chat",
                                                 "/open_api/v2/chat"]


def test_coze_oauth_bad_app_json_is_400(make_channel, vendor, gateway):
    make_channel(type=34, base_url=vendor.url, key="not-json", models="bot-5", config='{"auth_type": "oauth_jwt"}')
    resp, data = gateway.chat({"model": "bot-5", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 400 and "OAuth app JSON" in orjson.loads(data)["error"]["message"]
    assert vendor.requests == []
