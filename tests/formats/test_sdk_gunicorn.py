"""The official anthropic and openai SDKs against the app under gunicorn + gevent workers, with
Anthropic, Gemini, OpenAI-chat and Response API loopback upstreams. For every request: the
user's quota decrease equals the logged quota, exactly one log row, and the log metadata names
the caller's format and the upstream's."""
from __future__ import annotations

import json
import socket

import anthropic
import openai
import pytest

from oneapi.models import User
from tests.mocks.anthropic_mock import start_anthropic_mock
from tests.mocks.gateway import Gateway
from tests.mocks.gemini_mock import start_gemini_mock
from tests.mocks.openai_upstream import start_mock
from tests.mocks.responses_mock import start_responses_mock
from tests.mocks.scripted_chat import start_scripted_chat

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

QUOTA = 50_000_000
WEATHER_TOOL = {"name": "get_weather", "description": "Weather of a city",
                "input_schema": {"type": "object", "properties": {"city": {"type": "string"}},
                                 "required": ["city"]}}


@pytest.fixture(scope="module")
def mocks():
    servers = {"anthropic": start_anthropic_mock(), "gemini": start_gemini_mock(), "openai": start_mock(),
               "responses": start_responses_mock(), "scripted": start_scripted_chat()}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, mocks):
    gw = Gateway(tmp_path_factory.mktemp("gwfmt")).start()
    gw.add_channel(mocks["anthropic"].url, models="claude-sonnet-4-5", type_=14)
    gw.add_channel(mocks["anthropic"].url, models="claude-err", type_=52)  # suspended by the 429 test
    gw.add_channel(mocks["gemini"].url, models="gemini-2.5-flash", type_=24)
    gw.add_channel(mocks["openai"].url, models="gpt-4o-mini", type_=1)
    gw.add_channel(mocks["responses"].url, models="gpt-5-resp", type_=50, config='{"api_format": "response"}')
    gw.add_channel(mocks["scripted"].url, models="agent-model", type_=8)
    yield gw
    gw.stop()


@pytest.fixture
def account(gateway):
    user_id = gateway.add_user(quota=QUOTA)
    return user_id, "sk-" + gateway.add_token(user_id)


def _claude(gateway, key, **kw) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.url, api_key=key, max_retries=0, timeout=30, **kw)


def _openai(gateway, key) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0, timeout=30)


def _check_billing(gateway, user_id: int, request_ids: list[str], user_format: str,
                   upstream_format: str) -> list:
    """One log row per request, quota decrease == sum of logged quota, formats in metadata."""
    rows = []
    for rid in request_ids:
        found = gateway.wait_for(lambda: gateway.logs(request_id=rid), timeout=10)
        assert len(found) == 1, (rid, found)
        row = found[0]
        meta = json.loads(row["metadata"])
        assert meta["user_api_format"] == user_format and meta["upstream_api_format"] == upstream_format, meta
        assert row["quota"] > 0
        rows.append(row)
    spent = QUOTA - gateway.row(User, user_id)["quota"]
    assert spent == sum(r["quota"] for r in rows)
    return rows


# ---------------------------------------------------------------------------- anthropic SDK

@pytest.mark.parametrize("model,upstream", [("claude-sonnet-4-5", "anthropic_messages"),
                                            ("gemini-2.5-flash", "gemini"),
                                            ("gpt-4o-mini", "openai_chat"),
                                            ("gpt-5-resp", "openai_responses")])
def test_anthropic_sdk_create_and_stream(gateway, account, model, upstream):
    user_id, key = account
    client = _claude(gateway, key)
    raw = client.messages.with_raw_response.create(model=model, max_tokens=64,
                                                   messages=[{"role": "user", "content": "hi"}])
    msg = raw.parse()
    assert msg.content[0].type == "text" and msg.content[0].text.startswith("Hello")
    assert msg.stop_reason == "end_turn" and msg.usage.output_tokens > 0
    ids = [raw.headers["X-Oneapi-Request-Id"]]
    with client.messages.stream(model=model, max_tokens=64, system="Be brief.",
                                messages=[{"role": "user", "content": "hi"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
        ids.append(stream.response.headers["X-Oneapi-Request-Id"])
    assert text.strip() and final.content[0].text == text
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0
    rows = _check_billing(gateway, user_id, ids, "anthropic_messages", upstream)
    assert rows[1]["is_stream"]
    if upstream == "anthropic_messages":  # cache read / write observed on the passthrough path
        assert rows[0]["prompt_tokens"] == 21 and rows[0]["cached_prompt_tokens"] == 5
        assert final.usage.cache_read_input_tokens == 5


def test_anthropic_sdk_tool_use_round_trip_via_openai_channel(gateway, account, mocks):
    user_id, key = account
    client = _claude(gateway, key)
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    ids = []
    with client.messages.stream(model="agent-model", max_tokens=200, tools=[WEATHER_TOOL],
                                messages=messages) as stream:
        first = stream.get_final_message()
        ids.append(stream.response.headers["X-Oneapi-Request-Id"])
    assert first.stop_reason == "tool_use"
    call = next(b for b in first.content if b.type == "tool_use")
    assert call.name == "get_weather" and call.input == {"city": "Paris"}
    messages += [{"role": "assistant", "content": first.content},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id,
                                               "content": "sunny, 21C"}]}]
    raw = client.messages.with_raw_response.create(model="agent-model", max_tokens=200, tools=[WEATHER_TOOL],
                                                   messages=messages)
    second = raw.parse()
    ids.append(raw.headers["X-Oneapi-Request-Id"])
    assert second.stop_reason == "end_turn" and second.content[0].text == "Tool said: sunny, 21C"
    sent = mocks["scripted"].chat_bodies()[-1]
    assert sent["messages"][-2]["tool_calls"][0]["id"] == call.id
    assert sent["messages"][-1] == {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21C"}
    _check_billing(gateway, user_id, ids, "anthropic_messages", "openai_chat")


def test_anthropic_sdk_typed_errors(gateway, account):
    _user_id, key = account
    with pytest.raises(anthropic.AuthenticationError):
        _claude(gateway, "sk-wrong").messages.create(model="claude-sonnet-4-5", max_tokens=5,
                                                     messages=[{"role": "user", "content": "x"}])
    with pytest.raises(anthropic.RateLimitError):
        _claude(gateway, key, default_headers={"X-Mock-Scenario": "error", "X-Mock-Status": "429"}).messages.create(
            model="claude-err", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    with pytest.raises(anthropic.BadRequestError) as info:
        _claude(gateway, key).messages.create(model="claude-sonnet-4-5", max_tokens=5, messages=[])
    assert info.value.body["error"]["type"] == "invalid_request_error"
    with pytest.raises(anthropic.InternalServerError):  # upstream 500 on a stream request: refunded
        _claude(gateway, key, default_headers={"X-Mock-Scenario": "error", "X-Mock-Status": "500"}).messages.create(
            model="claude-err", max_tokens=5, stream=True, messages=[{"role": "user", "content": "x"}])
    count = _claude(gateway, key).messages.count_tokens(model="gpt-4o-mini",
                                                         messages=[{"role": "user", "content": "hello there"}])
    assert count.input_tokens > 0
    # failures and local token counts cost nothing: the reservations were given back
    assert gateway.row(User, _user_id)["quota"] == QUOTA and not gateway.logs(user_id=_user_id)


# ---------------------------------------------------------------------------- openai SDK

@pytest.mark.parametrize("model,upstream", [("gpt-4o-mini", "openai_chat"),
                                            ("gpt-5-resp", "openai_responses"),
                                            ("claude-sonnet-4-5", "anthropic_messages"),
                                            ("gemini-2.5-flash", "gemini")])
def test_openai_sdk_responses_create_and_stream(gateway, account, model, upstream):
    user_id, key = account
    client = _openai(gateway, key)
    raw = client.responses.with_raw_response.create(model=model, input="hi", instructions="Be brief.")
    resp = raw.parse()
    assert resp.output_text.startswith("Hello") and resp.usage.output_tokens > 0
    assert resp.model == model
    ids = [raw.headers["X-Oneapi-Request-Id"]]
    with client.responses.stream(model=model, input="hi") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
        ids.append(stream._response.headers["X-Oneapi-Request-Id"])
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert "response.output_text.delta" in kinds and final.output_text.strip()
    assert final.usage.total_tokens > 0
    _check_billing(gateway, user_id, ids, "openai_responses", upstream)


def test_openai_sdk_responses_function_call_through_chat_channel(gateway, account):
    user_id, key = account
    client = _openai(gateway, key)
    tools = [{"type": "function", "name": "get_weather", "description": "Weather",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    raw = client.responses.with_raw_response.create(model="agent-model", input="Weather in Paris?", tools=tools)
    resp = raw.parse()
    call = next(item for item in resp.output if item.type == "function_call")
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
    ids = [raw.headers["X-Oneapi-Request-Id"]]
    with client.responses.stream(model="agent-model", tools=tools, input=[
            {"role": "user", "content": "Weather in Paris?"},
            {"type": "function_call", "call_id": call.call_id, "name": "get_weather", "arguments": call.arguments},
            {"type": "function_call_output", "call_id": call.call_id, "output": "rainy"}]) as stream:
        final = stream.get_final_response()
        ids.append(stream._response.headers["X-Oneapi-Request-Id"])
    assert final.output_text.strip() == "Tool said: rainy"
    _check_billing(gateway, user_id, ids, "openai_responses", "openai_chat")
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model="agent-model", input="x", previous_response_id="resp_123")


def test_openai_sdk_chat_on_native_channels(gateway, account):
    user_id, key = account
    client = _openai(gateway, key)
    ids = []
    for model, upstream in (("claude-sonnet-4-5", "anthropic_messages"), ("gemini-2.5-flash", "gemini")):
        stream = client.chat.completions.create(model=model, stream=True,
                                                messages=[{"role": "user", "content": "hi"}])
        text = "".join((c.choices[0].delta.content or "") for c in stream if c.choices)
        assert text.replace(" ", "").startswith("Hello")
        ids.append((stream.response.headers["X-Oneapi-Request-Id"], upstream))
    for rid, upstream in ids:
        row = gateway.wait_for(lambda: gateway.logs(request_id=rid))[0]
        assert json.loads(row["metadata"])["upstream_api_format"] == upstream and row["completion_tokens"] > 0
    spent = QUOTA - gateway.row(User, user_id)["quota"]
    assert spent == sum(gateway.logs(request_id=rid)[0]["quota"] for rid, _ in ids)


# ---------------------------------------------------------------------------- disconnect / cut

def _raw_post(gateway, path: str, key: str, body: dict, headers: dict | None = None) -> socket.socket:
    data = json.dumps(body).encode()
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=10)
    sock.sendall((f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-api-key: {key}\r\n"
                  f"{extra}Content-Length: {len(data)}\r\n\r\n").encode() + data)
    return sock


def test_client_disconnect_mid_stream_bills_what_was_delivered(gateway, account):
    user_id, key = account
    sock = _raw_post(gateway, "/v1/messages", key, {"model": "claude-sonnet-4-5", "max_tokens": 50, "stream": True,
                                                    "messages": [{"role": "user", "content": "hi"}]},
                     {"X-Mock-Scenario": "slow"})
    got = b""
    while b"text_delta" not in got:
        got += sock.recv(65536)
    rid = got.split(b"X-Oneapi-Request-Id: ")[1].split(b"\r\n")[0].decode()
    sock.close()
    rows = gateway.wait_for(lambda: gateway.logs(request_id=rid), timeout=20)
    assert len(rows) == 1
    meta = json.loads(rows[0]["metadata"])
    assert meta["stream_end"] == "client_gone" and meta["user_api_format"] == "anthropic_messages"
    assert QUOTA - gateway.row(User, user_id)["quota"] == rows[0]["quota"]


def test_upstream_cut_converted_stream_ends_with_error_event_and_bills(gateway, account):
    user_id, key = account
    client = _openai(gateway, key)
    raw = client.chat.completions.with_raw_response.create(model="claude-sonnet-4-5", stream=True,
                                                            messages=[{"role": "user", "content": "hi"}],
                                                            extra_headers={"X-Mock-Scenario": "cut"})
    rid = raw.headers["X-Oneapi-Request-Id"]
    body = raw.http_response.read()
    assert b"stream_interrupted" in body
    rows = gateway.wait_for(lambda: gateway.logs(request_id=rid), timeout=20)
    assert len(rows) == 1 and json.loads(rows[0]["metadata"])["stream_end"] == "upstream_cut"
    assert QUOTA - gateway.row(User, user_id)["quota"] == rows[0]["quota"]
