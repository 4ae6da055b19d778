"""Cohere (type 35): v1 chat (JSON and stream+json events) and v2 rerank on a loopback server."""
from __future__ import annotations

import orjson

from tests.mocks.vendor_mock import Reply, json_reply


def test_cohere_chat_request_and_response(make_channel, vendor, gateway):
    make_channel(type=35, base_url=vendor.url, key="co-key", models="command-r,command-r-internet")
    vendor.handler = lambda req: json_reply({
        "response_id": "r1", "text": "Bonjour", "generation_id": "g1", "finish_reason": "COMPLETE",
        "meta": {"billed_units": {"input_tokens": 15, "output_tokens": 2},
                 "tokens": {"input_tokens": 80, "output_tokens": 2}}})
    resp, data = gateway.chat({"model": "command-r-internet", "top_p": 0.5, "max_tokens": 10, "stop": "END",
                               "messages": [{"role": "system", "content": "You translate."},
                                            {"role": "user", "content": "hello"},
                                            {"role": "assistant", "content": "?"},
                                            {"role": "user", "content": "in French"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/v1/chat" and seen.headers["Authorization"] == "Bearer co-key"
    assert seen.json() == {"model": "command-r", "message": "in French", "preamble": "You translate.",
                           "chat_history": [{"role": "USER", "message": "hello"},
                                            {"role": "CHATBOT", "message": "?"}],
                           "connectors": [{"id": "web-search"}], "p": 0.5, "stop_sequences": ["END"],
                           "max_tokens": 10}
    body = orjson.loads(data)
    assert body["choices"][0]["message"]["content"] == "Bonjour"
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"] == {"prompt_tokens": 80, "completion_tokens": 2, "total_tokens": 82}
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (80, 2)


def test_cohere_stream_events(make_channel, vendor, gateway):
    make_channel(type=35, base_url=vendor.url, key="k", models="command-r")
    events = [{"is_finished": False, "event_type": "stream-start", "generation_id": "g9"},
              {"is_finished": False, "event_type": "text-generation", "text": "Hi"},
              {"is_finished": False, "event_type": "text-generation", "text": " there"},
              {"is_finished": True, "event_type": "stream-end", "finish_reason": "MAX_TOKENS",
               "response": {"text": "Hi there", "meta": {"tokens": {"input_tokens": 7, "output_tokens": 2}}}}]
    vendor.handler = lambda req: Reply(chunks=[orjson.dumps(e) + b"\n" for e in events],
                                       content_type="application/stream+json")
    resp, data = gateway.chat({"model": "command-r", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200
    assert vendor.requests[-1].json()["stream"] is True
    out = gateway.events(data)
    assert out[-1] == b"[DONE]"
    chunks = out[:-1]
    assert all(c["id"] == "chatcmpl-g9" for c in chunks)
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"]) == "Hi there"
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]] \
        == ["length"]
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens, log.is_stream) == (7, 2, True)


def test_cohere_rerank_and_error(make_channel, vendor, gateway):
    make_channel(type=35, base_url=vendor.url, key="k", models="rerank-v3.5,command-r")

    def handler(req):
        if req.path == "/v2/rerank":
            return json_reply({"id": "x", "results": [{"index": 1, "relevance_score": 0.9},
                                                      {"index": 0, "relevance_score": 0.1}],
                               "meta": {"billed_units": {"search_units": 1}}})
        return json_reply({"message": "invalid api token"}, 401)

    vendor.handler = handler
    resp, data = gateway.post("/v1/rerank", {"model": "rerank-v3.5", "query": "q", "documents": ["a", "b"],
                                             "top_n": 2})
    assert resp.status_code == 200, data
    assert orjson.loads(data)["results"][0] == {"index": 1, "relevance_score": 0.9}
    assert vendor.requests[-1].json() == {"model": "rerank-v3.5", "query": "q", "documents": ["a", "b"], "top_n": 2}
    assert gateway.log(resp).quota == 1000
    resp, data = gateway.chat({"model": "command-r", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401
    assert "invalid api token" in orjson.loads(data)["error"]["message"]


TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                           "parameters": {"type": "object", "required": ["city"],
                                                          "properties": {"city": {"type": "string", "description": "City"},
                                                                         "days": {"type": "integer"}}}}}]


def test_cohere_tool_call_round_trip(make_channel, vendor, gateway):
    make_channel(type=35, base_url=vendor.url, key="k", models="command-r")
    replies = iter([
        json_reply({"response_id": "r1", "text": "", "finish_reason": "COMPLETE",
                    "tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris"}}],
                    "meta": {"tokens": {"input_tokens": 30, "output_tokens": 8}}}),
        json_reply({"response_id": "r2", "text": "It is sunny.", "finish_reason": "COMPLETE",
                    "meta": {"tokens": {"input_tokens": 50, "output_tokens": 4}}})])
    vendor.handler = lambda req: next(replies)
    user = {"role": "user", "content": "Weather in Paris?"}
    resp, data = gateway.chat({"model": "command-r", "tools": TOOLS, "messages": [user]})
    assert resp.status_code == 200, data
    sent = vendor.requests[-1].json()
    assert sent["tools"] == [{"name": "get_weather", "description": "Weather of a city", "parameter_definitions": {
        "city": {"description": "City", "type": "str", "required": True},
        "days": {"description": "", "type": "int", "required": False}}}]
    choice = orjson.loads(data)["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = choice["message"]["tool_calls"][0]
    assert call["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}
    resp, data = gateway.chat({"model": "command-r", "tools": TOOLS, "messages": [
        user, {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": '{"forecast": "sunny"}'}]})
    assert resp.status_code == 200, data
    sent = vendor.requests[-1].json()
    assert sent["message"] == ""
    assert sent["chat_history"] == [{"role": "USER", "message": "Weather in Paris?"},
                                    {"role": "CHATBOT", "message": "",
                                     "tool_calls": [{"name": "get_weather", "parameters": {"city": "Paris"}}]}]
    assert sent["tool_results"] == [{"call": {"name": "get_weather", "parameters": {"city": "Paris"}},
                                     "outputs": [{"forecast": "sunny"}]}]
    assert orjson.loads(data)["choices"][0]["message"]["content"] == "It is sunny."


def test_cohere_stream_tool_calls_event(make_channel, vendor, gateway):
    make_channel(type=35, base_url=vendor.url, key="k", models="command-r")
    events = [{"is_finished": False, "event_type": "stream-start", "generation_id": "g1"},
              {"is_finished": False, "event_type": "tool-calls-generation",
               "tool_calls": [{"name": "get_weather", "parameters": {"city": "Rome"}}]},
              {"is_finished": True, "event_type": "stream-end", "finish_reason": "COMPLETE",
               "response": {"meta": {"tokens": {"input_tokens": 9, "output_tokens": 6}}}}]
    vendor.handler = lambda req: Reply(chunks=[orjson.dumps(e) + b"\n" for e in events],
                                       content_type="application/stream+json")
    resp, data = gateway.chat({"model": "command-r", "stream": True, "tools": TOOLS,
                               "messages": [{"role": "user", "content": "x"}]})
    chunks = gateway.events(data)[:-1]
    calls = [c["choices"][0]["delta"]["tool_calls"] for c in chunks if c["choices"] and
             c["choices"][0]["delta"].get("tool_calls")]
    assert calls[0][0]["index"] == 0 and calls[0][0]["function"]["arguments"] == '{"city":"Rome"}'
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]] \
        == ["tool_calls"]
