"""Native Anthropic (14 / 52) and Gemini (24) channels and the upstream Response API
(``api_format: "response"``): exact upstream requests (URL, auth headers, versions, bodies),
usage incl. cache and thoughts, stream conversion to chat chunks, reasoning URL parameters."""
from __future__ import annotations

import orjson
import pytest

from oneapi.extensions import db
from oneapi.models import Log
from oneapi.services import relay_cache
from tests.mocks.anthropic_mock import start_anthropic_mock
from tests.mocks.gemini_mock import PNG, start_gemini_mock
from tests.mocks.responses_mock import start_responses_mock

pytestmark = pytest.mark.timeout(60)

IMG = "data:image/png;base64," + PNG


@pytest.fixture(autouse=True)
def _fresh_caches():
    relay_cache.reset()
    yield
    relay_cache.reset()


@pytest.fixture(scope="module")
def mocks():
    servers = {"anthropic": start_anthropic_mock(), "gemini": start_gemini_mock(), "responses": start_responses_mock()}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def headers(make_user, make_token, make_channel, mocks):
    user = make_user(quota=10_000_000)
    token = make_token(user)
    make_channel(type=14, base_url=mocks["anthropic"].url, models="claude-sonnet-4-5")
    make_channel(type=52, base_url=mocks["anthropic"].url + "/v1", models="glm-claude",
                 key="sk-compat")
    make_channel(type=24, base_url=mocks["gemini"].url, models="gemini-2.5-flash,gemini-pro,text-embedding-004")
    make_channel(type=1, base_url=mocks["responses"].url, models="gpt-5", config='{"api_format": "response"}')
    return {"Authorization": f"Bearer sk-{token.key}"}


def _post(client, path, **kwargs):
    resp = client.post(path, buffered=False, **kwargs)
    data = b"".join(resp.response)
    resp.close()
    return resp, data


def _sse(data: bytes) -> list:
    return [orjson.loads(line[6:]) for line in data.split(b"\n")
            if line.startswith(b"data: ") and line != b"data: [DONE]"]


def _log(app, resp):
    with app.app_context():
        rows = db.session.execute(db.select(Log).filter_by(
            request_id=resp.headers["X-Oneapi-Request-Id"])).scalars().all()
        assert len(rows) == 1
        return rows[0]


# ---------------------------------------------------------------------------- Anthropic

def test_chat_to_anthropic_request_headers_and_usage(app, client, headers, mocks):
    resp, data = _post(client, "/v1/chat/completions", headers=headers, json={
        "model": "claude-sonnet-4-5", "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                         {"type": "image_url", "image_url": {"url": IMG}}]}],
        "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "properties": {"city": {"type": "string"}}}}}], "tool_choice": "required"})
    assert resp.status_code == 200, data
    path, up_headers, sent = mocks["anthropic"].last()
    assert path == "/v1/messages"
    assert up_headers["x-api-key"] == "sk-upstream" and up_headers["anthropic-version"] == "2023-06-01"
    assert "Authorization" not in up_headers
    assert sent["max_tokens"] == 2048  # DEFAULT_MAX_TOKEN
    assert sent["system"] == "Be terse."
    assert sent["messages"][0]["content"][1] == {"type": "image", "source": {
        "type": "base64", "media_type": "image/png", "data": PNG}}
    assert sent["tools"][0]["name"] == "get_weather" and sent["tool_choice"] == {"type": "any"}
    body = orjson.loads(data)
    assert body["choices"][0]["message"]["content"] == "Hello from Claude"
    usage = body["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (21, 9)
    assert usage["prompt_tokens_details"]["cached_tokens"] == 5
    log = _log(app, resp)
    assert (log.prompt_tokens, log.completion_tokens, log.cached_prompt_tokens) == (21, 9, 5)
    assert orjson.loads(log.metadata_)["upstream_api_format"] == "anthropic_messages"


def test_anthropic_stream_to_chat_chunks_with_tools(app, client, headers):
    resp, data = _post(client, "/v1/chat/completions", headers={**headers, "X-Mock-Scenario": "tools"},
                       json={"model": "claude-sonnet-4-5", "stream": True,
                             "messages": [{"role": "user", "content": "weather?"}],
                             "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]})
    chunks = _sse(data)
    assert data.rstrip().endswith(b"data: [DONE]")
    calls = [c for ch in chunks for choice in ch.get("choices") or [] for c in choice["delta"].get("tool_calls") or []]
    assert calls[0]["id"] == "toolu_mock1" and calls[0]["function"]["name"] == "get_weather"
    assert "".join(c["function"].get("arguments") or "" for c in calls) == '{"city": "Paris"}'
    finishes = [choice["finish_reason"] for ch in chunks for choice in ch.get("choices") or [] if choice["finish_reason"]]
    assert finishes == ["tool_calls"]
    assert chunks[-1]["usage"]["prompt_tokens"] == 21
    log = _log(app, resp)
    assert (log.prompt_tokens, log.completion_tokens, log.cached_prompt_tokens) == (21, 9, 5)


def test_reasoning_format_and_thinking_param_on_anthropic(client, headers, mocks):
    hdrs = {**headers, "X-Mock-Scenario": "thinking"}
    resp, data = _post(client, "/v1/chat/completions?reasoning_format=thinking", headers=hdrs,
                       json={"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]})
    message = orjson.loads(data)["choices"][0]["message"]
    assert message["thinking"] == "Thinking hard." and "reasoning_content" not in message
    resp, data = _post(client, "/v1/chat/completions?reasoning_format=reasoning", headers=hdrs,
                       json={"model": "claude-sonnet-4-5", "stream": True,
                             "messages": [{"role": "user", "content": "hi"}]})
    deltas = [ch["choices"][0]["delta"] for ch in _sse(data) if ch.get("choices")]
    assert "".join(d.get("reasoning", "") for d in deltas) == "Thinking hard."
    assert not any("reasoning_content" in d for d in deltas)
    # ?thinking=true turns Anthropic extended thinking on (chat and Messages fronts)
    _post(client, "/v1/chat/completions?thinking=true", headers=headers,
          json={"model": "claude-sonnet-4-5", "max_tokens": 4000, "temperature": 0.5,
                "messages": [{"role": "user", "content": "hi"}]})
    sent = mocks["anthropic"].last()[2]
    assert sent["thinking"]["type"] == "enabled" and "temperature" not in sent
    resp, data = _post(client, "/v1/messages?thinking=true", headers=headers,
                       json={"model": "claude-sonnet-4-5", "max_tokens": 8000,
                             "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    sent = mocks["anthropic"].last()[2]
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 4000}


def test_messages_thinking_stream_passthrough_exact_events(client, headers):
    resp, data = _post(client, "/v1/messages", headers={**headers, "X-Mock-Scenario": "thinking"},
                       json={"model": "claude-sonnet-4-5", "max_tokens": 50, "stream": True,
                             "messages": [{"role": "user", "content": "hi"}]})
    events = _sse(data)
    kinds = [e["type"] for e in events]
    assert kinds == ["message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
                     "content_block_stop", "content_block_start", "content_block_delta", "content_block_delta",
                     "content_block_delta", "content_block_stop", "message_delta", "message_stop"]
    assert events[4]["delta"] == {"type": "signature_delta", "signature": "sig-mock"}


def test_claude_compatible_base_with_v1_and_inline_system_fold(client, headers, mocks):
    resp, data = _post(client, "/v1/messages", headers=headers, json={
        "model": "glm-claude", "max_tokens": 50, "system": [{"type": "text", "text": "A", "cache_control": {
            "type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "hi"}, {"role": "system", "content": "B"},
                     {"role": "assistant", "content": [{"type": "thinking", "thinking": "unsigned"},
                                                       {"type": "text", "text": "ok"}]},
                     {"role": "user", "content": "go"}]})
    assert resp.status_code == 200, data
    path, up_headers, sent = mocks["anthropic"].last()
    assert path == "/v1/messages" and up_headers["x-api-key"] == "sk-compat"
    assert sent["system"] == [{"type": "text", "text": "A", "cache_control": {"type": "ephemeral"}},
                              {"type": "text", "text": "B"}]
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert sent["messages"][1]["content"] == [{"type": "text", "text": "ok"}]


def test_anthropic_upstream_error_mapped(client, headers):
    resp, data = _post(client, "/v1/chat/completions", headers={**headers, "X-Mock-Scenario": "error",
                                                                "X-Mock-Status": "400"},
                       json={"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 400
    err = orjson.loads(data)["error"]
    assert err["type"] == "invalid_request_error" and "mock invalid_request_error" in err["message"]
    resp, data = _post(client, "/v1/messages", headers={**headers, "X-Mock-Scenario": "error",
                                                        "X-Mock-Status": "400"},
                       json={"model": "claude-sonnet-4-5", "max_tokens": 5,
                             "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 400 and orjson.loads(data)["type"] == "error"


# ---------------------------------------------------------------------------- Gemini

def test_gemini_request_url_key_safety_and_usage(app, client, headers, mocks):
    resp, data = _post(client, "/v1/chat/completions", headers={**headers, "X-Mock-Scenario": "thinking"},
                       json={"model": "gemini-2.5-flash", "messages": [
                           {"role": "system", "content": "Be terse."},
                           {"role": "user", "content": [{"type": "text", "text": "hi"},
                                                        {"type": "image_url", "image_url": {"url": IMG}}]}],
                             "tools": [{"type": "function", "function": {"name": "f", "parameters": {
                                 "type": "object", "properties": {"a": {"type": "string", "format": "uri"}}}}}]})
    assert resp.status_code == 200, data
    path, up_headers, sent = mocks["gemini"].last()
    assert path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert up_headers["x-goog-api-key"] == "sk-upstream" and "Authorization" not in up_headers
    assert sent["systemInstruction"] == {"parts": [{"text": "Be terse."}]}
    assert sent["contents"][0]["parts"][1] == {"inlineData": {"mimeType": "image/png", "data": PNG}}
    assert {s["threshold"] for s in sent["safetySettings"]} == {"BLOCK_NONE"}
    assert sent["tools"][0]["functionDeclarations"][0]["parameters"]["properties"]["a"] == {"type": "STRING"}
    body = orjson.loads(data)
    message = body["choices"][0]["message"]
    assert message["reasoning_content"] == "Pondering." and message["content"] == "Hello from Gemini"
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] == 4
    log = _log(app, resp)
    assert (log.prompt_tokens, log.completion_tokens, log.cached_prompt_tokens) == (12, 10, 2)
    # GEMINI_VERSION (v1) for models that do not need v1beta
    _post(client, "/v1/chat/completions", headers=headers,
          json={"model": "gemini-pro", "messages": [{"role": "user", "content": "hi"}]})
    assert mocks["gemini"].last()[0] == "/v1/models/gemini-pro:generateContent"


def test_gemini_stream_tools_and_image_output(app, client, headers, mocks):
    resp, data = _post(client, "/v1/chat/completions", headers={**headers, "X-Mock-Scenario": "tools"},
                       json={"model": "gemini-2.5-flash", "stream": True,
                             "messages": [{"role": "user", "content": "weather?"}],
                             "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]})
    assert mocks["gemini"].last()[0] == "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    chunks = _sse(data)
    calls = [c for ch in chunks for choice in ch.get("choices") or [] for c in choice["delta"].get("tool_calls") or []]
    assert calls[0]["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert [ch["choices"][0]["finish_reason"] for ch in chunks if ch.get("choices")][-1] == "tool_calls"
    assert _log(app, resp).completion_tokens == 10
    resp, data = _post(client, "/v1/chat/completions", headers={**headers, "X-Mock-Scenario": "image"},
                       json={"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": "draw"}]})
    content = orjson.loads(data)["choices"][0]["message"]["content"]
    assert content[1] == {"type": "image_url", "image_url": {"url": IMG}}


def test_messages_stream_through_gemini_thinking(client, headers):
    resp, data = _post(client, "/v1/messages", headers={**headers, "X-Mock-Scenario": "thinking"},
                       json={"model": "gemini-2.5-flash", "max_tokens": 50, "stream": True,
                             "messages": [{"role": "user", "content": "hi"}]})
    events = _sse(data)
    deltas = [e["delta"] for e in events if e["type"] == "content_block_delta"]
    assert deltas[0] == {"type": "thinking_delta", "thinking": "Pondering."}
    assert "".join(d.get("text", "") for d in deltas) == "Hello from Gemini"
    final = [e for e in events if e["type"] == "message_delta"][0]
    assert final["delta"]["stop_reason"] == "end_turn" and final["usage"]["output_tokens"] == 10


def test_gemini_embeddings(client, headers, mocks):
    resp, data = _post(client, "/v1/embeddings", headers=headers,
                       json={"model": "text-embedding-004", "input": ["a", "b"]})
    assert resp.status_code == 200, data
    assert mocks["gemini"].last()[0] == "/v1/models/text-embedding-004:batchEmbedContents"
    body = orjson.loads(data)
    assert [d["embedding"][2] for d in body["data"]] == [0.0, 1.0]


def test_gemini_error_mapped(client, headers):
    resp, data = _post(client, "/v1/messages", headers={**headers, "X-Mock-Scenario": "error",
                                                        "X-Mock-Status": "403"},
                       json={"model": "gemini-2.5-flash", "max_tokens": 5,
                             "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 403
    assert orjson.loads(data) ["error"]["type"] == "permission_error"


# ---------------------------------------------------------------------------- Response API upstream

def test_responses_native_passthrough_and_chat_conversion(app, client, headers, mocks):
    body = {"model": "gpt-5", "input": [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}],
            "reasoning": {"effort": "low"}, "custom_field": 1}
    resp, data = _post(client, "/v1/responses", headers=headers, json=body)
    assert resp.status_code == 200
    path, up_headers, sent = mocks["responses"].last()
    assert path == "/v1/responses" and sent == body and up_headers["Authorization"] == "Bearer sk-upstream"
    assert orjson.loads(data)["id"] == "resp_mock1"  # verbatim
    log = _log(app, resp)
    assert (log.prompt_tokens, log.completion_tokens, log.cached_prompt_tokens) == (15, 5, 4)
    meta = orjson.loads(log.metadata_)
    assert meta["user_api_format"] == meta["upstream_api_format"] == "openai_responses"
    # chat front on api_format=response: converted to the Response API, stream included
    resp, data = _post(client, "/v1/chat/completions", headers=headers, json={
        "model": "gpt-5", "stream": True, "max_tokens": 50,
        "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "hi"}]})
    sent = mocks["responses"].last()[2]
    assert sent["input"][0]["role"] == "developer"  # gpt-5: system -> developer (reasoning model rewrite)
    assert sent["max_output_tokens"] == 50 and sent["stream"] is True and sent["store"] is False
    assert "messages" not in sent and "stream_options" not in sent
    text = "".join(ch["choices"][0]["delta"].get("content") or "" for ch in _sse(data) if ch.get("choices"))
    assert text == "Hello from Responses"
    log = _log(app, resp)
    assert (log.prompt_tokens, log.completion_tokens) == (15, 5)
    # ?thinking=true on a native /v1/responses request sets reasoning.effort
    _post(client, "/v1/responses?thinking=true", headers=headers, json={"model": "gpt-5", "input": "hi"})
    assert mocks["responses"].last()[2]["reasoning"]["effort"] == "high"
