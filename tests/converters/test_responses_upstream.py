"""Upstream Responses API converters (channels with api_format "response"): fixtures and errors."""
from __future__ import annotations

import copy

import pytest

from oneapi.providers.responses_api.convert import chat_to_responses_request, responses_to_chat_response
from oneapi.providers.responses_api.stream import ResponsesStreamDecoder
from oneapi.relay.fronts.responses import ResponsesStreamEncoder
from tests.converters.conftest import Ids, load_cases, parse_sse


@pytest.mark.parametrize("case", load_cases("upstream_responses_request"))
def test_request(case):
    req = copy.deepcopy(case["input"])
    assert chat_to_responses_request(req) == case["expected"]
    assert req == case["input"]


@pytest.mark.parametrize("case", load_cases("upstream_responses_response"))
def test_response(case):
    assert responses_to_chat_response(case["input"], case["now"]) == case["expected"]


@pytest.mark.parametrize("case", load_cases("upstream_responses_stream"))
def test_stream(case):
    dec = ResponsesStreamDecoder(case["now"])
    chunks = []
    for event, data in case["events"]:
        chunks += dec.feed(event, data)
    assert chunks == case["expected"]
    assert dec.usage() == case["usage"]


def test_failed_and_error_events():
    dec = ResponsesStreamDecoder(1)
    assert dec.feed("response.failed", {"type": "response.failed", "response": {
        "id": "r", "status": "failed", "error": {"code": "server_error", "message": "boom"}}}) == [
        {"error": {"message": "boom", "type": "upstream_error", "code": "server_error"}}]
    assert ResponsesStreamDecoder(1).feed("error", {"type": "error", "code": "rate_limit_exceeded", "message": "slow"}) == [
        {"error": {"message": "slow", "type": "upstream_error", "code": "rate_limit_exceeded"}}]


def test_upstream_stream_re_encoded_for_responses_client():
    """Upstream Responses SSE -> hub -> Responses SSE keeps text, reasoning and both calls."""
    case = {c.id: c.values[0] for c in load_cases("upstream_responses_stream")}["reasoning_text_two_calls"]
    dec = ResponsesStreamDecoder(case["now"])
    enc = ResponsesStreamEncoder({"model": "gpt-5-mini"}, "gpt-5-mini", 1700000100, Ids())
    raw = []
    for event, data in case["events"]:
        for chunk in dec.feed(event, data):
            raw += enc.feed(chunk)
    raw += enc.finish(dec.usage())
    final = parse_sse(raw)[-1][1]["response"]
    assert [o["type"] for o in final["output"]] == ["reasoning", "message", "function_call", "function_call"]
    assert final["output"][0]["summary"][0]["text"] == "Plan A.\n\nNext"
    assert final["output"][1]["content"][0]["text"] == "Hello"
    assert [(o["call_id"], o["arguments"]) for o in final["output"][2:]] == [("call_9", '{"x":1}'), ("call_10", "{}")]
    assert final["usage"]["output_tokens_details"]["reasoning_tokens"] == 5


@pytest.mark.parametrize("thinking,effort", [
    ({"type": "enabled", "budget_tokens": 2048}, "low"), ({"type": "enabled", "budget_tokens": 10000}, "medium"),
    ({"type": "enabled", "budget_tokens": 32000}, "high"), ({"type": "adaptive"}, "medium"),
    ({"type": "disabled"}, None)])
def test_thinking_hint_becomes_reasoning_effort(thinking, effort):
    out = chat_to_responses_request({"model": "gpt-5", "thinking": thinking, "messages": [{"role": "user", "content": "x"}]})
    assert out.get("reasoning") == ({"effort": effort, "summary": "auto"} if effort else None)
    assert "thinking" not in out
