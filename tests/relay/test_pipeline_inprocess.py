"""Relay pipeline through the Flask test client against a real loopback upstream."""
from __future__ import annotations

import orjson

from oneapi.extensions import db
from oneapi.models import Log, Token, User, UserRequestCost


def _rows(app, model, **where):
    with app.app_context():
        return db.session.execute(db.select(model).filter_by(**where)).scalars().all()


def test_chat_non_stream_bills_and_logs(app, client, relay_setup, upstream):
    user, token, channel, headers = relay_setup
    resp = client.post("/v1/chat/completions", headers=headers,
                       json={"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]})
    body = resp.get_json()
    resp.close()
    assert resp.status_code == 200, body
    assert body["choices"][0]["message"]["content"] == "Hello from mock"
    rid = resp.headers["X-Oneapi-Request-Id"]
    logs = _rows(app, Log, request_id=rid)
    assert len(logs) == 1
    log = logs[0]
    assert (log.prompt_tokens, log.completion_tokens, log.channel_id) == (11, 7, channel.id)
    assert log.quota > 0 and log.model_name == "gpt-3.5-turbo"
    cost = _rows(app, UserRequestCost, request_id=rid)[0]
    assert cost.quota == log.quota
    with app.app_context():
        u = db.session.get(User, user.id)
        assert u.quota == 10_000_000 - log.quota and u.used_quota == log.quota and u.request_count == 1
        assert db.session.get(Token, token.id).used_quota == log.quota
    # upstream got the channel key, not the gateway key
    _path, up_headers, _raw = upstream.requests[-1]
    assert up_headers["Authorization"] == "Bearer sk-upstream"


def test_stream_relays_events_and_bills(app, client, relay_setup, upstream):
    _user, _token, _channel, headers = relay_setup
    resp = client.post("/v1/chat/completions", headers=headers, buffered=False,
                       json={"model": "gpt-3.5-turbo", "stream": True, "mock": {"chunks": 4},
                             "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200
    assert resp.mimetype == "text/event-stream"
    data = b"".join(resp.response)
    resp.close()
    events = [line[6:] for line in data.split(b"\n") if line.startswith(b"data: ")]
    assert events[-1] == b"[DONE]"
    texts = "".join((orjson.loads(e)["choices"] or [{}])[0].get("delta", {}).get("content") or ""
                    for e in events[:-1])
    assert texts == "tok0 tok1 tok2 tok3 "
    sent = upstream.bodies()[-1]
    assert sent["stream_options"] == {"include_usage": True}
    assert sent["mock"] == {"chunks": 4}  # unknown fields pass through
    log = _rows(app, Log, request_id=resp.headers["X-Oneapi-Request-Id"])[0]
    assert (log.prompt_tokens, log.completion_tokens, log.is_stream) == (11, 4, True)


def test_bad_json_is_a_clear_400(client, relay_setup):
    *_, headers = relay_setup
    resp = client.post("/v1/chat/completions", headers=headers, data=b"{nope",
                       content_type="application/json")
    assert resp.status_code == 400
    assert "not valid JSON" in resp.get_json()["error"]["message"]
    resp = client.post("/v1/chat/completions", headers=headers, json={"model": "gpt-3.5-turbo"})
    assert resp.status_code == 400 and "messages" in resp.get_json()["error"]["message"]


def test_missing_and_unknown_key(client, relay_setup):
    resp = client.post("/v1/chat/completions", json={"model": "x", "messages": [{"role": "user", "content": "a"}]})
    assert resp.status_code == 401
    assert "request id" in resp.get_json()["error"]["message"]
    resp = client.post("/v1/chat/completions", headers={"Authorization": "Bearer sk-nope"},
                       json={"model": "x", "messages": [{"role": "user", "content": "a"}]})
    assert resp.status_code == 401


def test_upstream_ignoring_stream_is_replayed_as_sse(app, client, relay_setup, upstream):
    _user, _token, _channel, headers = relay_setup
    resp = client.post("/v1/chat/completions", headers=headers, buffered=False,
                       json={"model": "gpt-3.5-turbo", "stream": True, "mock": {"scenario": "json_to_stream"},
                             "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    data = b"".join(resp.response)
    resp.close()
    events = [line[6:] for line in data.split(b"\n") if line.startswith(b"data: ")]
    assert events[-1] == b"[DONE]"
    assert orjson.loads(events[0])["choices"][0]["delta"]["content"] == "Hello from mock"
    assert orjson.loads(events[1])["usage"]["prompt_tokens"] == 11
    log = _rows(app, Log, request_id=resp.headers["X-Oneapi-Request-Id"])[0]
    assert (log.prompt_tokens, log.completion_tokens) == (11, 7)


def _chunk_event(content=None, finish=None, usage=None) -> bytes:
    obj = {"id": "chatcmpl-raw", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-3.5-turbo",
           "choices": [] if usage else [{"index": 0, "delta": {"content": content} if content else {},
                                         "finish_reason": finish}]}
    if usage:
        obj["usage"] = usage
    return orjson.dumps(obj)


def _raw_stream(client, headers, frames):
    resp = client.post("/v1/chat/completions", headers=headers, buffered=False,
                       json={"model": "gpt-3.5-turbo", "stream": True,
                             "mock": {"scenario": "raw", "frames": frames},
                             "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200
    data = b"".join(resp.response)
    resp.close()
    return resp, data


def test_passthrough_stream_is_byte_exact_across_any_framing(app, client, relay_setup):
    """Whole ``data:`` blocks are forwarded as is, split lines and comments go through the
    parser; the client sees the same events either way, and usage is billed from the stream."""
    *_, headers = relay_setup
    e1, e2, e3 = _chunk_event("Hel"), _chunk_event(" world"), _chunk_event("!")
    fin, usage = _chunk_event(finish="stop"), _chunk_event(usage={"prompt_tokens": 9, "completion_tokens": 3,
                                                                  "total_tokens": 12})
    cut = len(e1) // 2
    frames = [
        "data: " + e1[:cut].decode(),                                        # a line cut in two
        e1[cut:].decode() + "\n\n",
        f"data: {e2.decode()}\n\ndata: {e3.decode()}\n\n",                    # a plain block
        f": upstream keep-alive\n\ndata: {fin.decode()}\n\n",                 # comment: parsed
        f"data: {usage.decode()}\n\ndata: [DONE]\n\n",                        # plain block with [DONE]
    ]
    resp, data = _raw_stream(client, headers, frames)
    assert data == b"".join(b"data: " + e + b"\n\n" for e in (e1, e2, e3, fin, usage, b"[DONE]"))
    log = _rows(app, Log, request_id=resp.headers["X-Oneapi-Request-Id"])[0]
    assert (log.prompt_tokens, log.completion_tokens) == (9, 3)


def test_passthrough_stream_without_usage_counts_the_forwarded_text(app, client, relay_setup):
    from oneapi.relay.tokenizer import count_text_tokens

    *_, headers = relay_setup
    text = "The quick brown fox jumps over the lazy dog"
    words = [w + " " for w in text.split()]
    frames = ["".join(f"data: {_chunk_event(w).decode()}\n\n" for w in words[:4]),
              "".join(f"data: {_chunk_event(w).decode()}\n\n" for w in words[4:]),
              f"data: {_chunk_event(finish='stop').decode()}\n\ndata: [DONE]\n\n"]
    resp, data = _raw_stream(client, headers, frames)
    assert data == "".join(frames).encode()
    log = _rows(app, Log, request_id=resp.headers["X-Oneapi-Request-Id"])[0]
    assert log.completion_tokens == count_text_tokens("".join(words), "gpt-3.5-turbo") == 10
