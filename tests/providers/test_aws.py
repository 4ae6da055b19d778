"""AWS Bedrock (type 33): SigV4 (recomputed with botocore), InvokeModel / eventstream,
Converse, model-id mapping, usage, billing and error mapping against a loopback server."""
from __future__ import annotations

import base64

import orjson
import pytest

from oneapi.providers.aws.adapter import bedrock_model_id
from oneapi.providers.aws.eventstream import EventStreamParser, FrameDecoder
from tests.mocks.aws_bedrock import chunk_event, converse_event, exception_event, frame, verify_sigv4
from tests.mocks.vendor_mock import Reply, json_reply

AK, SK = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

CLAUDE_REPLY = {"id": "msg_bdrk_1", "type": "message", "role": "assistant",
                "model": "claude-3-5-haiku-20241022",
                "content": [{"type": "text", "text": "Hello from Bedrock"}],
                "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": 11, "output_tokens": 4}}


def _channel(make_channel, vendor, models="claude-3-5-haiku-20241022", **kw):
    kw.setdefault("key", f"{AK}|{SK}|us-east-1")
    return make_channel(type=33, base_url=vendor.url, models=models, **kw)


def test_model_id_mapping():
    assert bedrock_model_id("claude-3-5-haiku-20241022", "us-east-1", {}) == \
        "us.anthropic.claude-3-5-haiku-20241022-v1:0"
    assert bedrock_model_id("claude-sonnet-4-20250514", "eu-west-1", {}) == \
        "eu.anthropic.claude-sonnet-4-20250514-v1:0"
    assert bedrock_model_id("claude-3-7-sonnet-20250219", "ap-northeast-1", {}) == \
        "apac.anthropic.claude-3-7-sonnet-20250219-v1:0"
    assert bedrock_model_id("claude-2.1", "us-east-1", {}) == "anthropic.claude-v2:1"  # no profile
    assert bedrock_model_id("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-1", {}) == \
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"
    assert bedrock_model_id("claude-3-5-haiku-20241022", "us-east-1",
                            {"inference_profile_arn_map": orjson.dumps({"claude-3-5-haiku-20241022": arn}).decode()}) == arn


def test_mock_frames_are_real_eventstream():
    """The mock's frames decode with botocore's own eventstream parser (wire-format check)."""
    from botocore.eventstream import EventStreamBuffer

    buf = EventStreamBuffer()
    buf.add_data(chunk_event({"type": "ping"}) + exception_event("throttlingException", "slow down"))
    messages = list(buf)
    assert messages[0].headers[":event-type"] == "chunk"
    assert orjson.loads(base64.b64decode(orjson.loads(messages[0].payload)["bytes"])) == {"type": "ping"}
    assert messages[1].headers[":exception-type"] == "throttlingException"


def test_frame_decoder_incremental_and_crc():
    data = chunk_event({"type": "message_stop"}) * 2
    dec = FrameDecoder()
    frames = []
    for i in range(len(data)):  # one byte at a time
        frames += dec.feed(data[i:i + 1])
    assert len(frames) == 2 and frames[0].event_type == "chunk"
    parser = EventStreamParser(lambda f: ("x", f.payload))
    bad = bytearray(frame({":message-type": "event"}, b"{}"))
    bad[-1] ^= 0xFF
    events = parser.feed(bytes(bad))
    assert events[0].event == "error" and b"checksum" in events[0].data
    truncated = EventStreamParser(lambda f: ("x", f.payload))
    assert truncated.feed(chunk_event({"type": "ping"})[:20]) == []
    assert truncated.flush()[0].event == "error"


def test_claude_invoke_signed_request_and_billing(make_channel, vendor, gateway):
    _channel(make_channel, vendor)
    vendor.handler = lambda req: json_reply(CLAUDE_REPLY)
    gateway.headers = {**gateway.headers, "X-Amz-Target": "client-supplied", "X-Trace": "t1"}
    resp, data = gateway.chat({"model": "claude-3-5-haiku-20241022", "max_tokens": 64, "temperature": 0.2,
                               "messages": [{"role": "system", "content": "be brief"},
                                            {"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke"
    verify_sigv4(seen, vendor.url, AK, SK, "us-east-1")
    assert "Bearer" not in seen.headers.get("Authorization", "")
    assert "X-Amz-Target" not in seen.headers and seen.headers.get("X-Trace") == "t1"
    body = seen.json()
    assert body == {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 64, "temperature": 0.2,
                    "system": "be brief", "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}
    out = orjson.loads(data)
    assert out["choices"][0]["message"]["content"] == "Hello from Bedrock"
    assert out["choices"][0]["finish_reason"] == "stop"
    assert out["usage"]["prompt_tokens"] == 11 and out["usage"]["completion_tokens"] == 4
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens) == (11, 4) and log.quota > 0


def test_claude_config_credentials_session_token_and_arn(make_channel, vendor, gateway):
    arn = "arn:aws:bedrock:eu-central-1:123456789012:application-inference-profile/p1"
    _channel(make_channel, vendor, key="unused",
             config=orjson.dumps({"ak": AK, "sk": SK, "region": "eu-central-1", "session_token": "TOKEN123",
                                  "inference_profile_arn_map": {"claude-3-5-haiku-20241022": arn}}).decode())
    vendor.handler = lambda req: json_reply(CLAUDE_REPLY)
    resp, data = gateway.chat({"model": "claude-3-5-haiku-20241022",
                               "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/model/arn%3Aaws%3Abedrock%3Aeu-central-1%3A123456789012%3Aapplication-inference-profile%2Fp1/invoke"
    assert seen.headers["X-Amz-Security-Token"] == "TOKEN123"
    verify_sigv4(seen, vendor.url, AK, SK, "eu-central-1")
    assert seen.json()["max_tokens"] == 2048


def _claude_stream_events():
    return [
        {"type": "message_start", "message": {"id": "msg_s1", "type": "message", "role": "assistant",
                                              "model": "claude", "content": [],
                                              "usage": {"input_tokens": 9, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hel"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "lo"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 5}},
        {"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 9, "outputTokenCount": 5}},
    ]


def test_claude_stream_eventstream(make_channel, vendor, gateway):
    _channel(make_channel, vendor)
    raw = b"".join(chunk_event(e) for e in _claude_stream_events())
    # split frames across arbitrary chunk boundaries
    pieces = [raw[i:i + 37] for i in range(0, len(raw), 37)]
    vendor.handler = lambda req: Reply(chunks=pieces, content_type="application/vnd.amazon.eventstream")
    resp, data = gateway.chat({"model": "claude-3-5-haiku-20241022", "stream": True,
                               "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path.endswith("/invoke-with-response-stream")
    assert "stream" not in seen.json()
    verify_sigv4(seen, vendor.url, AK, SK, "us-east-1")
    out = gateway.events(data)
    assert out[-1] == b"[DONE]"
    text = "".join((e["choices"][0]["delta"].get("content") or "") for e in out[:-1]
                   if isinstance(e, dict) and e.get("choices"))
    assert text == "Hello"
    assert any(e["choices"][0].get("finish_reason") == "stop" for e in out[:-1] if e.get("choices"))
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens) == (9, 5)


def test_claude_stream_in_band_exception(make_channel, vendor, gateway):
    _channel(make_channel, vendor)
    frames = [chunk_event(_claude_stream_events()[0]),
              exception_event("modelStreamErrorException", "model stream broke")]
    vendor.handler = lambda req: Reply(chunks=frames, content_type="application/vnd.amazon.eventstream")
    resp, data = gateway.chat({"model": "claude-3-5-haiku-20241022", "stream": True,
                               "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200
    assert b"model stream broke" in data and b"modelStreamErrorException" in data


def test_claude_messages_front_on_bedrock(make_channel, vendor, gateway):
    _channel(make_channel, vendor)
    vendor.handler = lambda req: json_reply(CLAUDE_REPLY)
    resp = gateway.client.post("/v1/messages", headers={**gateway.headers, "anthropic-beta": "foo-2025-01-01"},
                               json={"model": "claude-3-5-haiku-20241022", "max_tokens": 100,
                                     "system": [{"type": "text", "text": "sys"}],
                                     "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, resp.get_data()
    body = vendor.requests[-1].json()
    assert body["anthropic_version"] == "bedrock-2023-05-31" and "model" not in body
    assert body["system"] == [{"type": "text", "text": "sys"}] and body["max_tokens"] == 100
    assert body["anthropic_beta"] == ["foo-2025-01-01"]
    out = resp.get_json()
    assert out["type"] == "message" and out["content"][0]["text"] == "Hello from Bedrock"


def test_converse_non_claude(make_channel, vendor, gateway):
    _channel(make_channel, vendor, models="llama3-8b-8192", key=f"{AK}|{SK}|us-west-2")
    vendor.handler = lambda req: json_reply({
        "output": {"message": {"role": "assistant", "content": [{"text": "llama says hi"}]}},
        "stopReason": "end_turn", "usage": {"inputTokens": 7, "outputTokens": 3, "totalTokens": 10},
        "metrics": {"latencyMs": 12}})
    resp, data = gateway.chat({"model": "llama3-8b-8192", "max_tokens": 50, "stop": "END",
                               "messages": [{"role": "system", "content": "sys"},
                                            {"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/model/meta.llama3-8b-instruct-v1%3A0/converse"
    verify_sigv4(seen, vendor.url, AK, SK, "us-west-2")
    assert seen.json() == {"messages": [{"role": "user", "content": [{"text": "hi"}]}], "system": [{"text": "sys"}],
                           "inferenceConfig": {"maxTokens": 50, "stopSequences": ["END"]}}
    out = orjson.loads(data)
    assert out["choices"][0]["message"]["content"] == "llama says hi"
    assert out["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (7, 3)


def test_converse_stream(make_channel, vendor, gateway):
    _channel(make_channel, vendor, models="mistral-large-2402")
    frames = [converse_event("messageStart", {"role": "assistant"}),
              converse_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Bon"}}),
              converse_event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "jour"}}),
              converse_event("contentBlockStop", {"contentBlockIndex": 0}),
              converse_event("messageStop", {"stopReason": "max_tokens"}),
              converse_event("metadata", {"usage": {"inputTokens": 4, "outputTokens": 2, "totalTokens": 6},
                                          "metrics": {"latencyMs": 5}})]
    vendor.handler = lambda req: Reply(chunks=frames, content_type="application/vnd.amazon.eventstream")
    resp, data = gateway.chat({"model": "mistral-large-2402", "stream": True,
                               "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    assert vendor.requests[-1].path == "/model/mistral.mistral-large-2402-v1%3A0/converse-stream"
    out = gateway.events(data)
    chunks = [e for e in out if isinstance(e, dict) and e.get("choices")]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "Bonjour"
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (4, 2)


@pytest.mark.parametrize("status,body,code", [
    (400, {"message": "Malformed input request"}, "ValidationException"),
    (403, {"message": "The security token included in the request is invalid."}, "AccessDeniedException"),
    (429, {"message": "Too many requests"}, "ThrottlingException"),
])
def test_errors_mapped(make_channel, vendor, gateway, status, body, code):
    _channel(make_channel, vendor)
    vendor.handler = lambda req: json_reply(body, status)
    resp, data = gateway.chat({"model": "claude-3-5-haiku-20241022", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == status
    err = orjson.loads(data)["error"]
    assert err["code"] == code
    if status != 429:
        assert body["message"] in err["message"]


def test_malformed_key_is_4xx_without_upstream_call(make_channel, vendor, gateway):
    _channel(make_channel, vendor, key="only-one-part")
    resp, data = gateway.chat({"model": "claude-3-5-haiku-20241022", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 400 and "AK|SK|Region" in orjson.loads(data)["error"]["message"]
    assert vendor.requests == []


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_eventstream_under_gunicorn_gevent(tmp_path, vendor):
    """The binary eventstream is decoded by a real gevent worker and billed from its usage."""
    import requests

    from oneapi.models import Channel
    from tests.mocks.gateway import Gateway

    gw = Gateway(tmp_path, workers=1).start()
    try:
        cid = gw.add_channel(vendor.url, models="claude-3-5-haiku-20241022", type_=33)
        gw.update(Channel, cid, "channels", key=f"{AK}|{SK}|us-east-1")
        key = gw.add_token(gw.add_user())
        raw = b"".join(chunk_event(e) for e in _claude_stream_events())
        vendor.handler = lambda req: Reply(chunks=[raw[i:i + 50] for i in range(0, len(raw), 50)],
                                           content_type="application/vnd.amazon.eventstream")
        resp = requests.post(gw.url + "/v1/chat/completions", headers={"Authorization": f"Bearer sk-{key}"},
                             json={"model": "claude-3-5-haiku-20241022", "stream": True,
                                   "messages": [{"role": "user", "content": "x"}]}, timeout=60)
        assert resp.status_code == 200, resp.text
        verify_sigv4(vendor.requests[-1], vendor.url, AK, SK, "us-east-1")
        datas = [line[6:] for line in resp.content.split(b"\n") if line.startswith(b"data: ")]
        assert datas[-1] == b"[DONE]"
        text = "".join((orjson.loads(d)["choices"] or [{"delta": {}}])[0]["delta"].get("content") or ""
                       for d in datas[:-1])
        assert text == "Hello"
        request_id = resp.headers["X-Oneapi-Request-Id"]
        logs = gw.wait_for(lambda: gw.logs(request_id=request_id))
        assert logs and (logs[0]["prompt_tokens"], logs[0]["completion_tokens"]) == (9, 5)
    finally:
        gw.stop()


def test_responses_front_on_bedrock(make_channel, vendor, gateway):
    _channel(make_channel, vendor)
    vendor.handler = lambda req: json_reply(CLAUDE_REPLY)
    resp, data = gateway.post("/v1/responses", {"model": "claude-3-5-haiku-20241022", "input": "hi",
                                                "max_output_tokens": 40})
    assert resp.status_code == 200, data
    body = vendor.requests[-1].json()
    assert body["anthropic_version"] == "bedrock-2023-05-31" and body["max_tokens"] == 40
    out = orjson.loads(data)
    assert out["object"] == "response"
    assert "Hello from Bedrock" in orjson.dumps(out["output"]).decode()
    assert gateway.log(resp).completion_tokens == 4


def test_admin_channel_test_signs_and_reads_bedrock(make_channel, vendor, root_client):
    channel = _channel(make_channel, vendor)
    vendor.handler = lambda req: json_reply(CLAUDE_REPLY)
    body = root_client.get(f"/api/channel/test/{channel.id}").get_json()
    assert body["success"] is True and "Hello from Bedrock" in body["message"], body
    verify_sigv4(vendor.requests[-1], vendor.url, AK, SK, "us-east-1")
