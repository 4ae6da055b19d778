"""Baidu Wenxin (type 15): OAuth token exchange (cached), ERNIE chat/stream, embeddings, errors."""
from __future__ import annotations

import orjson

from tests.mocks.vendor_mock import Reply, json_reply


def _baidu(vendor, chat_reply):
    tokens = iter(["tok-1", "tok-2", "tok-3"])

    def handler(req):
        if req.path == "/oauth/2.0/token":
            if req.query.get("client_secret") != "csecret":
                return json_reply({"error": "invalid_client", "error_description": "unknown client id"}, 401)
            return json_reply({"access_token": next(tokens), "expires_in": 2592000})
        return chat_reply(req)

    vendor.handler = handler


def test_baidu_token_exchange_chat_and_cache(make_channel, vendor, gateway):
    make_channel(type=15, base_url=vendor.url, key="cid|csecret", models="ERNIE-4.0,ERNIE-Speed-128K")
    _baidu(vendor, lambda req: json_reply({"id": "as-1", "object": "chat.completion", "created": 5,
                                           "result": "你好", "is_truncated": False, "need_clear_history": False,
                                           "finish_reason": "normal",
                                           "usage": {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}}))
    resp, data = gateway.chat({"model": "ERNIE-4.0", "max_tokens": 64, "frequency_penalty": 1.1,
                               "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    token_req, chat_req = vendor.requests[-2], vendor.requests[-1]
    assert token_req.query == {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret"}
    assert chat_req.path == "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions_pro"
    assert chat_req.query == {"access_token": "tok-1"}
    assert chat_req.json() == {"messages": [{"role": "user", "content": "hi"}], "system": "sys",
                               "penalty_score": 1.1, "max_output_tokens": 64}
    body = orjson.loads(data)
    assert body["choices"][0] == {"index": 0, "message": {"role": "assistant", "content": "你好"}, "finish_reason": "stop"}
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (4, 2)
    gateway.chat({"model": "ERNIE-Speed-128K", "messages": [{"role": "user", "content": "hi"}]})
    assert vendor.requests[-1].path.endswith("/chat/ernie-speed-128k")
    assert vendor.requests[-1].query == {"access_token": "tok-1"}  # cached: no second exchange
    assert sum(r.path == "/oauth/2.0/token" for r in vendor.requests) == 1


def test_baidu_invalid_token_error_drops_cache(make_channel, vendor, gateway):
    make_channel(type=15, base_url=vendor.url + "/", key="cid|csecret", models="ERNIE-Bot")
    replies = iter([json_reply({"error_code": 110, "error_msg": "Access token invalid or no longer valid"}),
                    json_reply({"result": "ok", "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                                          "total_tokens": 2}})])
    _baidu(vendor, lambda req: next(replies))
    resp, data = gateway.chat({"model": "ERNIE-Bot", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401
    assert "Access token invalid" in orjson.loads(data)["error"]["message"]
    resp, data = gateway.chat({"model": "ERNIE-Bot", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].query == {"access_token": "tok-2"}


def test_baidu_stream_and_embeddings(make_channel, vendor, gateway):
    make_channel(type=15, base_url=vendor.url, key="cid|csecret", models="ERNIE-Bot-turbo,Embedding-V1")
    pieces = [{"id": "as-2", "created": 1, "sentence_id": 0, "is_end": False, "result": "一"},
              {"id": "as-2", "created": 1, "sentence_id": 1, "is_end": True, "result": "二",
               "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}]

    def reply(req):
        if "/embeddings/" in req.path:
            return json_reply({"id": "e", "object": "list", "created": 1,
                               "data": [{"object": "embedding", "embedding": [0.1], "index": 0}],
                               "usage": {"prompt_tokens": 2, "total_tokens": 2}})
        return Reply(chunks=[b"data: " + orjson.dumps(p) + b"\n\n" for p in pieces], content_type="text/event-stream")

    _baidu(vendor, reply)
    resp, data = gateway.chat({"model": "ERNIE-Bot-turbo", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200
    assert vendor.requests[-1].path.endswith("/chat/eb-instant") and vendor.requests[-1].json()["stream"] is True
    events = gateway.events(data)
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1] if e["choices"]) == "一二"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (3, 2)
    resp, data = gateway.post("/v1/embeddings", {"model": "Embedding-V1", "input": "hello"})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].path == "/rpc/2.0/ai_custom/v1/wenxinworkshop/embeddings/embedding-v1"
    assert vendor.requests[-1].json() == {"input": ["hello"]}
    assert orjson.loads(data)["data"][0]["embedding"] == [0.1]


def test_baidu_bad_credentials(make_channel, vendor, gateway):
    make_channel(type=15, base_url=vendor.url, key="cid|wrong", models="ERNIE-Bot")
    _baidu(vendor, lambda req: json_reply({}))
    resp, data = gateway.chat({"model": "ERNIE-Bot", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401 and "unknown client id" in orjson.loads(data)["error"]["message"]
