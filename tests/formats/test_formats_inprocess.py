"""Any front against any channel, through the Flask test client and real loopback upstreams
(Anthropic, Gemini, OpenAI chat, OpenAI Responses wire formats): conversions, passthrough,
usage, billing and the log row of every request."""
from __future__ import annotations

import orjson
import pytest

from oneapi.extensions import db
from oneapi.models import Log, User
from oneapi.services import relay_cache
from tests.mocks.anthropic_mock import start_anthropic_mock
from tests.mocks.gemini_mock import start_gemini_mock
from tests.mocks.openai_upstream import start_mock
from tests.mocks.responses_mock import start_responses_mock

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def _fresh_caches():
    relay_cache.reset()
    yield
    relay_cache.reset()


@pytest.fixture(scope="module")
def mocks():
    servers = {"anthropic": start_anthropic_mock(), "gemini": start_gemini_mock(), "openai": start_mock(),
               "responses": start_responses_mock()}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def world(make_user, make_token, make_channel, mocks):
    user = make_user(quota=10_000_000)
    token = make_token(user)
    make_channel(type=14, base_url=mocks["anthropic"].url, models="claude-sonnet-4-5,claude-mapped",
                 model_mapping='{"claude-mapped": "claude-sonnet-4-5"}')
    make_channel(type=24, base_url=mocks["gemini"].url, models="gemini-2.5-flash,text-embedding-004")
    make_channel(type=1, base_url=mocks["openai"].url, models="gpt-4o-mini")
    make_channel(type=50, base_url=mocks["responses"].url, models="gpt-5-resp",
                 config='{"api_format": "response"}')
    return user, {"Authorization": f"Bearer sk-{token.key}"}


def _log(app, rid):
    with app.app_context():
        rows = db.session.execute(db.select(Log).filter_by(request_id=rid)).scalars().all()
        assert len(rows) == 1, rows
        return rows[0]


def _quota_spent(app, user):
    with app.app_context():
        return 10_000_000 - db.session.get(User, user.id).quota


class _Resp:
    def __init__(self, resp):
        self.status_code = resp.status_code
        self.headers = resp.headers
        self.data = b"".join(resp.response)
        resp.close()  # settlement runs when the response is closed

    def get_json(self):
        return orjson.loads(self.data)


def _post(client, path, **kwargs):
    return _Resp(client.post(path, buffered=False, **kwargs))


def _events(data: bytes) -> list[tuple[str | None, dict]]:
    out, name = [], None
    for line in data.split(b"\n"):
        if line.startswith(b"event: "):
            name = line[7:].decode()
        elif line.startswith(b"data: ") and line != b"data: [DONE]":
            out.append((name, orjson.loads(line[6:])))
            name = None
    return out


CLAUDE_BODY = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}


def test_messages_native_passthrough_non_stream(app, client, world, mocks):
    user, headers = world
    resp = _post(client, "/v1/messages", headers={**headers, "anthropic-version": "2023-06-01"}, json=CLAUDE_BODY)
    assert resp.status_code == 200, resp.data
    body = resp.get_json()
    assert body["content"][0]["text"] == "Hello from Claude" and body["id"] == "msg_mock"
    path, up_headers, sent = mocks["anthropic"].last()
    assert sent == CLAUDE_BODY  # raw body passed through
    assert up_headers["x-api-key"] == "sk-upstream" and up_headers["anthropic-version"] == "2023-06-01"
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert (log.prompt_tokens, log.completion_tokens, log.cached_prompt_tokens) == (21, 9, 5)
    meta = orjson.loads(log.metadata_)
    assert log.quota == _quota_spent(app, user) and log.quota > 0
    assert meta["user_api_format"] == meta["upstream_api_format"] == "anthropic_messages"


def test_messages_native_stream_and_model_mapping(app, client, world, mocks):
    _user, headers = world
    resp = _post(client, "/v1/messages", headers={**headers, "x-api-key": headers["Authorization"][7:]},
                       json={**CLAUDE_BODY, "model": "claude-mapped", "stream": True})
    data = resp.data
    names = [n for n, _ in _events(data)]
    assert names[0] == "message_start" and names[-1] == "message_stop" and "ping" in names
    _p, _h, sent = mocks["anthropic"].last()
    assert sent["model"] == "claude-sonnet-4-5"
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert (log.prompt_tokens, log.completion_tokens) == (21, 9) and log.is_stream


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gemini-2.5-flash", "gpt-5-resp"])
def test_messages_converted_stream_event_sequence(app, client, world, model):
    user, headers = world
    resp = _post(client, "/v1/messages", headers=headers, json={**CLAUDE_BODY, "model": model, "stream": True})
    assert resp.status_code == 200
    data = resp.data
    events = _events(data)
    names = [n for n, _ in events]
    assert names[:3] == ["message_start", "ping", "content_block_start"], names
    assert names[-2:] == ["message_delta", "message_stop"]
    assert all(n == d["type"] for n, d in events)
    text = "".join(d["delta"].get("text", "") for n, d in events if n == "content_block_delta")
    assert text.strip()
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert log.quota == _quota_spent(app, user) and log.completion_tokens > 0


@pytest.mark.parametrize("model,expected", [("gpt-4o-mini", "Hello from mock"),
                                            ("gemini-2.5-flash", "Hello from Gemini"),
                                            ("gpt-5-resp", "Hello from Responses")])
def test_messages_converted_non_stream(app, client, world, model, expected):
    _user, headers = world
    resp = _post(client, "/v1/messages", headers=headers, json={**CLAUDE_BODY, "model": model})
    assert resp.status_code == 200, resp.data
    body = resp.get_json()
    assert body["type"] == "message" and body["content"][0]["text"] == expected and body["model"] == model
    assert body["usage"]["input_tokens"] > 0


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "gemini-2.5-flash", "gpt-4o-mini", "gpt-5-resp"])
def test_chat_and_responses_fronts_on_every_channel(app, client, world, model):
    _user, headers = world
    resp = _post(client, "/v1/chat/completions", headers=headers,
                       json={"model": model, "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, resp.data
    assert resp.get_json()["choices"][0]["message"]["content"].startswith("Hello")
    resp = _post(client, "/v1/responses", headers=headers, json={"model": model, "input": "hi"})
    assert resp.status_code == 200, resp.data
    body = resp.get_json()
    assert body["object"] == "response" and body["output"][-1]["content"][0]["text"].startswith("Hello")
    resp = _post(client, "/v1/responses", headers=headers, json={"model": model, "input": "hi", "stream": True})
    data = resp.data
    names = [n for n, _ in _events(data)]
    assert names[0] == "response.created" and names[-1] == "response.completed", names
    for path in ("/v1/chat/completions",):
        resp = _post(client, path, headers=headers, json={"model": model, "stream": True,
                                                        "messages": [{"role": "user", "content": "hi"}]})
        data = resp.data
        assert data.rstrip().endswith(b"data: [DONE]"), data[-200:]
        log = _log(app, resp.headers["X-Oneapi-Request-Id"])
        assert log.completion_tokens > 0


def test_errors_in_anthropic_shape(client, world):
    _user, headers = world
    resp = _post(client, "/v1/messages", headers={"x-api-key": "sk-nope"}, json=CLAUDE_BODY)
    assert resp.status_code == 401
    assert resp.get_json()["type"] == "error" and resp.get_json()["error"]["type"] == "authentication_error"
    resp = _post(client, "/v1/messages", headers=headers, json={"model": "claude-sonnet-4-5", "max_tokens": 5})
    assert resp.status_code == 400 and resp.get_json()["error"]["type"] == "invalid_request_error"
    resp = _post(client, "/v1/messages", headers={**headers, "X-Mock-Scenario": "error", "X-Mock-Status": "429"},
                       json=CLAUDE_BODY)
    assert resp.status_code == 429 and resp.get_json()["error"]["type"] == "rate_limit_error"
    resp = _post(client, "/v1/responses", headers=headers,
                       json={"model": "gpt-4o-mini", "input": "x", "previous_response_id": "resp_1"})
    assert resp.status_code == 400 and "previous_response_id" in resp.get_json()["error"]["message"]


def test_count_tokens_local_and_claude_code_paths(client, world, mocks):
    _user, headers = world
    before = len(mocks["anthropic"].requests)
    for path in ("/v1/messages/count_tokens", "/v1/v1/messages/count_tokens", "/openai/v1/messages/count_tokens"):
        resp = _post(client, path, headers=headers, json=CLAUDE_BODY)
        assert resp.status_code == 200 and resp.get_json()["input_tokens"] > 0
    assert len(mocks["anthropic"].requests) == before
    for path in ("/v1/v1/messages", "/openai/v1/messages", "/api/v1/v1/messages", "/v1/openai/v1/messages"):
        resp = _post(client, path, headers=headers, json=CLAUDE_BODY)
        assert resp.status_code == 200, (path, resp.data)
        assert resp.get_json()["content"][0]["text"] == "Hello from Claude"


BAD_MESSAGES = [
    {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": 5}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "tool_result", "content": 7}]}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "image", "source": "x"}]}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "system": [1, 2], "messages": [{"role": "user", "content": "x"}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "system": [{"type": "text"}], "messages": [{"role": "user", "content": "x"}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "thinking": "yes", "messages": [{"role": "user", "content": "x"}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "tool_choice": 3, "tools": [{"name": "a"}], "messages": [{"role": "user", "content": "x"}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "tools": [1], "messages": [{"role": "user", "content": "x"}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "tools": [{"name": "a", "input_schema": 5}], "messages": [{"role": "user", "content": "x"}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "metadata": "m", "messages": [{"role": "user", "content": "x"}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "stop_sequences": "x", "messages": [{"role": "user", "content": "x"}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "assistant", "content": [{"type": "tool_use", "input": "notadict"}]}]},
    {"model": "gpt-4o-mini", "max_tokens": 5, "messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]},
    {"model": 5, "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
    {"model": "gpt-4o-mini", "messages": []},
    [],
]
BAD_RESPONSES = [
    {"model": "gpt-4o-mini", "input": 5},
    {"model": "gpt-4o-mini", "input": [{"type": "message", "content": 5}]},
    {"model": "gpt-4o-mini", "input": [{"type": "message", "role": "user", "content": [5]}]},
    {"model": "gpt-4o-mini", "input": [{"type": "function_call_output", "output": 5}]},
    {"model": "gpt-4o-mini", "input": "x", "tools": [5]},
    {"model": "gpt-4o-mini", "input": "x", "tools": [{"type": "function"}], "tool_choice": 5},
    {"model": "gpt-4o-mini", "input": "x", "reasoning": "high"},
    {"model": "gpt-4o-mini", "input": "x", "text": "json"},
    {"model": "gpt-4o-mini", "input": "x", "text": {"format": "json"}},
    {"model": "gpt-4o-mini", "input": "x", "instructions": 5},
    {"model": "gpt-4o-mini", "input": "x", "max_output_tokens": "a"},
    {"model": "gpt-4o-mini", "input": [{"type": "reasoning", "summary": 5}]},
]


def test_malformed_bodies_are_clear_4xx_never_5xx(client, world):
    """Bodies real clients should never send, but might: a 4xx in the caller's dialect (or a
    tolerated 200), never a 500."""
    _user, headers = world
    failures = []
    for path, bodies in (("/v1/messages", BAD_MESSAGES), ("/v1/responses", BAD_RESPONSES)):
        for body in bodies:
            for stream in (False, True):
                sent = dict(body, stream=True) if (stream and isinstance(body, dict)) else body
                resp = _post(client, path, headers=headers, data=orjson.dumps(sent),
                             content_type="application/json")
                if resp.status_code >= 500:
                    failures.append((path, body, resp.status_code, resp.data[:300]))
                elif resp.status_code >= 400:
                    err = resp.get_json()
                    shaped = err.get("type") == "error" if path == "/v1/messages" else "error" in err
                    if not shaped or "request id" not in (err["error"]["message"]):
                        failures.append((path, body, resp.status_code, resp.data[:300]))
    assert not failures, "\n".join(map(str, failures))
