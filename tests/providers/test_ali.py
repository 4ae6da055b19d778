"""Ali DashScope (type 17): native chat (JSON and SSE) and embeddings on a loopback server."""
from __future__ import annotations

import orjson

from tests.mocks.vendor_mock import Reply, json_reply


def test_ali_chat_request_and_response(make_channel, vendor, gateway):
    make_channel(type=17, base_url=vendor.url, key="dash", models="qwen-max,qwen-max-internet",
                 config='{"plugin": "{\\"pdf_extracter\\":{}}"}')
    vendor.handler = lambda req: json_reply({
        "output": {"choices": [{"finish_reason": "stop", "message": {"role": "assistant", "content": "4"}}]},
        "usage": {"input_tokens": 14, "output_tokens": 1, "total_tokens": 15}, "request_id": "rid-1"})
    resp, data = gateway.chat({"model": "qwen-max-internet", "top_p": 1, "temperature": 0.5,
                               "messages": [{"role": "user", "content": "2+2?"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/api/v1/services/aigc/text-generation/generation"
    assert seen.headers["Authorization"] == "Bearer dash"
    assert seen.headers["X-DashScope-Plugin"] == '{"pdf_extracter":{}}'
    assert "X-DashScope-SSE" not in seen.headers
    assert seen.json() == {"model": "qwen-max", "input": {"messages": [{"role": "user", "content": "2+2?"}]},
                           "parameters": {"result_format": "message", "incremental_output": False,
                                          "enable_search": True, "temperature": 0.5, "top_p": 0.9999,
                                          "max_tokens": 2048}}
    body = orjson.loads(data)
    assert body["id"] == "chatcmpl-rid-1" and body["choices"][0]["message"]["content"] == "4"
    assert body["usage"] == {"prompt_tokens": 14, "completion_tokens": 1, "total_tokens": 15}


def test_ali_stream(make_channel, vendor, gateway):
    make_channel(type=17, base_url=vendor.url, key="dash", models="qwen-plus")

    def ev(i, content, finish, out_tokens):
        payload = {"output": {"choices": [{"message": {"content": content, "role": "assistant"},
                                           "finish_reason": finish}]},
                   "usage": {"input_tokens": 9, "output_tokens": out_tokens, "total_tokens": 9 + out_tokens},
                   "request_id": "r2"}
        return f"id:{i}\nevent:result\n:HTTP_STATUS/200\ndata:".encode() + orjson.dumps(payload) + b"\n\n"

    vendor.handler = lambda req: Reply(chunks=[ev(1, "Hel", "null", 1), ev(2, "lo", "null", 2), ev(3, "", "stop", 2)],
                                       content_type="text/event-stream;charset=UTF-8")
    resp, data = gateway.chat({"model": "qwen-plus", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200
    seen = vendor.requests[-1]
    assert seen.headers["X-DashScope-SSE"] == "enable" and seen.headers["Accept"] == "text/event-stream"
    assert seen.json()["parameters"]["incremental_output"] is True
    events = gateway.events(data)
    assert events[-1] == b"[DONE]"
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in events[:-1]) == "Hello"
    assert events[-2]["choices"][0]["finish_reason"] == "stop"
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens, log.is_stream) == (9, 2, True)


def test_ali_embeddings_and_error(make_channel, vendor, gateway):
    make_channel(type=17, base_url=vendor.url, key="dash", models="text-embedding-v1,qwen-max")

    def handler(req):
        if "embeddings" in req.path:
            return json_reply({"output": {"embeddings": [{"text_index": 0, "embedding": [0.5, 0.25]}]},
                               "usage": {"total_tokens": 3}, "request_id": "e1"})
        return json_reply({"code": "InvalidApiKey", "message": "Invalid API-key provided.", "request_id": "x"}, 401)

    vendor.handler = handler
    resp, data = gateway.post("/v1/embeddings", {"model": "text-embedding-v1", "input": "hello"})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].json() == {"model": "text-embedding-v1", "input": {"texts": ["hello"]}, "parameters": {}}
    body = orjson.loads(data)
    assert body["data"][0]["embedding"] == [0.5, 0.25] and body["usage"]["prompt_tokens"] == 3
    resp, data = gateway.chat({"model": "qwen-max", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401 and "Invalid API-key" in orjson.loads(data)["error"]["message"]


def test_ali_wanx_image_task_is_polled(make_channel, vendor, gateway, monkeypatch):
    from oneapi.providers.ali import Ali

    monkeypatch.setattr(Ali, "poll_interval", 0.01)
    make_channel(type=17, base_url=vendor.url, key="dash", models="wanx-v1",
                 config='{"supported_endpoints": ["images_generations"]}')
    polls = {"n": 0}

    def handler(req):
        if req.method == "GET" and req.path == "/api/v1/tasks/t-1":
            polls["n"] += 1
            if polls["n"] == 1:
                return json_reply({"output": {"task_id": "t-1", "task_status": "RUNNING"}, "request_id": "q"})
            return json_reply({"output": {"task_id": "t-1", "task_status": "SUCCEEDED",
                                          "results": [{"url": "https://oss/1.png"}, {"url": "https://oss/2.png"}]},
                               "usage": {"image_count": 2}, "request_id": "q"})
        return json_reply({"output": {"task_id": "t-1", "task_status": "PENDING"}, "request_id": "q"})

    vendor.handler = handler
    resp, data = gateway.post("/v1/images/generations", {"model": "wanx-v1", "prompt": "a cat", "n": 2,
                                                         "size": "1024x1024"})
    assert resp.status_code == 200, data
    create = vendor.requests[0]
    assert create.path == "/api/v1/services/aigc/text2image/image-synthesis"
    assert create.headers["X-DashScope-Async"] == "enable" and create.headers["Authorization"] == "Bearer dash"
    assert create.json() == {"model": "wanx-v1", "input": {"prompt": "a cat"}, "parameters": {"n": 2, "size": "1024*1024"}}
    assert [r.path for r in vendor.requests[1:]] == ["/api/v1/tasks/t-1", "/api/v1/tasks/t-1"]
    assert [d["url"] for d in orjson.loads(data)["data"]] == ["https://oss/1.png", "https://oss/2.png"]
    assert gateway.log(resp).quota == 22858  # ceil(0.16 / 7 × 500000) × 2
