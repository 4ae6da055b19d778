"""Anthropic Messages front codec: table-driven fixtures + error mapping."""
from __future__ import annotations

import copy

import pytest

from oneapi.relay.fronts.claude import (
    ClaudeStreamEncoder,
    chat_error_to_claude_error,
    chat_to_claude_response,
    claude_request_text_for_counting,
    claude_to_chat_request,
)
from tests.converters.conftest import Ids, load_cases, parse_sse


@pytest.mark.parametrize("case", load_cases("claude_request"))
def test_claude_request(case):
    body = copy.deepcopy(case["input"])
    assert claude_to_chat_request(body) == case["expected"]
    assert body == case["input"], "input must not be mutated"


@pytest.mark.parametrize("case", load_cases("claude_response"))
def test_claude_response(case):
    assert chat_to_claude_response(case["input"], case["model"], Ids()) == case["expected"]


@pytest.mark.parametrize("case", load_cases("claude_stream"))
def test_claude_stream(case):
    enc = ClaudeStreamEncoder(case["model"], Ids(), case["prompt_estimate"])
    raw = []
    for chunk in case["chunks"]:
        raw += enc.feed(chunk)
    raw += enc.finish(case["finish_usage"])
    assert parse_sse(raw) == case["expected"]
    assert enc.finish(None) == []


def test_counting_messages_reuse_request_conversion():
    body = {"model": "m", "system": "sys", "messages": [{"role": "user", "content": "hi"}]}
    assert claude_request_text_for_counting(body) == [{"role": "system", "content": "sys"},
                                                      {"role": "user", "content": "hi"}]


@pytest.mark.parametrize("status,error,expected_type", [
    (400, {"message": "bad", "type": "invalid_request_error"}, "invalid_request_error"),
    (401, {"message": "no key", "type": "one_api_error"}, "authentication_error"),
    (403, {"message": "denied", "type": "one_api_error"}, "permission_error"),
    (404, {"message": "nope"}, "not_found_error"),
    (413, {"message": "big"}, "request_too_large"),
    (429, {"message": "slow down", "type": "rate_limit_exceeded"}, "rate_limit_error"),
    (500, {"message": "boom", "type": "upstream_error"}, "api_error"),
    (503, {"error": {"message": "wrapped", "type": "x"}}, "api_error"),
    (529, {"message": "busy"}, "overloaded_error"),
    (422, {"message": "weird"}, "invalid_request_error"),
])
def test_error_mapping(status, error, expected_type):
    out = chat_error_to_claude_error(status, error)
    message = error.get("message") or error["error"]["message"]
    assert out == {"type": "error", "error": {"type": expected_type, "message": message}}


def test_stream_error_chunk_becomes_error_event():
    enc = ClaudeStreamEncoder("m", Ids(), 3)
    events = parse_sse(enc.feed({"error": {"message": "upstream died", "type": "api_error"}}))
    assert [e[0] for e in events] == ["message_start", "ping", "error"]
    assert events[2][1] == {"type": "error", "error": {"type": "api_error", "message": "upstream died"}}


def test_finish_without_chunks_still_emits_full_message():
    events = parse_sse(ClaudeStreamEncoder("m", Ids(), 4).finish(None))
    assert [e[0] for e in events] == ["message_start", "ping", "message_delta", "message_stop"]
    assert events[2][1]["usage"]["input_tokens"] == 4


def test_thinking_variants_kept_as_hint():
    base = {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]}
    req = claude_to_chat_request({**base, "thinking": {"type": "adaptive"}})
    assert req["thinking"] == {"type": "adaptive"} and "reasoning_effort" not in req
    req = claude_to_chat_request({**base, "thinking": {"type": "enabled", "budget_tokens": 2000, "x": 1}})
    assert req["thinking"] == {"type": "enabled", "budget_tokens": 2000}
    req = claude_to_chat_request({**base, "thinking": {"type": "disabled"}})
    assert req["thinking"] == {"type": "disabled"}
    assert "thinking" not in claude_to_chat_request(base)


@pytest.mark.parametrize("body,param", [
    ([], None),
    ({"model": "m"}, "messages"),
    ({"model": "m", "messages": "hi"}, "messages"),
    ({"model": "m", "messages": [{"role": "tool", "content": "x"}]}, "messages.0.role"),
    ({"model": "m", "messages": [{"role": "user", "content": 5}]}, "messages.0.content"),
    ({"model": "m", "messages": [{"role": "user", "content": ["x"]}]}, "messages.0.content"),
    ({"model": "m", "messages": [], "tools": {"name": "x"}}, "tools"),
    ({"model": "m", "messages": [], "stop_sequences": "END"}, "stop_sequences"),
])
def test_malformed_requests_raise_conversion_error(body, param):
    from oneapi.relay.fronts import ConversionError

    with pytest.raises(ConversionError) as info:
        claude_to_chat_request(body)
    assert info.value.param == param and info.value.status == 400


def test_tool_results_always_precede_user_content():
    body = {"model": "m", "max_tokens": 5, "messages": [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}]},
        {"role": "user", "content": [
            {"type": "text", "text": "note first"},
            {"type": "tool_result", "tool_use_id": "t1", "content": [
                {"type": "image", "source": {"type": "url", "url": "https://x/i.png"}}]}]}]}
    assert claude_to_chat_request(body)["messages"][1:] == [
        {"role": "tool", "tool_call_id": "t1", "content": ""},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/i.png"}},
                                     {"type": "text", "text": "note first"}]}]
