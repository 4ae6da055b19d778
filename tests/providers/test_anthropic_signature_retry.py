"""Anthropic "Invalid signature in thinking block" 400: one resend, same channel, with every
thinking block removed from the assistant history (reference relay §4, Claude Messages)."""
from __future__ import annotations

import orjson

from oneapi.providers import get_adapter
from oneapi.providers.anthropic.adapter import EXTRA_SIGNATURE_RETRY, is_signature_error
from oneapi.providers.base import PreparedRequest
from oneapi.relay.context import ChannelInfo, RelayContext
from oneapi.relay.modes import RelayMode
from tests.mocks.vendor_mock import json_reply

SIG_400 = orjson.dumps({"type": "error", "error": {
    "type": "invalid_request_error",
    "message": "messages.1.content.0: Invalid `signature` in `thinking` block"}})
FIELD_400 = orjson.dumps({"type": "error", "error": {
    "type": "invalid_request_error", "message": "messages.1.content.0.thinking.signature: Field required"}})
BODY = {"model": "claude-sonnet-4-5", "max_tokens": 2000, "thinking": {"type": "enabled", "budget_tokens": 1024},
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm", "signature": "forged"},
                                              {"type": "redacted_thinking", "data": "xx"},
                                              {"type": "text", "text": "hello"}]},
            {"role": "assistant", "content": [{"type": "thinking", "thinking": "only", "signature": "s"}]},
            {"role": "user", "content": "again"}]}


def _ctx():
    ctx = RelayContext(request_id="r", mode=RelayMode.CLAUDE_MESSAGES, origin_model="claude-sonnet-4-5",
                       actual_model="claude-sonnet-4-5")
    return ctx.for_channel(ChannelInfo(id=1, type=14, name="a", key="k", base_url="http://x"))


def test_signature_errors_are_recognised():
    assert is_signature_error(400, SIG_400) and is_signature_error(400, FIELD_400)
    assert not is_signature_error(401, SIG_400) and not is_signature_error(400, b"")
    assert not is_signature_error(400, orjson.dumps({"error": {"message": "max_tokens: too large"}}))


def test_retry_request_strips_thinking_once():
    adapter, ctx = get_adapter(14), _ctx()
    prepared = PreparedRequest(body=orjson.dumps(BODY), url="http://x/v1/messages",
                               headers={"x-api-key": "k", "anthropic-version": "2023-06-01"})
    retry = adapter.retry_request(ctx, 400, SIG_400, prepared)
    assert retry is not None and retry.url == prepared.url and retry.headers == prepared.headers
    sent = orjson.loads(retry.body)
    assert sent["messages"][0] == BODY["messages"][0] and sent["messages"][3] == BODY["messages"][3]
    assert sent["messages"][1]["content"] == [{"type": "text", "text": "hello"}]
    assert sent["messages"][2]["content"] == [{"type": "text", "text": "..."}]  # never an empty turn
    assert sent["thinking"] == BODY["thinking"] and ctx.extra[EXTRA_SIGNATURE_RETRY]
    assert adapter.retry_request(ctx, 400, SIG_400, retry) is None  # at most once per request


def test_retry_request_declines_other_errors_and_bodies_without_thinking():
    adapter = get_adapter(14)
    prepared = PreparedRequest(body=orjson.dumps(BODY))
    assert adapter.retry_request(_ctx(), 400, b'{"error":{"message":"bad"}}', prepared) is None
    assert adapter.retry_request(_ctx(), 500, SIG_400, prepared) is None
    plain = PreparedRequest(body=orjson.dumps({**BODY, "messages": [{"role": "user", "content": "x"}]}))
    assert adapter.retry_request(_ctx(), 400, SIG_400, plain) is None
    assert get_adapter(1).retry_request(_ctx(), 400, SIG_400, prepared) is None  # base default


def test_messages_retry_without_thinking_end_to_end(make_channel, vendor, gateway):
    make_channel(type=14, base_url=vendor.url, key="k", models="claude-sonnet-4-5")

    def handler(req):
        body = req.json()
        if any(isinstance(b, dict) and b.get("type") == "thinking" for m in body["messages"]
               if isinstance(m.get("content"), list) for b in m["content"]):
            return json_reply(orjson.loads(SIG_400), 400)
        return json_reply({"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"],
                           "content": [{"type": "text", "text": "retried"}], "stop_reason": "end_turn",
                           "usage": {"input_tokens": 7, "output_tokens": 2}})

    vendor.handler = handler
    resp, data = gateway.post("/v1/messages", BODY)
    assert resp.status_code == 200, data
    assert orjson.loads(data)["content"][0]["text"] == "retried"
    assert len(vendor.requests) == 2
    assert gateway.log(resp).prompt_tokens == 7
