"""Native Anthropic upstream converters: table-driven fixtures, errors, and a full relay round trip."""
from __future__ import annotations

import copy

import anthropic
import pytest

from oneapi.providers.anthropic.convert import (
    anthropic_error_to_openai,
    anthropic_to_chat_response,
    chat_to_anthropic_request,
)
from oneapi.providers.anthropic.stream import AnthropicStreamDecoder
from oneapi.relay.fronts.claude import ClaudeStreamEncoder
from tests.converters.conftest import Ids, load_cases


@pytest.mark.parametrize("case", load_cases("anthropic_request"))
def test_anthropic_request(case):
    req = copy.deepcopy(case["input"])
    assert chat_to_anthropic_request(req, case["default_max_tokens"]) == case["expected"]
    assert req == case["input"]


@pytest.mark.parametrize("case", load_cases("anthropic_response"))
def test_anthropic_response(case):
    assert anthropic_to_chat_response(case["input"], case["now"]) == case["expected"]


@pytest.mark.parametrize("case", load_cases("anthropic_stream"))
def test_anthropic_stream(case):
    dec = AnthropicStreamDecoder(case["now"])
    chunks = []
    for event, data in case["events"]:
        chunks += dec.feed(event, data)
    assert chunks == case["expected"]
    assert dec.usage() == case["usage"]


def test_stream_error_event_and_no_usage_before_start():
    dec = AnthropicStreamDecoder(1)
    assert dec.usage() is None
    assert dec.feed("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}) == [
        {"error": {"message": "Overloaded", "type": "overloaded_error", "code": "overloaded_error"}}]


@pytest.mark.parametrize("status,body,expected", [
    (400, {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: required"}},
     {"message": "max_tokens: required", "type": "invalid_request_error", "param": None, "code": "invalid_request_error"}),
    (529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
     {"message": "Overloaded", "type": "overloaded_error", "param": None, "code": "overloaded_error"}),
    (502, "<html>Bad gateway</html>",
     {"message": "<html>Bad gateway</html>", "type": "upstream_error", "param": None, "code": 502}),
])
def test_error_mapping(status, body, expected):
    assert anthropic_error_to_openai(status, body) == expected


def test_round_trip_anthropic_upstream_to_claude_client(canned):
    """Anthropic SSE -> hub chunks -> Claude SSE: the SDK rebuilds the original message."""
    case = load_cases("anthropic_stream")[0].values[0]
    dec = AnthropicStreamDecoder(case["now"])
    enc = ClaudeStreamEncoder("claude-sonnet-4-5", Ids(), 0)
    raw = []
    for event, data in case["events"]:
        for chunk in dec.feed(event, data):
            raw += enc.feed(chunk)
    raw += enc.finish(dec.usage())
    canned.reply(b"".join(raw), stream=True)
    client = anthropic.Anthropic(base_url=canned.url, api_key="k", max_retries=0, timeout=5)
    with client.messages.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text", "tool_use", "tool_use"]
    assert final.content[0].signature == "sig" and final.content[2].input == {"city": "Paris"}
    assert final.usage.input_tokens == 10 and final.usage.cache_read_input_tokens == 5
    assert final.usage.cache_creation_input_tokens == 3 and final.usage.output_tokens == 30
    assert final.stop_reason == "tool_use"


def test_decoders_report_delivered_text():
    from oneapi.providers.gemini.stream import GeminiStreamDecoder
    from oneapi.providers.responses_api.stream import ResponsesStreamDecoder

    dec = AnthropicStreamDecoder(1)
    for event, data in load_cases("anthropic_stream")[0].values[0]["events"]:
        dec.feed(event, data)
    assert dec.text() == 'HmmHi{"city":"Paris"}'
    gem = GeminiStreamDecoder("g", 1, Ids())
    gem.feed({"candidates": [{"content": {"parts": [{"text": "t", "thought": True}, {"text": "x"}]}}]})
    assert gem.text() == "tx"
    resp = ResponsesStreamDecoder(1)
    resp.feed("response.output_text.delta", {"type": "response.output_text.delta", "delta": "ab"})
    assert resp.text() == "ab"
