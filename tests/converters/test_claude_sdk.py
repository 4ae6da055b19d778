"""The official anthropic SDK parses what the Claude front codec produces (real HTTP on 127.0.0.1)."""
from __future__ import annotations

import anthropic
import pytest
from anthropic.types import Message, RawMessageStreamEvent
from pydantic import TypeAdapter

from oneapi.relay.fronts.claude import ClaudeStreamEncoder, chat_error_to_claude_error, chat_to_claude_response
from tests.converters.conftest import Ids, load_cases, parse_sse

EVENT = TypeAdapter(RawMessageStreamEvent)


def client(url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url, api_key="sk-test", max_retries=0, timeout=5)


def stream_bytes(case: dict) -> bytes:
    enc = ClaudeStreamEncoder(case["model"], Ids(), case["prompt_estimate"])
    raw = []
    for chunk in case["chunks"]:
        raw += enc.feed(chunk)
    return b"".join(raw + enc.finish(case["finish_usage"]))


@pytest.mark.parametrize("case", load_cases("claude_stream"))
def test_stream_events_validate_strictly(case):
    for name, data in parse_sse(stream_bytes(case)):
        if name != "ping":  # ping is not part of RawMessageStreamEvent; the SDK skips it
            EVENT.validate_python(data)


@pytest.mark.parametrize("case", load_cases("claude_response"))
def test_non_stream_validates_and_parses(case, canned):
    body = chat_to_claude_response(case["input"], case["model"], Ids())
    Message.model_validate(body)
    canned.reply(body)
    msg = client(canned.url).messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert msg.stop_reason == body["stop_reason"]
    assert [b.type for b in msg.content] == [b["type"] for b in body["content"]]


def test_sdk_stream_final_message_with_thinking_and_tools(canned):
    case = {c.id: c.values[0] for c in load_cases("claude_stream")}["thinking_text_parallel_tools"]
    canned.reply(stream_bytes(case), stream=True)
    with client(canned.url).messages.stream(model="m", max_tokens=10,
                                             messages=[{"role": "user", "content": "x"}]) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text", "tool_use", "tool_use"]
    assert final.content[0].thinking == "Let me think." and final.content[0].signature == "sig"
    assert final.content[1].text == "Calling tools."
    assert final.content[2].input == {"city": "Paris"} and final.content[2].name == "get_weather"
    assert final.content[3].input == {} and final.content[3].id == "call_2"
    assert final.stop_reason == "tool_use"
    assert final.usage.input_tokens == 80 and final.usage.output_tokens == 40
    assert final.usage.cache_read_input_tokens == 20


def test_sdk_raw_stream_text(canned):
    case = {c.id: c.values[0] for c in load_cases("claude_stream")}["text_with_usage_chunk"]
    canned.reply(stream_bytes(case), stream=True)
    events = list(client(canned.url).messages.create(model="m", max_tokens=10, stream=True,
                                                      messages=[{"role": "user", "content": "x"}]))
    assert [e.type for e in events][0] == "message_start"
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta")
    assert text == "Hello"


def test_sdk_raises_typed_error(canned):
    canned.reply(chat_error_to_claude_error(429, {"message": "slow down"}), status=429)
    with pytest.raises(anthropic.RateLimitError) as info:
        client(canned.url).messages.create(model="m", max_tokens=1, messages=[{"role": "user", "content": "x"}])
    assert info.value.body["error"]["message"] == "slow down"
