"""Vertex AI (type 42): service-account JWT → loopback OAuth token (cached), Gemini and Claude
publishers (URLs, bodies, streams), usage/billing and error mapping."""
from __future__ import annotations

import orjson
import pytest

from oneapi.providers.vertexai import auth
from tests.mocks.google_oauth import check_token_request, make_service_account
from tests.mocks.vendor_mock import Reply, json_reply

TOKEN = "ya29.loopback-token"


@pytest.fixture(autouse=True)
def _fresh_tokens():
    auth.reset()
    yield
    auth.reset()


@pytest.fixture(scope="module")
def keypair():
    return make_service_account("placeholder")


@pytest.fixture
def vertex(make_channel, vendor, keypair):
    """A Vertex channel whose token endpoint and API host are the loopback vendor."""
    account, public_key = keypair
    account = {**account, "token_uri": vendor.url + "/token"}
    state = {"token_calls": 0, "reply": None}

    def handler(req):
        if req.path == "/token":
            state["token_calls"] += 1
            check_token_request(req, public_key, account["client_email"], vendor.url + "/token")
            return json_reply({"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"})
        assert req.headers["Authorization"] == f"Bearer {TOKEN}"
        return state["reply"](req)

    vendor.handler = handler

    def make(models: str, region: str = "us-east5"):
        make_channel(type=42, base_url=vendor.url, key="unused", models=models,
                     config=orjson.dumps({"region": region, "vertex_ai_project_id": "my-proj",
                                          "vertex_ai_adc": orjson.dumps(account).decode()}).decode())
    state["make"] = make
    return state


GEMINI_REPLY = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Gemini on Vertex"}]},
                                "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 6, "candidatesTokenCount": 3, "totalTokenCount": 9},
                "modelVersion": "gemini-2.0-flash"}


def test_gemini_generate_content_token_exchange_and_cache(vertex, vendor, gateway):
    vertex["make"]("gemini-2.0-flash")
    vertex["reply"] = lambda req: json_reply(GEMINI_REPLY)
    for _ in range(2):
        resp, data = gateway.chat({"model": "gemini-2.0-flash", "max_tokens": 20,
                                   "messages": [{"role": "user", "content": "hi"}]})
        assert resp.status_code == 200, data
    assert vertex["token_calls"] == 1  # cached until expiry
    seen = vendor.requests[-1]
    assert seen.path == ("/v1/projects/my-proj/locations/us-east5/publishers/google/models/"
                         "gemini-2.0-flash:generateContent")
    body = seen.json()
    assert body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
    assert body["generationConfig"]["maxOutputTokens"] == 20
    out = orjson.loads(data)
    assert out["choices"][0]["message"]["content"] == "Gemini on Vertex"
    assert out["usage"]["prompt_tokens"] == 6 and out["usage"]["completion_tokens"] == 3
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens) == (6, 3) and log.quota > 0


def test_gemini_25_uses_global_location_and_stream(vertex, vendor, gateway):
    vertex["make"]("gemini-2.5-flash")
    events = [{"candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}}]},
              {"candidates": [{"content": {"role": "model", "parts": [{"text": "lo"}]}, "finishReason": "STOP"}],
               "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 2, "totalTokenCount": 6}}]
    vertex["reply"] = lambda req: Reply(chunks=[b"data: " + orjson.dumps(e) + b"\r\n\r\n" for e in events],
                                        content_type="text/event-stream")
    resp, data = gateway.chat({"model": "gemini-2.5-flash", "stream": True,
                               "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == ("/v1/projects/my-proj/locations/global/publishers/google/models/"
                         "gemini-2.5-flash:streamGenerateContent")
    assert seen.query == {"alt": "sse"}
    out = gateway.events(data)
    assert out[-1] == b"[DONE]"
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in out[:-1] if e.get("choices"))
    assert text == "Hello"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (4, 2)


CLAUDE_REPLY = {"id": "msg_vrtx_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4",
                "content": [{"type": "text", "text": "Claude on Vertex"}], "stop_reason": "end_turn",
                "usage": {"input_tokens": 12, "output_tokens": 5}}


def test_claude_raw_predict(vertex, vendor, gateway):
    vertex["make"]("claude-sonnet-4-20250514")
    vertex["reply"] = lambda req: json_reply(CLAUDE_REPLY)
    resp, data = gateway.chat({"model": "claude-sonnet-4-20250514", "max_tokens": 30,
                               "messages": [{"role": "system", "content": "sys"},
                                            {"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == ("/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/"
                         "claude-sonnet-4@20250514:rawPredict")
    assert seen.json() == {"anthropic_version": "vertex-2023-10-16", "max_tokens": 30, "system": "sys",
                           "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}
    out = orjson.loads(data)
    assert out["choices"][0]["message"]["content"] == "Claude on Vertex"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (12, 5)


def test_claude_stream_raw_predict(vertex, vendor, gateway):
    vertex["make"]("claude-3-5-haiku@20241022")
    events = [("message_start", {"type": "message_start", "message": {
                  "id": "msg_1", "type": "message", "role": "assistant", "model": "c", "content": [],
                  "usage": {"input_tokens": 8, "output_tokens": 1}}}),
              ("content_block_start", {"type": "content_block_start", "index": 0,
                                       "content_block": {"type": "text", "text": ""}}),
              ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                       "delta": {"type": "text_delta", "text": "Hi!"}}),
              ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                                 "usage": {"output_tokens": 3}}),
              ("message_stop", {"type": "message_stop"})]
    vertex["reply"] = lambda req: Reply(chunks=[f"event: {n}\ndata: ".encode() + orjson.dumps(d) + b"\n\n"
                                                for n, d in events], content_type="text/event-stream")
    resp, data = gateway.chat({"model": "claude-3-5-haiku@20241022", "stream": True,
                               "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path.endswith("/publishers/anthropic/models/claude-3-5-haiku@20241022:streamRawPredict")
    assert seen.json()["stream"] is True and seen.json()["anthropic_version"] == "vertex-2023-10-16"
    out = gateway.events(data)
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in out[:-1] if e.get("choices")) == "Hi!"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (8, 3)


def test_claude_messages_front(vertex, vendor, gateway):
    vertex["make"]("claude-sonnet-4@20250514")
    vertex["reply"] = lambda req: json_reply(CLAUDE_REPLY)
    resp = gateway.client.post("/v1/messages", headers=gateway.headers,
                               json={"model": "claude-sonnet-4@20250514", "max_tokens": 50,
                                     "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, resp.get_data()
    body = vendor.requests[-1].json()
    assert "model" not in body and body["anthropic_version"] == "vertex-2023-10-16"
    assert body["messages"] == [{"role": "user", "content": "hi"}]
    assert resp.get_json()["content"][0]["text"] == "Claude on Vertex"


def test_embeddings_predict(vertex, vendor, gateway):
    vertex["make"]("text-embedding-004")
    vertex["reply"] = lambda req: json_reply({"predictions": [
        {"embeddings": {"values": [0.1, 0.2], "statistics": {"token_count": 3, "truncated": False}}},
        {"embeddings": {"values": [0.3, 0.4], "statistics": {"token_count": 2, "truncated": False}}}]})
    resp, data = gateway.post("/v1/embeddings", {"model": "text-embedding-004", "input": ["a b c", "d e"]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path.endswith("/publishers/google/models/text-embedding-004:predict")
    assert seen.json() == {"instances": [{"content": "a b c"}, {"content": "d e"}]}
    out = orjson.loads(data)
    assert [d["embedding"] for d in out["data"]] == [[0.1, 0.2], [0.3, 0.4]]
    assert out["usage"]["prompt_tokens"] == 5


def test_401_maps_and_drops_cached_token(vertex, vendor, gateway):
    vertex["make"]("gemini-2.0-flash")
    vertex["reply"] = lambda req: json_reply({"error": {"code": 401, "message": "Request had invalid authentication",
                                                        "status": "UNAUTHENTICATED"}}, 401)
    resp, data = gateway.chat({"model": "gemini-2.0-flash", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401
    err = orjson.loads(data)["error"]
    assert "invalid authentication" in err["message"] and err["type"] == "UNAUTHENTICATED"
    assert vertex["token_calls"] == 1 and auth._cache == {}  # the 401 forgot the token


def test_429_maps(vertex, vendor, gateway):
    vertex["make"]("gemini-2.0-flash")
    vertex["reply"] = lambda req: json_reply([{"error": {"code": 429, "message": "Quota exceeded",
                                                         "status": "RESOURCE_EXHAUSTED"}}], 429)
    resp, data = gateway.chat({"model": "gemini-2.0-flash", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 429
    assert orjson.loads(data)["error"]["code"] == 429


def test_token_endpoint_failure_and_bad_config(make_channel, vendor, gateway, keypair):
    account, _ = keypair
    account = {**account, "token_uri": vendor.url + "/token"}
    vendor.handler = lambda req: json_reply({"error": "invalid_grant", "error_description": "Invalid JWT"}, 400)
    make_channel(type=42, base_url=vendor.url, key="unused", models="gemini-2.0-flash",
                 config=orjson.dumps({"vertex_ai_project_id": "p", "vertex_ai_adc": orjson.dumps(account).decode()}).decode())
    resp, data = gateway.chat({"model": "gemini-2.0-flash", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401 and "Invalid JWT" in orjson.loads(data)["error"]["message"]
    assert [r.path for r in vendor.requests] == ["/token"]

    make_channel(type=42, base_url=vendor.url, key="unused", models="gemini-1.5-pro",
                 config='{"vertex_ai_project_id": "p", "vertex_ai_adc": "not json"}')
    resp, data = gateway.chat({"model": "gemini-1.5-pro", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 400 and "vertex_ai_adc" in orjson.loads(data)["error"]["message"]
    assert len(vendor.requests) == 1


def test_maas_openai_endpoint(vertex, vendor, gateway):
    vertex["make"]("deepseek-ai/deepseek-v3.1-maas", region="us-west2")
    vertex["reply"] = lambda req: json_reply({
        "id": "x1", "object": "chat.completion", "created": 1, "model": "deepseek-ai/deepseek-v3.1-maas",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "maas ok"}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
    resp, data = gateway.chat({"model": "deepseek-ai/deepseek-v3.1-maas",
                               "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/v1/projects/my-proj/locations/us-west2/endpoints/openapi/chat/completions"
    assert seen.json()["model"] == "deepseek-ai/deepseek-v3.1-maas"
    assert orjson.loads(data)["choices"][0]["message"]["content"] == "maas ok"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (3, 2)

    chunks = [{"id": "s", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {"content": "str"}, "finish_reason": None}]},
              {"id": "s", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {"content": "eam"}, "finish_reason": "stop"}]},
              {"id": "s", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [],
               "usage": {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}}]
    vertex["reply"] = lambda req: Reply(chunks=[b"data: " + orjson.dumps(c) + b"\n\n" for c in chunks]
                                        + [b"data: [DONE]\n\n"], content_type="text/event-stream")
    resp, data = gateway.chat({"model": "deepseek-ai/deepseek-v3.1-maas", "stream": True,
                               "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].json()["stream_options"] == {"include_usage": True}
    out = gateway.events(data)
    assert "".join(e["choices"][0]["delta"].get("content") or "" for e in out[:-1] if e.get("choices")) == "stream"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (4, 2)


def test_admin_channel_test_exchanges_token(vertex, vendor, root_client, app):
    vertex["make"]("gemini-2.0-flash")
    vertex["reply"] = lambda req: json_reply(GEMINI_REPLY)
    from oneapi.extensions import db
    from oneapi.models import Channel

    with app.app_context():
        channel_id = db.session.execute(db.select(Channel.id).filter_by(type=42)).scalars().first()
    body = root_client.get(f"/api/channel/test/{channel_id}").get_json()
    assert body["success"] is True and body["message"] == "Gemini on Vertex", body
    assert vertex["token_calls"] == 1
