"""OpenRouter (20), DeepSeek (36), xAI (45), Cloudflare (37): OpenAI wire format plus quirks."""
from __future__ import annotations

import orjson
import pytest

from tests.mocks.vendor_mock import Reply, json_reply


def _chat(model, content="ok", usage=None, **message):
    return {"id": "c1", "object": "chat.completion", "created": 1, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, **message},
                         "finish_reason": "stop"}],
            "usage": usage or {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


def test_openrouter_headers_provider_sort_and_reasoning(app, make_channel, vendor, gateway):
    make_channel(type=20, base_url=vendor.url + "/api", key="or-key", models="deepseek/deepseek-r1")
    vendor.handler = lambda req: json_reply(_chat("deepseek/deepseek-r1", reasoning="thought"))
    settings = app.config["SETTINGS"]
    old = settings.openrouter_provider_sort
    object.__setattr__(settings, "openrouter_provider_sort", "throughput")
    try:
        resp, data = gateway.chat({"model": "deepseek/deepseek-r1", "messages": [{"role": "user", "content": "x"}]})
        resp2, _ = gateway.chat({"model": "deepseek/deepseek-r1", "provider": {"sort": "price"},
                                 "messages": [{"role": "user", "content": "x"}]})
    finally:
        object.__setattr__(settings, "openrouter_provider_sort", old)
    assert resp.status_code == 200, data
    first, second = vendor.requests[-2], vendor.requests[-1]
    assert first.path == "/api/v1/chat/completions"
    assert first.headers["Authorization"] == "Bearer or-key"
    assert first.headers["HTTP-Referer"] == "https://github.com/Laisky/one-api" and first.headers["X-Title"] == "One API"
    assert first.json()["include_reasoning"] is True and first.json()["provider"] == {"sort": "throughput"}
    assert second.json()["provider"] == {"sort": "price"}
    assert orjson.loads(data)["choices"][0]["message"]["reasoning"] == "thought"


def test_deepseek_quirks_and_cached_usage(make_channel, vendor, gateway):
    make_channel(type=36, base_url=vendor.url, key="ds", models="deepseek-chat")
    usage = {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110,
             "prompt_cache_hit_tokens": 60, "prompt_cache_miss_tokens": 40}
    vendor.handler = lambda req: json_reply(_chat("deepseek-chat", usage=usage))
    resp, data = gateway.chat({
        "model": "deepseek-chat", "max_completion_tokens": 77, "thinking": True,
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}},
        "messages": [{"role": "user", "content": "x"},
                     {"role": "tool", "tool_call_id": "t", "content": [{"type": "text", "text": "42"}]}]})
    assert resp.status_code == 200, data
    sent = vendor.requests[-1].json()
    assert sent["max_tokens"] == 77 and "max_completion_tokens" not in sent
    assert sent["thinking"] == {"type": "enabled"}
    assert sent["response_format"] == {"type": "json_object"}
    assert sent["messages"][0]["role"] == "system" and '{"type":"object"}' in sent["messages"][0]["content"]
    assert sent["messages"][-1]["content"] == "42"
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.cached_prompt_tokens) == (100, 60)


def test_deepseek_stream_always_requests_usage(make_channel, vendor, gateway):
    make_channel(type=36, base_url=vendor.url, key="ds", models="deepseek-chat")
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "deepseek-chat",
             "choices": [{"index": 0, "delta": {"reasoning_content": "hmm", "content": "yo"}, "finish_reason": "stop"}]}
    tail = {**chunk, "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}
    vendor.handler = lambda req: Reply(chunks=[b"data: " + orjson.dumps(chunk) + b"\n\n",
                                               b"data: " + orjson.dumps(tail) + b"\n\n", b"data: [DONE]\n\n"],
                                       content_type="text/event-stream")
    resp, data = gateway.chat({"model": "deepseek-chat", "stream": True, "stream_options": {"include_usage": False},
                               "messages": [{"role": "user", "content": "x"}]})
    assert vendor.requests[-1].json()["stream_options"] == {"include_usage": True}
    events = gateway.events(data)
    assert events[0]["choices"][0]["delta"]["reasoning_content"] == "hmm"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (3, 4)


def test_xai_reasoning_tokens_billed_and_fields_dropped(make_channel, vendor, gateway):
    make_channel(type=45, base_url=vendor.url, key="xai", models="grok-4,grok-3-mini,grok-2-image")
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 115,
             "completion_tokens_details": {"reasoning_tokens": 100}}
    vendor.handler = lambda req: json_reply(
        {"created": 1, "data": [{"url": "https://x/i.png"}]} if req.path.endswith("/images/generations")
        else _chat(req.json()["model"], usage=usage))
    resp, data = gateway.chat({"model": "grok-4", "presence_penalty": 1, "stop": ["x"], "reasoning_effort": "high",
                               "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    sent = vendor.requests[-1].json()
    assert not {"presence_penalty", "stop", "reasoning_effort"} & set(sent)
    assert vendor.requests[-1].headers["Authorization"] == "Bearer xai"
    assert orjson.loads(data)["usage"]["completion_tokens"] == 5  # body forwarded untouched
    assert gateway.log(resp).completion_tokens == 105  # reasoning tokens are billed
    gateway.chat({"model": "grok-3-mini", "reasoning_effort": "medium", "messages": [{"role": "user", "content": "x"}]})
    assert vendor.requests[-1].json()["reasoning_effort"] == "high"
    resp, data = gateway.post("/v1/images/generations", {"model": "grok-2-image", "prompt": "cat", "n": 2})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].path == "/v1/images/generations"
    assert gateway.log(resp).quota == 70000  # $0.07 × 2 images


def test_cloudflare_account_url(make_channel, vendor, gateway):
    make_channel(type=37, base_url=vendor.url, key="cf", models="@cf/meta/llama-3-8b-instruct",
                 config='{"user_id": "acc123"}')
    vendor.handler = lambda req: json_reply(_chat("@cf/meta/llama-3-8b-instruct"))
    resp, data = gateway.chat({"model": "@cf/meta/llama-3-8b-instruct", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/client/v4/accounts/acc123/ai/v1/chat/completions"
    assert seen.headers["Authorization"] == "Bearer cf"


@pytest.mark.parametrize("base", ["/client/v4/accounts/inbase/ai", "/client/v4/accounts/inbase/ai/v1"])
def test_cloudflare_account_in_base_url(make_channel, vendor, gateway, base):
    make_channel(type=37, base_url=vendor.url + base, key="cf", models="m")
    vendor.handler = lambda req: json_reply(_chat("m"))
    resp, _ = gateway.chat({"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200
    assert vendor.requests[-1].path == "/client/v4/accounts/inbase/ai/v1/chat/completions"


def test_cloudflare_without_account_is_a_clear_error(make_channel, vendor, gateway):
    make_channel(type=37, base_url=vendor.url, key="cf", models="m")
    resp, data = gateway.chat({"model": "m", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 400 and "user_id" in orjson.loads(data)["error"]["message"]
