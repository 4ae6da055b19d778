"""Ollama (type 30): /api/chat (JSON and NDJSON stream) and /api/embed on a loopback server."""
from __future__ import annotations

import orjson

from tests.mocks.vendor_mock import Reply, json_reply


def _line(obj) -> bytes:
    return orjson.dumps(obj) + b"\n"


def test_ollama_chat_request_shape_response_and_usage(make_channel, vendor, gateway):
    make_channel(type=30, base_url=vendor.url, key="", models="llama3")
    vendor.handler = lambda req: json_reply({
        "model": "llama3", "created_at": "2024-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": "Hello!"}, "done": True, "done_reason": "stop",
        "prompt_eval_count": 12, "eval_count": 3})
    resp, data = gateway.chat({"model": "llama3", "temperature": 0.2, "max_tokens": 50, "stop": ["x"],
                               "messages": [{"role": "system", "content": "be brief"},
                                            {"role": "user", "content": [
                                                {"type": "text", "text": "what is this"},
                                                {"type": "image_url", "image_url": {"url": "data:image/png;base64,QUJD"}}]}]})
    assert resp.status_code == 200, data
    body = orjson.loads(data)
    assert body["object"] == "chat.completion" and body["model"] == "llama3"
    assert body["choices"][0] == {"index": 0, "message": {"role": "assistant", "content": "Hello!"},
                                  "finish_reason": "stop"}
    assert body["usage"] == {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    seen = vendor.requests[-1]
    assert seen.path == "/api/chat" and "Authorization" not in seen.headers
    sent = seen.json()
    assert sent["messages"][1] == {"role": "user", "content": "what is this", "images": ["QUJD"]}
    assert sent["options"] == {"temperature": 0.2, "stop": ["x"], "num_predict": 50}
    assert sent["stream"] is False
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens) == (12, 3)


def test_ollama_ndjson_stream_with_tool_call(make_channel, vendor, gateway):
    make_channel(type=30, base_url=vendor.url, key="ollama-key", models="llama3")
    lines = [
        {"model": "llama3", "message": {"role": "assistant", "content": "Hel"}, "done": False},
        {"model": "llama3", "message": {"role": "assistant", "content": "lo"}, "done": False},
        {"model": "llama3", "message": {"role": "assistant", "content": "",
                                        "tool_calls": [{"function": {"name": "get_weather",
                                                                     "arguments": {"city": "Paris"}}}]}, "done": False},
        {"model": "llama3", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
         "prompt_eval_count": 20, "eval_count": 6},
    ]
    vendor.handler = lambda req: Reply(chunks=[_line(x) for x in lines], content_type="application/x-ndjson")
    resp, data = gateway.chat({"model": "llama3", "stream": True,
                               "messages": [{"role": "user", "content": "hi"}],
                               "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]})
    assert resp.status_code == 200
    assert vendor.requests[-1].headers["Authorization"] == "Bearer ollama-key"
    assert vendor.requests[-1].json()["tools"][0]["function"]["name"] == "get_weather"
    events = gateway.events(data)
    assert events[-1] == b"[DONE]"
    chunks = events[:-1]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "Hello"
    calls = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks if c["choices"] and
             c["choices"][0]["delta"].get("tool_calls")]
    assert calls[0]["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}
    finishes = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert finishes == ["tool_calls"]
    assert chunks[-1]["usage"] == {"prompt_tokens": 20, "completion_tokens": 6, "total_tokens": 26}
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens, log.is_stream) == (20, 6, True)


def test_ollama_embed_and_error(make_channel, vendor, gateway):
    make_channel(type=30, base_url=vendor.url, key="", models="nomic-embed-text,missing")

    def handler(req):
        if req.json()["model"] == "missing":
            return json_reply({"error": "model 'missing' not found"}, 404)
        return json_reply({"model": "nomic-embed-text", "embeddings": [[0.1, 0.2], [0.3, 0.4]],
                           "prompt_eval_count": 8})

    vendor.handler = handler
    resp, data = gateway.post("/v1/embeddings", {"model": "nomic-embed-text", "input": ["a", "b"]})
    assert resp.status_code == 200, data
    body = orjson.loads(data)
    assert [d["embedding"] for d in body["data"]] == [[0.1, 0.2], [0.3, 0.4]]
    assert body["usage"] == {"prompt_tokens": 8, "total_tokens": 8}
    assert vendor.requests[-1].path == "/api/embed"
    assert vendor.requests[-1].json() == {"model": "nomic-embed-text", "input": ["a", "b"]}
    resp, data = gateway.chat({"model": "missing", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 404
    assert "model 'missing' not found" in orjson.loads(data)["error"]["message"]


def test_ollama_remote_image_url_is_a_clear_400(make_channel, vendor, gateway):
    make_channel(type=30, base_url=vendor.url, key="", models="llava")
    resp, data = gateway.chat({"model": "llava", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}]})
    assert resp.status_code == 400
    assert "data: URL" in orjson.loads(data)["error"]["message"]
    assert vendor.requests == []


def test_claude_messages_front_on_ollama_channel(make_channel, vendor, gateway):
    """/v1/messages reaches a native adapter through the hub (any front × any channel)."""
    make_channel(type=30, base_url=vendor.url, key="", models="llama3")
    lines = [{"model": "llama3", "message": {"role": "assistant", "content": "Hi"}, "done": False},
             {"model": "llama3", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "stop",
              "prompt_eval_count": 4, "eval_count": 1}]
    vendor.handler = lambda req: Reply(chunks=[_line(x) for x in lines], content_type="application/x-ndjson")
    resp, data = gateway.post("/v1/messages", {"model": "llama3", "max_tokens": 20, "stream": True,
                                               "messages": [{"role": "user", "content": "hello"}]})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].path == "/api/chat"
    assert b"event: message_start" in data and b'"text":"Hi"' in data and b"event: message_stop" in data
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens) == (4, 1)


def test_ollama_thinking(make_channel, vendor, gateway):
    make_channel(type=30, base_url=vendor.url, key="", models="qwen3,gpt-oss:20b")
    vendor.handler = lambda req: json_reply({"model": "qwen3", "message": {"role": "assistant", "content": "4",
                                                                           "thinking": "2+2=4"},
                                             "done": True, "done_reason": "stop", "prompt_eval_count": 3,
                                             "eval_count": 5})
    resp, data = gateway.post("/v1/chat/completions?thinking=true",
                              {"model": "qwen3", "messages": [{"role": "user", "content": "2+2"}]})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].json()["think"] is True
    assert orjson.loads(data)["choices"][0]["message"] == {"role": "assistant", "content": "4",
                                                           "reasoning_content": "2+2=4"}
    gateway.chat({"model": "gpt-oss:20b", "reasoning_effort": "high", "messages": [{"role": "user", "content": "x"}]})
    assert vendor.requests[-1].json()["think"] == "high"
