"""Routing, retries, suspension, auto-disable, pinning, allow-lists and bans."""
from __future__ import annotations

import socket

import orjson
import pytest

from oneapi.extensions import db
from oneapi.models import Ability, Channel, Log, Role, Token, User, UserRequestCost
from oneapi.services import cache_bus
from tests.mocks.openai_upstream import start_mock

CHAT = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def mocks():
    servers = []

    def factory(fail_status: int = 0):
        server = start_mock()
        server.fail_status = fail_status
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


def _auth(token) -> dict:
    return {"Authorization": f"Bearer sk-{token.key}"}


def _chat_count(server) -> int:
    return sum(1 for p, _h, _b in server.requests if p.endswith("/chat/completions"))


def _post(client, headers, body=CHAT):
    resp = client.post("/v1/chat/completions", headers=headers, json=body)
    data = resp.get_json()
    resp.close()
    return resp, data


def test_retry_moves_to_other_channels_and_never_reuses_failed(app, client, make_user, make_token,
                                                                make_channel, mocks, set_option):
    bad1, bad2, good = mocks(500), mocks(500), mocks()
    make_channel(base_url=bad1.url, priority=10)
    make_channel(base_url=bad2.url, priority=10)
    ok = make_channel(base_url=good.url, priority=0)
    set_option("RetryTimes", "2")
    token = make_token(make_user(quota=10_000_000))
    resp, data = _post(client, _auth(token))
    assert resp.status_code == 200, data
    assert (_chat_count(bad1), _chat_count(bad2), _chat_count(good)) == (1, 1, 1)
    with app.app_context():
        log = db.session.execute(db.select(Log).filter_by(request_id=resp.headers["X-Oneapi-Request-Id"])).scalar_one()
        assert log.channel_id == ok.id
        # both failing channels were suspended for 5xx
        suspended = db.session.execute(db.select(Ability).where(Ability.suspend_until.is_not(None))).scalars().all()
        assert len(suspended) == 2


def test_no_retry_when_retry_times_zero_and_error_is_passed_through(app, client, make_user, make_token,
                                                                     make_channel, mocks):
    bad = mocks(500)
    make_channel(base_url=bad.url)
    token = make_token(make_user(quota=10_000_000))
    resp, data = _post(client, _auth(token))
    assert resp.status_code == 500
    assert data["error"]["type"] == "server_error"
    assert "request id" in data["error"]["message"]


def test_429_suspends_the_ability(app, client, make_user, make_token, make_channel, mocks):
    limited, good = mocks(429), mocks()
    a = make_channel(base_url=limited.url, priority=10)
    make_channel(base_url=good.url, priority=0)
    token = make_token(make_user(quota=10_000_000))
    resp, data = _post(client, _auth(token))
    assert resp.status_code == 429
    assert "saturated" in data["error"]["message"] or "rate limited" in data["error"]["message"]
    with app.app_context():
        ability = db.session.execute(db.select(Ability).filter_by(channel_id=a.id)).scalar_one()
        assert ability.suspend_until is not None
    resp, data = _post(client, _auth(token))
    assert resp.status_code == 200, data
    assert _chat_count(limited) == 1 and _chat_count(good) == 1


def test_auto_disable_on_401_and_connection_failure(app, client, make_user, make_token, make_channel, mocks,
                                                    set_option):
    set_option("AutomaticDisableChannelEnabled", "true")
    bad = mocks(401)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    dead_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    c1 = make_channel(base_url=bad.url)
    c2 = make_channel(base_url=dead_url, models="gpt-4o")
    token = make_token(make_user(quota=10_000_000))
    resp, _ = _post(client, _auth(token))
    assert resp.status_code == 401
    resp, data = _post(client, _auth(token), {**CHAT, "model": "gpt-4o"})
    assert resp.status_code == 500 and data["error"]["code"] == "do_request_failed"
    with app.app_context():
        assert db.session.get(Channel, c1.id).status == 3
        assert db.session.get(Channel, c2.id).status == 3
        assert not any(a.enabled for a in db.session.execute(db.select(Ability)).scalars())
    resp, data = _post(client, _auth(token))
    assert resp.status_code == 503 and "No available channels" in data["error"]["message"]


def test_pinning_admin_only(app, client, make_user, make_token, make_channel, mocks):
    first, second = mocks(), mocks()
    make_channel(base_url=first.url, priority=10)
    pinned = make_channel(base_url=second.url, priority=0)
    admin_token = make_token(make_user(quota=10_000_000, role=Role.ADMIN))
    resp, data = _post(client, {"Authorization": f"Bearer sk-{admin_token.key}-{pinned.id}"})
    assert resp.status_code == 200, data
    assert _chat_count(second) == 1 and _chat_count(first) == 0
    user_token = make_token(make_user(quota=10_000_000))
    resp, data = _post(client, {"Authorization": f"Bearer sk-{user_token.key}-{pinned.id}"})
    assert resp.status_code == 403 and "Ordinary users" in data["error"]["message"]
    resp, data = _post(client, {"Authorization": f"Bearer sk-{admin_token.key}-99999"})
    assert resp.status_code == 400 and "Invalid Channel Id" in data["error"]["message"]


def test_model_allow_list_and_header_variants(client, make_user, make_token, make_channel, mocks):
    server = mocks()
    make_channel(base_url=server.url, models="gpt-3.5-turbo,gpt-4o")
    token = make_token(make_user(quota=10_000_000), models="gpt-4o")
    resp, data = _post(client, _auth(token))
    assert resp.status_code == 403 and "gpt-3.5-turbo" in data["error"]["message"]
    resp, data = _post(client, {"x-api-key": f"sk-{token.key}"}, {**CHAT, "model": "gpt-4o"})
    assert resp.status_code == 200, data
    resp, data = _post(client, {"api-key": token.key}, {**CHAT, "model": "gpt-4o"})
    assert resp.status_code == 200, data


def test_banned_user_refused_at_once(app, client, make_user, make_token, make_channel, mocks):
    server = mocks()
    make_channel(base_url=server.url)
    user = make_user(quota=10_000_000)
    token = make_token(user)
    assert _post(client, _auth(token))[0].status_code == 200  # caches warm
    with app.app_context():
        db.session.get(User, user.id).status = 2
        cache_bus.touch(db.session, "users")
        db.session.commit()
    resp, data = _post(client, _auth(token))
    assert resp.status_code == 403 and "banned" in data["error"]["message"]


def test_disabled_token_refused_at_once(app, client, make_user, make_token, make_channel, mocks):
    server = mocks()
    make_channel(base_url=server.url)
    token = make_token(make_user(quota=10_000_000))
    assert _post(client, _auth(token))[0].status_code == 200
    with app.app_context():
        db.session.get(Token, token.id).status = 2
        cache_bus.touch(db.session, "tokens")
        db.session.commit()
    assert _post(client, _auth(token))[0].status_code == 401


def test_upstream_error_refunds_reservation(app, client, make_user, make_token, make_channel, mocks):
    bad = mocks(500)
    make_channel(base_url=bad.url)
    user = make_user(quota=1_000_000)
    token = make_token(user, remain_quota=5_000, unlimited_quota=False)
    resp, _ = _post(client, _auth(token))
    assert resp.status_code == 500
    rid = resp.headers["X-Oneapi-Request-Id"]
    with app.app_context():
        assert db.session.get(User, user.id).quota == 1_000_000
        t = db.session.get(Token, token.id)
        assert (t.remain_quota, t.used_quota) == (5_000, 0)
        assert db.session.execute(db.select(Log).filter_by(request_id=rid)).scalar_one_or_none() is None
        assert db.session.execute(db.select(UserRequestCost).filter_by(request_id=rid)).scalar_one().quota == 0


def test_small_token_quota_cannot_reserve(app, client, make_user, make_token, make_channel, mocks):
    server = mocks()
    make_channel(base_url=server.url)
    token = make_token(make_user(quota=10_000_000), remain_quota=10, unlimited_quota=False)
    resp, data = _post(client, _auth(token), {**CHAT, "max_tokens": 1000})
    assert resp.status_code == 403
    assert data["error"]["code"] == "pre_consume_token_quota_failed"
    assert _chat_count(server) == 0


def test_model_mapping_and_system_prompt(app, client, make_user, make_token, make_channel, mocks):
    server = mocks()
    make_channel(base_url=server.url, model_mapping='{"gpt-3.5-turbo": "gpt-4o-mini"}', system_prompt="SYS")
    token = make_token(make_user(quota=10_000_000))
    resp, data = _post(client, _auth(token))
    assert resp.status_code == 200, data
    sent = server.bodies()[-1]
    assert sent["model"] == "gpt-4o-mini"
    assert sent["messages"][0] == {"role": "system", "content": "SYS"}
    with app.app_context():
        log = db.session.execute(db.select(Log).filter_by(request_id=resp.headers["X-Oneapi-Request-Id"])).scalar_one()
        assert (log.model_name, log.origin_model_name, log.system_prompt_reset) == ("gpt-4o-mini", "gpt-3.5-turbo", True)


def test_raw_body_passthrough_for_compatible_channel(client, make_user, make_token, make_channel, mocks):
    server = mocks()
    make_channel(base_url=server.url, type=8)
    token = make_token(make_user(quota=10_000_000))
    raw = b'{"model":"gpt-3.5-turbo",  "messages":[{"role":"user","content":"hi"}],"vendor_x":{"a":1}}'
    resp = client.post("/v1/chat/completions", headers=_auth(token), data=raw, content_type="application/json")
    assert resp.status_code == 200
    resp.close()
    assert server.requests[-1][2] == raw


def test_openai_type_applies_rewrites(client, make_user, make_token, make_channel, mocks):
    server = mocks()
    make_channel(base_url=server.url, type=1, models="o3-mini")
    token = make_token(make_user(quota=10_000_000))
    resp, data = _post(client, _auth(token), {"model": "o3-mini", "temperature": 0.2, "max_tokens": 50,
                                              "messages": [{"role": "system", "content": "s"},
                                                           {"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    sent = server.bodies()[-1]
    assert "temperature" not in sent and sent["max_completion_tokens"] == 50 and "max_tokens" not in sent


def test_embeddings_completions_moderations(app, client, make_user, make_token, make_channel, mocks):
    server = mocks()
    make_channel(base_url=server.url, models="text-embedding-3-small,gpt-3.5-turbo-instruct,text-moderation-stable")
    token = make_token(make_user(quota=10_000_000))
    resp = client.post("/v1/embeddings", headers=_auth(token), json={"model": "text-embedding-3-small",
                                                                     "input": ["a", "b"]})
    assert resp.status_code == 200 and len(resp.get_json()["data"]) == 2
    resp.close()
    resp = client.post("/v1/engines/text-embedding-3-small/embeddings", headers=_auth(token), json={"input": "a"})
    assert resp.status_code == 200, resp.get_json()
    resp.close()
    assert server.bodies("/embeddings")[-1]["input"] == "a"
    resp = client.post("/v1/completions", headers=_auth(token), json={"model": "gpt-3.5-turbo-instruct",
                                                                      "prompt": "hello"})
    assert resp.status_code == 200 and resp.get_json()["choices"][0]["text"] == " world"
    resp.close()
    resp = client.post("/v1/moderations", headers=_auth(token), json={"input": "hello"})
    assert resp.status_code == 200, resp.get_json()
    resp.close()
    with app.app_context():
        logs = db.session.execute(db.select(Log).where(Log.type == 2)).scalars().all()
        assert len(logs) == 4
        emb = [entry for entry in logs if entry.model_name == "text-embedding-3-small"]
        assert {entry.prompt_tokens for entry in emb} == {10, 5}


def test_not_implemented_and_unknown_paths(client):
    resp = client.post("/v1/files")
    assert resp.status_code == 501 and resp.get_json()["error"]["code"] == "api_not_implemented"
    resp = client.post("/v1/nope")
    assert resp.status_code == 404


def test_reasoning_format_query(client, make_user, make_token, make_channel, mocks):
    server = mocks()
    make_channel(base_url=server.url)
    token = make_token(make_user(quota=10_000_000))
    resp = client.post("/v1/chat/completions?reasoning_format=thinking", headers=_auth(token), json=CHAT)
    assert resp.status_code == 200
    assert orjson.loads(resp.data)["choices"][0]["message"]["content"] == "Hello from mock"
    resp.close()
