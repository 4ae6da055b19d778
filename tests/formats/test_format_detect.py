"""API-format auto-detection (reference relay §2.16): a body posted to the wrong chat endpoint
is served by the right front (transparent) or answered 302 (redirect); the probe is conservative."""
from __future__ import annotations

import dataclasses

import orjson
import pytest

from oneapi.relay import format_detect
from oneapi.relay.format_detect import FORMAT_CLAUDE, FORMAT_RESPONSES, detect, detect_raw
from tests.formats.test_formats_inprocess import _fresh_caches, _log, _post, mocks, world  # noqa: F401

pytestmark = pytest.mark.timeout(60)

MSG = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("body,expected", [
    ({"model": "m", "input": "hi"}, FORMAT_RESPONSES),
    ({"model": "m", "max_output_tokens": 5}, FORMAT_RESPONSES),
    ({"model": "m", "instructions": "be brief"}, FORMAT_RESPONSES),
    ({"model": "m", "previous_response_id": "resp_1"}, FORMAT_RESPONSES),
    ({"model": "m", "conversation": "conv_1"}, FORMAT_RESPONSES),
    ({"model": "m", "conversation": None}, None),
    ({"model": "m", "prompt": {"id": "pmpt_1"}}, FORMAT_RESPONSES),
    ({"model": "m", "prompt": "legacy completion prompt"}, None),
    ({"model": "m", "messages": MSG, "input": "x", "instructions": "y"}, None),  # messages present: not Responses
    ({"model": "m", "messages": MSG}, None),  # plain messages are ambiguous
    ({"model": "m", "max_tokens": 5, "system": "s", "messages": MSG}, None),
    ({"model": "m", "messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f",
                                                                    "input": {}}]}]}, FORMAT_CLAUDE),
    ({"model": "m", "messages": [{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
                                                               "content": "ok"}]}]}, FORMAT_CLAUDE),
    ({"model": "m", "messages": [{"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm",
                                                                    "signature": "s"}]}]}, FORMAT_CLAUDE),
    ({"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "tool_use thinking"}]}]},
     None),
    ({"model": "m", "messages": MSG, "tools": [{"name": "f", "input_schema": {"type": "object"}}]}, FORMAT_CLAUDE),
    ({"model": "m", "messages": MSG, "tools": [{"type": "function", "function": {"name": "f",
                                                                              "input_schema": {}}}]}, FORMAT_CLAUDE),
    ({"model": "m", "messages": MSG, "tools": [{"type": "function", "function": {"name": "f",
                                                                              "parameters": {}}}]}, None),
    ({"model": "m", "messages": MSG, "tools": [{"input_schema": {}}]}, None),  # name required
    ({}, None),
    ([1, 2], None),
])
def test_probe_rules(body, expected):
    assert detect(body) == expected
    assert detect_raw(orjson.dumps(body)) == expected


def test_probe_raw_edge_cases():
    assert detect_raw(b"") is None and detect_raw(b"{not json") is None and detect_raw(b'"input"') is None
    # the text of a message never counts: the escaped quotes are not a key
    assert detect_raw(orjson.dumps({"model": "m", "messages": [{"role": "user", "content": 'say "input"'}]})) is None


RESPONSES_BODY = {"model": "gpt-4o-mini", "input": "hi", "max_output_tokens": 50}
CLAUDE_TOOL_BODY = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [
    {"role": "user", "content": "weather?"},
    {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"c": "x"}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}]}],
    "tools": [{"name": "weather", "input_schema": {"type": "object", "properties": {"c": {"type": "string"}}}}]}


def test_responses_body_on_chat_path_is_served_as_responses(app, client, world):
    _user, headers = world
    resp = _post(client, "/v1/chat/completions", headers=headers, json=RESPONSES_BODY)
    assert resp.status_code == 200, resp.data
    body = resp.get_json()
    assert body["object"] == "response" and body["output"][-1]["content"][0]["text"].startswith("Hello")
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert log.quota > 0 and orjson.loads(log.metadata_)["user_api_format"] == "openai_responses"


def test_claude_body_on_chat_path_goes_natively_to_anthropic(app, client, world, mocks):
    _user, headers = world
    resp = _post(client, "/v1/chat/completions", headers={**headers, "anthropic-version": "2023-06-01"},
                 json=CLAUDE_TOOL_BODY)
    assert resp.status_code == 200, resp.data
    body = resp.get_json()
    assert body["type"] == "message" and body["content"][0]["text"] == "Hello from Claude"
    path, _h, sent = mocks["anthropic"].last()
    assert path.startswith("/v1/messages") and sent == CLAUDE_TOOL_BODY  # native passthrough
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert orjson.loads(log.metadata_)["user_api_format"] == "anthropic_messages"


def test_claude_body_on_responses_path_and_responses_body_on_messages_path(client, world):
    _user, headers = world
    resp = _post(client, "/v1/responses", headers=headers, json=CLAUDE_TOOL_BODY)
    assert resp.status_code == 200, resp.data
    assert resp.get_json()["type"] == "message"
    resp = _post(client, "/v1/messages", headers=headers, json=RESPONSES_BODY)
    assert resp.status_code == 200, resp.data
    assert resp.get_json()["object"] == "response"
    resp = _post(client, "/v1/openai/v1/messages", headers=headers, json=RESPONSES_BODY)  # Claude Code alias
    assert resp.status_code == 200 and resp.get_json()["object"] == "response"


def test_plain_bodies_are_left_alone(client, world):
    _user, headers = world
    resp = _post(client, "/v1/chat/completions", headers=headers, json={"model": "gpt-4o-mini", "messages": MSG})
    assert resp.status_code == 200 and resp.get_json()["object"] == "chat.completion"
    resp = _post(client, "/v1/messages", headers=headers,
                 json={"model": "gpt-4o-mini", "max_tokens": 20, "messages": MSG})
    assert resp.status_code == 200 and resp.get_json()["type"] == "message"


def test_rerouted_errors_use_the_target_dialect(client, world):
    _user, headers = world
    bad = {**CLAUDE_TOOL_BODY, "max_tokens": -1}
    resp = _post(client, "/v1/chat/completions", headers=headers, json=bad)
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    resp = _post(client, "/v1/chat/completions", headers={"Authorization": "Bearer sk-nope"}, json=CLAUDE_TOOL_BODY)
    assert resp.status_code == 401 and resp.get_json()["error"]["type"] == "authentication_error"
    resp = _post(client, "/v1/messages", headers=headers,
                 json={"model": "gpt-4o-mini", "input": "x", "previous_response_id": "resp_1"})
    assert resp.status_code == 400
    body = resp.get_json()
    assert "type" not in body and "previous_response_id" in body["error"]["message"]  # OpenAI body


@pytest.fixture
def detect_settings(app):
    original = app.config["SETTINGS"]

    def use(**changes):
        app.config["SETTINGS"] = dataclasses.replace(original, **changes)

    yield use
    app.config["SETTINGS"] = original


def test_redirect_action_answers_302_with_the_query(client, world, mocks, detect_settings):
    _user, headers = world
    detect_settings(auto_detect_api_format_action="redirect")
    before = len(mocks["anthropic"].requests)
    resp = _post(client, "/v1/chat/completions?trace=1&x=a%20b", headers=headers, json=CLAUDE_TOOL_BODY)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/v1/messages?trace=1&x=a%20b")
    resp = _post(client, "/v1/messages", headers=headers, json=RESPONSES_BODY)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/v1/responses")
    resp = _post(client, "/v1/responses", headers=headers, json=CLAUDE_TOOL_BODY)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/v1/messages")
    assert len(mocks["anthropic"].requests) == before  # nothing went upstream
    resp = _post(client, "/v1/chat/completions", headers=headers, json={"model": "gpt-4o-mini", "messages": MSG})
    assert resp.status_code == 200  # unknown format: served where it was posted


def test_detection_disabled(client, world, detect_settings):
    _user, headers = world
    detect_settings(auto_detect_api_format=False)
    resp = _post(client, "/v1/chat/completions", headers=headers, json=RESPONSES_BODY)
    assert resp.status_code == 400 and "error" in resp.get_json()
    assert format_detect.TARGET_PATHS[FORMAT_RESPONSES] == "/v1/responses"
