"""Any front against any upstream: recorded upstream streams decoded to hub chunks, re-encoded by
each front codec, and parsed by the official SDKs over real HTTP on 127.0.0.1."""
from __future__ import annotations

import anthropic
import openai
import pytest

from oneapi.providers.anthropic.convert import anthropic_to_chat_response
from oneapi.providers.anthropic.stream import AnthropicStreamDecoder
from oneapi.providers.gemini.stream import GeminiStreamDecoder
from oneapi.providers.responses_api.stream import ResponsesStreamDecoder
from oneapi.relay.fronts.claude import ClaudeStreamEncoder, chat_to_claude_response
from oneapi.relay.fronts.responses import ResponsesStreamEncoder, chat_to_responses_response
from tests.converters.conftest import Ids, load_cases


def case(direction: str, name: str) -> dict:
    return {c.id: c.values[0] for c in load_cases(direction)}[name]


def hub_chunks(upstream: str) -> tuple[list[dict], dict | None]:
    if upstream == "anthropic":
        rec, dec = case("anthropic_stream", "thinking_text_parallel_tools"), AnthropicStreamDecoder(1)
        chunks = [c for event, data in rec["events"] for c in dec.feed(event, data)]
    elif upstream == "gemini":
        rec, dec = case("gemini_stream", "thought_text_tool_usage"), GeminiStreamDecoder("g", 1, Ids())
        chunks = [c for data in rec["chunks"] for c in dec.feed(data)]
    else:
        rec, dec = case("upstream_responses_stream", "reasoning_text_two_calls"), ResponsesStreamDecoder(1)
        chunks = [c for event, data in rec["events"] for c in dec.feed(event, data)]
    return chunks, dec.usage()


EXPECTED_TOOLS = {"anthropic": ["get_weather", "get_time"], "gemini": ["f"], "responses": ["f", "g"]}


@pytest.mark.parametrize("upstream", ["anthropic", "gemini", "responses"])
def test_claude_client(upstream, canned):
    chunks, usage = hub_chunks(upstream)
    enc = ClaudeStreamEncoder("claude-x", Ids(), 1)
    raw = [b for chunk in chunks for b in enc.feed(chunk)] + enc.finish(usage)
    canned.reply(b"".join(raw), stream=True)
    client = anthropic.Anthropic(base_url=canned.url, api_key="k", max_retries=0, timeout=5)
    with client.messages.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]) as stream:
        final = stream.get_final_message()
    assert [b.name for b in final.content if b.type == "tool_use"] == EXPECTED_TOOLS[upstream]
    assert final.content[0].type == "thinking" and final.stop_reason == "tool_use"
    assert final.usage.output_tokens == usage["completion_tokens"]


@pytest.mark.parametrize("upstream", ["anthropic", "gemini", "responses"])
def test_responses_client(upstream, canned):
    chunks, usage = hub_chunks(upstream)
    enc = ResponsesStreamEncoder({"model": "m"}, "m", 1, Ids())
    raw = [b for chunk in chunks for b in enc.feed(chunk)] + enc.finish(usage)
    canned.reply(b"".join(raw), stream=True)
    client = openai.OpenAI(base_url=canned.url + "/v1", api_key="k", max_retries=0, timeout=5)
    with client.responses.stream(model="m", input="x") as stream:
        final = stream.get_final_response()
    assert [o.name for o in final.output if o.type == "function_call"] == EXPECTED_TOOLS[upstream]
    assert final.output[0].type == "reasoning" and final.usage.output_tokens == usage["completion_tokens"]


def test_anthropic_non_stream_to_both_fronts(canned):
    body = case("anthropic_response", "thinking_text_tools_cache")["input"]
    hub = anthropic_to_chat_response(body, 1)
    claude = chat_to_claude_response(hub, "claude-x", Ids())
    assert claude["usage"] == body["usage"], "Anthropic usage survives the hub round trip"
    assert claude["content"][0] == body["content"][0] and claude["content"][2]["input"] == {"city": "Paris"}
    canned.reply(chat_to_responses_response(hub, {"model": "m"}, 1, Ids()))
    out = openai.OpenAI(base_url=canned.url + "/v1", api_key="k", max_retries=0, timeout=5).responses.create(
        model="m", input="x")
    assert [o.type for o in out.output] == ["reasoning", "message", "function_call"]
    assert out.usage.input_tokens == 1600 and out.usage.input_tokens_details.cached_tokens == 1000
