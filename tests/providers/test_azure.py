"""Azure OpenAI (type 3) against a loopback server speaking Azure's wire format."""
from __future__ import annotations

import orjson

from tests.mocks.vendor_mock import Reply, json_reply

CHAT = {"id": "chatcmpl-az", "object": "chat.completion", "created": 1, "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi from azure"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}}


def _chunk(text, finish=None):
    return {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}]}


def test_azure_chat_url_api_key_and_billing(make_channel, vendor, gateway):
    channel = make_channel(type=3, base_url=vendor.url, key="azure-key", models="gpt-4o,gpt-35",
                           config='{"api_version": "2024-06-01"}', model_mapping='{"gpt-35": "gpt-35-turbo"}')
    vendor.handler = lambda req: json_reply(CHAT)
    resp, data = gateway.chat({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    assert orjson.loads(data)["choices"][0]["message"]["content"] == "hi from azure"
    seen = vendor.requests[-1]
    assert seen.path == "/openai/deployments/gpt-4o/chat/completions"
    assert seen.query == {"api-version": "2024-06-01"}
    assert seen.headers["api-key"] == "azure-key" and "Authorization" not in seen.headers
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens, log.channel_id) == (9, 4, channel.id)
    # model mapping names the deployment; o-series force the reasoning api-version
    gateway.chat({"model": "gpt-35", "messages": [{"role": "user", "content": "hi"}]})
    assert vendor.requests[-1].path == "/openai/deployments/gpt-35-turbo/chat/completions"
    assert vendor.requests[-1].json()["model"] == "gpt-35-turbo"


def test_azure_reasoning_models_force_api_version(make_channel, vendor, gateway):
    make_channel(type=3, base_url=vendor.url, key="k", models="o3-mini", config='{"api_version": "2024-02-01"}')
    vendor.handler = lambda req: json_reply({**CHAT, "model": "o3-mini"})
    resp, _ = gateway.chat({"model": "o3-mini", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200
    assert vendor.requests[-1].query == {"api-version": "2025-04-01-preview"}


def test_azure_stream_and_error(make_channel, vendor, gateway):
    make_channel(type=3, base_url=vendor.url, key="k", models="gpt-4o")
    events = [_chunk("a"), _chunk("b"), _chunk(None, "stop"),
              {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o", "choices": [],
               "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}]
    vendor.handler = lambda req: Reply(chunks=[b"data: " + orjson.dumps(e) + b"\n\n" for e in events]
                                       + [b"data: [DONE]\n\n"], content_type="text/event-stream")
    resp, data = gateway.chat({"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200
    evs = gateway.events(data)
    assert evs[-1] == b"[DONE]"
    assert "".join(e["choices"][0]["delta"].get("content", "") for e in evs[:-1] if e["choices"]) == "ab"
    assert vendor.requests[-1].query["api-version"] == "2024-03-01-preview"
    assert vendor.requests[-1].json()["stream_options"] == {"include_usage": True}
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens, log.is_stream) == (5, 2, True)
    vendor.handler = lambda req: json_reply({"error": {"code": "DeploymentNotFound", "message":
                                                      "The API deployment for this resource does not exist."}}, 404)
    resp, data = gateway.chat({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 404
    assert "deployment for this resource does not exist" in orjson.loads(data)["error"]["message"]


def test_azure_images_and_embeddings_paths(make_channel, vendor, gateway):
    make_channel(type=3, base_url=vendor.url, key="k", models="dall-e-3,text-embedding-3-small")
    vendor.handler = lambda req: json_reply(
        {"created": 1, "data": [{"url": "https://x/1.png"}]} if "images" in req.path else
        {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1]}],
         "model": "text-embedding-3-small", "usage": {"prompt_tokens": 3, "total_tokens": 3}})
    resp, data = gateway.post("/v1/images/generations", {"model": "dall-e-3", "prompt": "cat"})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].path == "/openai/deployments/dall-e-3/images/generations"
    assert vendor.requests[-1].headers["api-key"] == "k"
    assert gateway.log(resp).quota == 20000
    resp, data = gateway.post("/v1/embeddings", {"model": "text-embedding-3-small", "input": "hello"})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].path == "/openai/deployments/text-embedding-3-small/embeddings"


RESPONSE_API_BODY = {
    "id": "resp_az", "object": "response", "created_at": 1, "status": "completed", "model": "gpt-5",
    "output": [{"type": "message", "id": "m1", "role": "assistant", "status": "completed",
                "content": [{"type": "output_text", "text": "from responses", "annotations": []}]}],
    "usage": {"input_tokens": 8, "output_tokens": 3, "total_tokens": 11}}
CLAUDE_BODY = {"id": "msg_az", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
               "stop_reason": "end_turn", "content": [{"type": "text", "text": "from claude"}],
               "usage": {"input_tokens": 6, "output_tokens": 2}}


def test_azure_gpt5_goes_to_v1_responses(make_channel, vendor, gateway):
    make_channel(type=3, base_url=vendor.url, key="azk", models="gpt-5")
    vendor.handler = lambda req: json_reply(RESPONSE_API_BODY)
    resp, data = gateway.chat({"model": "gpt-5", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert (seen.path, seen.query) == ("/openai/v1/responses", {"api-version": "v1"})
    assert seen.headers["api-key"] == "azk" and "Authorization" not in seen.headers
    assert seen.json()["input"][0]["role"] == "user"
    body = orjson.loads(data)
    assert body["choices"][0]["message"]["content"] == "from responses"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (8, 3)


def test_azure_claude_goes_to_anthropic_messages(make_channel, vendor, gateway):
    make_channel(type=3, base_url=vendor.url, key="azk", models="claude-sonnet-4-5")
    vendor.handler = lambda req: json_reply(CLAUDE_BODY)
    resp, data = gateway.chat({"model": "claude-sonnet-4-5", "max_tokens": 100,
                               "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/anthropic/v1/messages" and seen.headers["x-api-key"] == "azk"
    assert seen.json()["messages"][0]["role"] == "user"
    assert orjson.loads(data)["choices"][0]["message"]["content"] == "from claude"
    resp, data = gateway.post("/v1/messages", {"model": "claude-sonnet-4-5", "max_tokens": 50,
                                               "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    assert orjson.loads(data)["content"][0]["text"] == "from claude"
    assert vendor.requests[-1].path == "/anthropic/v1/messages"


def test_azure_api_version_from_legacy_other_column(make_channel, vendor, gateway):
    """Channels created by Go one-api keep the Azure api-version in ``other``."""
    make_channel(type=3, base_url=vendor.url, key="k", models="gpt-4o", other="2023-05-15")
    vendor.handler = lambda req: json_reply(CHAT)
    resp, _ = gateway.chat({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200
    assert vendor.requests[-1].query == {"api-version": "2023-05-15"}
