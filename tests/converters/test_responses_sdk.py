"""Responses stream encoder fixtures, and the official openai SDK parsing the Responses front output."""
from __future__ import annotations

import openai
import pytest
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import TypeAdapter

from oneapi.relay.fronts.responses import ResponsesStreamEncoder, chat_to_responses_response
from tests.converters.conftest import Ids, load_cases, parse_sse

EVENT = TypeAdapter(ResponseStreamEvent)


def stream_bytes(case: dict) -> bytes:
    enc = ResponsesStreamEncoder(case["request"], case["model"], case["now"], Ids())
    raw = []
    for chunk in case["chunks"]:
        raw += enc.feed(chunk)
    return b"".join(raw + enc.finish(case["finish_usage"]))


def client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key="sk-test", max_retries=0, timeout=5)


def case_named(direction: str, name: str) -> dict:
    return {c.id: c.values[0] for c in load_cases(direction)}[name]


@pytest.mark.parametrize("case", load_cases("responses_stream"))
def test_stream_fixture(case):
    assert parse_sse(stream_bytes(case)) == case["expected"]


@pytest.mark.parametrize("case", load_cases("responses_stream"))
def test_stream_events_validate_strictly(case):
    events = parse_sse(stream_bytes(case))
    for _, data in events:
        EVENT.validate_python(data)
    assert [e[1]["sequence_number"] for e in events] == list(range(len(events)))


@pytest.mark.parametrize("case", load_cases("responses_response"))
def test_non_stream_validates_and_parses(case, canned):
    body = chat_to_responses_response(case["input"], case["request"], case["now"], Ids())
    Response.model_validate(body)
    canned.reply(body)
    resp = client(canned.url).responses.create(model="m", input="x")
    assert resp.status == body["status"]
    assert [o.type for o in resp.output] == [o["type"] for o in body["output"]]


def test_sdk_stream_create(canned):
    canned.reply(stream_bytes(case_named("responses_stream", "reasoning_text_parallel_tools")), stream=True)
    events = list(client(canned.url).responses.create(model="m", input="x", stream=True))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "Hi"
    final = events[-1].response
    assert final.output_text == "Hi"
    calls = [o for o in final.output if o.type == "function_call"]
    assert [(c.call_id, c.name, c.arguments) for c in calls] == [("call_1", "f", '{"a":1}'), ("call_2", "g", "{}")]
    assert final.usage.output_tokens_details.reasoning_tokens == 2


def test_sdk_stream_helper_final_response(canned):
    canned.reply(stream_bytes(case_named("responses_stream", "reasoning_text_parallel_tools")), stream=True)
    with client(canned.url).responses.stream(model="m", input="x") as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.output_text == "Hi"
    assert final.output[0].type == "reasoning" and final.output[0].summary[0].text == "Thinking"


def test_sdk_stream_incomplete(canned):
    canned.reply(stream_bytes(case_named("responses_stream", "text_length_incomplete")), stream=True)
    events = list(client(canned.url).responses.create(model="m", input="x", stream=True))
    assert events[-1].type == "response.incomplete"
    assert events[-1].response.incomplete_details.reason == "max_output_tokens"


def test_error_chunk_fails_the_response():
    enc = ResponsesStreamEncoder({"model": "m"}, "m", 1, Ids())
    events = parse_sse(enc.feed({"error": {"message": "boom", "code": "server_error"}}))
    assert [e[0] for e in events] == ["response.created", "response.in_progress", "response.failed"]
    EVENT.validate_python(events[-1][1])
    assert events[-1][1]["response"]["error"] == {"code": "server_error", "message": "boom"}
    assert enc.finish(None) == []


CUSTOM_REQUEST = {"model": "gpt-5-codex", "input": "x",
                  "tools": [{"type": "custom", "name": "apply_patch"},
                            {"type": "function", "name": "shell", "parameters": {"type": "object", "properties": {}}}]}


def test_custom_tool_call_non_stream(canned):
    resp = {"model": "gpt-5-codex", "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "content": None, "tool_calls": [
            {"id": "call_p", "type": "function", "function": {"name": "apply_patch", "arguments": '{"input": "*** Begin"}'}},
            {"id": "call_s", "type": "function", "function": {"name": "shell", "arguments": '{"command": ["ls"]}'}}]}}]}
    body = chat_to_responses_response(resp, CUSTOM_REQUEST, 1, Ids())
    Response.model_validate(body)
    assert body["output"] == [
        {"id": "ctc_2", "type": "custom_tool_call", "status": "completed", "call_id": "call_p", "name": "apply_patch",
         "input": "*** Begin"},
        {"id": "fc_3", "type": "function_call", "status": "completed", "call_id": "call_s", "name": "shell",
         "arguments": '{"command": ["ls"]}'}]
    canned.reply(body)
    out = client(canned.url).responses.create(model="m", input="x")
    assert out.output[0].type == "custom_tool_call" and out.output[0].input == "*** Begin"


def test_custom_tool_call_stream(canned):
    enc = ResponsesStreamEncoder(CUSTOM_REQUEST, "gpt-5-codex", 1, Ids())
    raw = []
    for args in ('{"input": "*** Be', 'gin\\n"}'):
        raw += enc.feed({"choices": [{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "id": "call_p", "function": {"name": "apply_patch", "arguments": args}}]}}]})
    raw += enc.feed({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    raw += enc.finish({"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7})
    events = parse_sse(raw)
    for _, data in events:
        EVENT.validate_python(data)
    names = [e[0] for e in events]
    assert names == ["response.created", "response.in_progress", "response.output_item.added",
                     "response.custom_tool_call_input.delta", "response.custom_tool_call_input.done",
                     "response.output_item.done", "response.completed"]
    assert events[4][1]["input"] == "*** Begin\n"
    canned.reply(b"".join(raw), stream=True)
    with client(canned.url).responses.stream(model="m", input="x") as stream:
        final = stream.get_final_response()
    assert final.output[0].type == "custom_tool_call" and final.output[0].input == "*** Begin\n"
