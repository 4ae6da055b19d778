"""End-to-end under real gunicorn + gevent workers: the official openai SDK as the client,
streams, keep-alives, 10 MB lines, client disconnects, upstream cuts and 200 concurrent
requests on one key with exact accounting."""
from __future__ import annotations

import concurrent.futures
import json
import socket
import time

import openai
import pytest
import requests

from oneapi.models import Channel, Token, User
from tests.mocks.gateway import Gateway
from tests.mocks.openai_upstream import start_mock

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def upstream():
    server = start_mock()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, upstream):
    gw = Gateway(tmp_path_factory.mktemp("gw")).start()
    gw.channel_id = gw.add_channel(upstream.url, models="gpt-3.5-turbo,gpt-4o-mini,text-embedding-3-small,"
                                                          "gpt-3.5-turbo-instruct")
    yield gw
    gw.stop()


@pytest.fixture
def account(gateway):
    user_id = gateway.add_user(quota=50_000_000)
    key = gateway.add_token(user_id)
    return user_id, key


def _client(gateway, key) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.url + "/v1", api_key=f"sk-{key}", max_retries=0, timeout=60)


def _sse_events(body: bytes) -> list[bytes]:
    return [line[6:] for line in body.split(b"\n") if line.startswith(b"data: ")]


def test_sdk_chat_stream_and_not_tools_completions_embeddings(gateway, account):
    user_id, key = account
    client = _client(gateway, key)
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-3.5-turbo", messages=[{"role": "user", "content": "hi"}])
    completion = raw.parse()
    request_id = raw.headers["X-Oneapi-Request-Id"]
    assert completion.choices[0].message.content == "Hello from mock"
    assert completion.usage.prompt_tokens == 11

    stream = client.chat.completions.create(model="gpt-3.5-turbo", stream=True,
                                            messages=[{"role": "user", "content": "hi"}])
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "tok0 tok1 tok2 "

    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    tool_resp = client.chat.completions.create(model="gpt-4o-mini", tools=tools, extra_body={"mock": {"scenario": "tools"}},
                                               messages=[{"role": "user", "content": "weather?"}])
    call = tool_resp.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}
    stream = client.chat.completions.create(model="gpt-4o-mini", tools=tools, stream=True,
                                            extra_body={"mock": {"scenario": "tools"}},
                                            messages=[{"role": "user", "content": "weather?"}])
    args = "".join(tc.function.arguments or "" for c in stream if c.choices
                   for tc in (c.choices[0].delta.tool_calls or []))
    assert json.loads(args) == {"city": "Paris"}

    legacy = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hello")
    assert legacy.choices[0].text == " world"
    legacy_stream = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="hello", stream=True)
    assert "".join(c.choices[0].text for c in legacy_stream if c.choices) == " hello world"
    emb = client.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert len(emb.data) == 2 and emb.usage.prompt_tokens == 10

    logs = gateway.wait_for(lambda: len(gateway.logs(user_id=user_id, type=2)) >= 7 and gateway.logs(user_id=user_id, type=2))
    assert len(logs) == 7
    first = gateway.logs(request_id=request_id)[0]
    cost = gateway.costs(request_id)[0]
    assert cost["quota"] == first["quota"] > 0
    user = gateway.row(User, user_id)
    assert 50_000_000 - user["quota"] == sum(entry["quota"] for entry in logs) == user["used_quota"]
    assert user["request_count"] == 7
    resp = requests.get(f"{gateway.url}/api/cost/request/{request_id}",
                        headers={"Authorization": f"Bearer sk-{key}"}, timeout=10)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["request_id"] == request_id and data["quota"] == first["quota"]
    assert data["cost_usd"] == pytest.approx(first["quota"] / 500000)


def test_keepalive_comment_on_idle_stream(gateway, account):
    _user_id, key = account
    with requests.post(f"{gateway.url}/v1/chat/completions", stream=True, timeout=30,
                       headers={"Authorization": f"Bearer sk-{key}"},
                       json={"model": "gpt-3.5-turbo", "stream": True, "mock": {"delay": 5.6, "chunks": 1},
                             "messages": [{"role": "user", "content": "hi"}]}) as resp:
        body = b"".join(resp.iter_content(None))
    assert b":\n\n" in body
    assert _sse_events(body)[-1] == b"[DONE]"


def test_ten_megabyte_line_passes(gateway, account):
    user_id, key = account
    size = 10 * 1024 * 1024
    with requests.post(f"{gateway.url}/v1/chat/completions", stream=True, timeout=60,
                       headers={"Authorization": f"Bearer sk-{key}"},
                       json={"model": "gpt-3.5-turbo", "stream": True, "mock": {"scenario": "huge", "size": size},
                             "messages": [{"role": "user", "content": "hi"}]}) as resp:
        body = b"".join(resp.iter_content(None))
    events = _sse_events(body)
    big = [json.loads(e) for e in events if len(e) > size]
    assert len(big) == 1 and len(big[0]["choices"][0]["delta"]["content"]) == size
    assert events[-1] == b"[DONE]"


def _raw_stream_request(gateway, key, body: dict) -> socket.socket:
    payload = json.dumps(body).encode()
    sock = socket.create_connection(("127.0.0.1", gateway.port), timeout=30)
    sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Authorization: Bearer sk-" + key.encode() + b"\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)
    return sock


def test_client_disconnect_mid_stream_bills_delivered(gateway, account):
    user_id, key = account
    before = gateway.row(User, user_id)["quota"]
    sock = _raw_stream_request(gateway, key, {"model": "gpt-3.5-turbo", "stream": True,
                                              "mock": {"delay": 0.2, "chunks": 100},
                                              "messages": [{"role": "user", "content": "hi"}]})
    received = b""
    while received.count(b"data: ") < 6:
        chunk = sock.recv(65536)
        assert chunk, received
        received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].decode()
    request_id = [line.split(":", 1)[1].strip() for line in head.split("\r\n")
                  if line.lower().startswith("x-oneapi-request-id")][0]
    sock.close()  # the client dies mid-stream
    logs = gateway.wait_for(lambda: gateway.logs(request_id=request_id), timeout=20)
    assert len(logs) == 1, gateway.logs_text()[-2000:]
    log = logs[0]
    meta = json.loads(log["metadata"])
    assert meta.get("stream_end") == "client_gone"
    assert 4 <= log["completion_tokens"] < 100 * 3
    assert log["prompt_tokens"] > 0 and log["quota"] > 0
    time.sleep(0.5)
    assert len(gateway.logs(request_id=request_id)) == 1
    assert before - gateway.row(User, user_id)["quota"] == log["quota"]
    assert gateway.costs(request_id)[0]["quota"] == log["quota"]


def test_upstream_cut_bills_delivered_and_tells_client(gateway, account):
    user_id, key = account
    with requests.post(f"{gateway.url}/v1/chat/completions", stream=True, timeout=30,
                       headers={"Authorization": f"Bearer sk-{key}"},
                       json={"model": "gpt-3.5-turbo", "stream": True, "mock": {"scenario": "cut", "cut_after": 3},
                             "messages": [{"role": "user", "content": "hi"}]}) as resp:
        request_id = resp.headers["X-Oneapi-Request-Id"]
        body = b"".join(resp.iter_content(None))
    events = _sse_events(body)
    assert b"stream_interrupted" in events[-1]
    log = gateway.wait_for(lambda: gateway.logs(request_id=request_id))[0]
    assert json.loads(log["metadata"])["stream_end"] == "upstream_cut"
    assert log["completion_tokens"] > 0  # "tok0 tok1 tok2 " counted by the tokenizer


def _one(gateway, key, i):
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": f"hello {i}"}]}
    if i % 2:
        body["stream"] = True
    try:
        with requests.post(f"{gateway.url}/v1/chat/completions", json=body, stream=True, timeout=60,
                           headers={"Authorization": f"Bearer sk-{key}"}) as resp:
            b"".join(resp.iter_content(None))
            return resp.status_code
    except requests.RequestException as err:
        return repr(err)


def test_200_concurrent_requests_account_exactly(gateway):
    user_id = gateway.add_user(quota=50_000_000)
    key = gateway.add_token(user_id, remain_quota=20_000_000, unlimited=False)
    token_id = _token_id(gateway, key)
    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(lambda i: _one(gateway, key, i), range(200)))
    assert statuses.count(200) == 200, statuses
    logs = gateway.wait_for(lambda: (lambda rows: rows if len(rows) >= 200 else None)(
        gateway.logs(user_id=user_id, type=2)), timeout=30)
    assert logs and len(logs) == 200
    total = sum(entry["quota"] for entry in logs)
    user = gateway.row(User, user_id)
    token = gateway.row(Token, token_id)
    assert 50_000_000 - user["quota"] == total == user["used_quota"]
    assert 20_000_000 - token["remain_quota"] == total == token["used_quota"]
    assert user["request_count"] == 200
    assert len({entry["request_id"] for entry in logs}) == 200


def test_small_token_never_overdrawn(gateway):
    user_id = gateway.add_user(quota=50_000_000)
    key = gateway.add_token(user_id, remain_quota=600, unlimited=False)
    token_id = _token_id(gateway, key)
    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(lambda i: _one(gateway, key, i), range(50)))
    ok = statuses.count(200)
    assert ok >= 1 and all(s in (200, 401, 403) for s in statuses), statuses
    logs = gateway.wait_for(lambda: (lambda rows: rows if len(rows) >= ok else None)(
        gateway.logs(user_id=user_id, type=2)), timeout=30)
    time.sleep(0.5)
    logs = gateway.logs(user_id=user_id, type=2)
    assert len(logs) == ok
    token = gateway.row(Token, token_id)
    total = sum(entry["quota"] for entry in logs)
    assert 600 - token["remain_quota"] == total == token["used_quota"]
    assert token["remain_quota"] >= 0


def test_ban_through_db_and_bus_is_seen_by_every_worker(gateway, account):
    user_id, key = account
    headers = {"Authorization": f"Bearer sk-{key}"}
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}
    for _ in range(6):  # warm both workers' caches
        assert requests.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=10).status_code == 200
    gateway.update(User, user_id, "users", status=2)
    for _ in range(6):
        resp = requests.post(f"{gateway.url}/v1/chat/completions", json=body, headers=headers, timeout=10)
        assert resp.status_code == 403 and "banned" in resp.json()["error"]["message"]


def _token_id(gateway, key) -> int:
    from sqlalchemy import select

    with gateway.engine.connect() as conn:
        return conn.execute(select(Token.id).where(Token.key == key)).scalar_one()


def test_channel_row_untouched_by_reads(gateway):
    assert gateway.row(Channel, gateway.channel_id)["status"] == 1


def test_disconnect_before_any_output_costs_nothing(gateway, account):
    user_id, key = account
    before = gateway.row(User, user_id)["quota"]
    sock = _raw_stream_request(gateway, key, {"model": "gpt-3.5-turbo", "stream": True,
                                              "mock": {"delay": 7, "chunks": 2},
                                              "messages": [{"role": "user", "content": "hi"}]})
    received = b""
    while b"\r\n\r\n" not in received:
        received += sock.recv(65536)
    head = received.split(b"\r\n\r\n", 1)[0].decode()
    request_id = [line.split(":", 1)[1].strip() for line in head.split("\r\n")
                  if line.lower().startswith("x-oneapi-request-id")][0]
    sock.close()
    logs = gateway.wait_for(lambda: gateway.logs(request_id=request_id), timeout=20)
    assert len(logs) == 1 and logs[0]["quota"] == 0
    assert json.loads(logs[0]["metadata"])["stream_end"] == "client_gone"
    assert gateway.row(User, user_id)["quota"] == before
