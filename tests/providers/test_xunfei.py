"""iFlytek Spark (type 18) over a loopback WebSocket server: HMAC-signed URL, Spark request
shape, merged and streamed answers, usage/billing, Spark error codes and handshake refusal;
XunfeiV2 (type 48) served as OpenAI-compatible."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from email.utils import parsedate_to_datetime

import orjson
import pytest

from oneapi.channel_types import default_base_url
from oneapi.providers import get_adapter
from oneapi.providers.openai_compat import OpenAICompatible
from tests.mocks.spark_ws import SparkWS
from tests.mocks.vendor_mock import json_reply

APPID, SECRET, APIKEY = "app123", "secretXYZ", "key456"


@pytest.fixture
def spark():
    server = SparkWS().start()
    yield server
    server.stop()


def verify_signed_url(path: str, query: dict, host: str):
    """Recompute Spark's HMAC signature from its documentation."""
    auth = base64.b64decode(query["authorization"]).decode()
    fields = dict(re.findall(r'(\w+)="([^"]*)"', auth))
    assert fields["api_key"] == APIKEY and fields["algorithm"] == "hmac-sha256"
    assert fields["headers"] == "host date request-line"
    assert query["host"] == host
    origin = f"host: {host}\ndate: {query['date']}\nGET {path} HTTP/1.1"
    expected = base64.b64encode(hmac.new(SECRET.encode(), origin.encode(), hashlib.sha256).digest()).decode()
    assert fields["signature"] == expected
    assert abs(parsedate_to_datetime(query["date"]).timestamp() - time.time()) < 60


def _frames(texts, usage=(5, 3)):
    out = []
    for i, text in enumerate(texts):
        last = i == len(texts) - 1
        frame = {"header": {"code": 0, "message": "Success", "sid": "cht0001", "status": 2 if last else 1},
                 "payload": {"choices": {"status": 2 if last else 1, "seq": i,
                                         "text": [{"content": text, "role": "assistant", "index": 0}]}}}
        if last:
            frame["payload"]["usage"] = {"text": {"question_tokens": 2, "prompt_tokens": usage[0],
                                                  "completion_tokens": usage[1], "total_tokens": sum(usage)}}
        out.append(frame)
    return out


def test_spark_non_stream_signed_url_and_request(make_channel, spark, gateway):
    make_channel(type=18, base_url=spark.url, key=f"{APPID}|{SECRET}|{APIKEY}", models="SparkDesk-v3.5")
    spark.script = lambda req: _frames(["你好", "，世界"])
    resp, data = gateway.chat({"model": "SparkDesk-v3.5", "temperature": 0.5, "max_tokens": 100,
                               "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, data
    seen = spark.seen[-1]
    assert seen.path == "/v3.5/chat"
    verify_signed_url(seen.path, seen.query, spark.url[len("ws://"):])
    assert seen.request["header"]["app_id"] == APPID
    assert seen.request["parameter"]["chat"] == {"domain": "generalv3.5", "auditing": "default",
                                                 "temperature": 0.5, "max_tokens": 100}
    assert seen.request["payload"]["message"]["text"] == [{"role": "system", "content": "sys"},
                                                           {"role": "user", "content": "hi"}]
    out = orjson.loads(data)
    assert out["choices"][0]["message"]["content"] == "你好，世界"
    assert out["usage"] == {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}
    log = gateway.log(resp)
    assert (log.prompt_tokens, log.completion_tokens) == (5, 3) and log.quota > 0


def test_spark_stream_and_special_paths(make_channel, spark, gateway):
    make_channel(type=18, base_url=spark.url, key=f"{APPID}|{SECRET}|{APIKEY}", models="SparkDesk-v3.5-32K",
                 config='{"api_version": "v3.5-32K"}')
    spark.script = lambda req: _frames(["一", "二", "三"], usage=(4, 3))
    resp, data = gateway.chat({"model": "SparkDesk-v3.5-32K", "stream": True,
                               "messages": [{"role": "user", "content": "数一下"}]})
    assert resp.status_code == 200, data
    seen = spark.seen[-1]
    assert seen.path == "/v3.5-32K/chat/max-32k"
    assert seen.request["parameter"]["chat"]["domain"] == "max-32k"
    verify_signed_url(seen.path, seen.query, spark.url[len("ws://"):])
    out = gateway.events(data)
    assert out[-1] == b"[DONE]"
    chunks = [e for e in out[:-1] if e.get("choices")]
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "一二三"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (4, 3)


def test_spark_function_call(make_channel, spark, gateway):
    make_channel(type=18, base_url=spark.url, key=f"{APPID}|{SECRET}|{APIKEY}", models="SparkDesk-v4.0")
    frame = _frames([""])[0]
    frame["payload"]["choices"]["text"][0]["function_call"] = {"name": "weather", "arguments": '{"city":"Hefei"}'}
    spark.script = lambda req: [frame]
    tools = [{"type": "function", "function": {"name": "weather", "parameters": {"type": "object"}}}]
    resp, data = gateway.chat({"model": "SparkDesk-v4.0", "tools": tools,
                               "messages": [{"role": "user", "content": "weather?"}]})
    assert resp.status_code == 200, data
    req = spark.seen[-1].request
    assert req["parameter"]["chat"]["domain"] == "4.0Ultra"
    assert req["payload"]["functions"] == {"text": [tools[0]["function"]]}
    msg = orjson.loads(data)["choices"][0]
    assert msg["finish_reason"] == "tool_calls"
    assert msg["message"]["tool_calls"][0]["function"] == {"name": "weather", "arguments": '{"city":"Hefei"}'}


@pytest.mark.parametrize("code,status", [(10013, 400), (11200, 403), (11202, 429)])
def test_spark_error_codes(make_channel, spark, gateway, code, status):
    make_channel(type=18, base_url=spark.url, key=f"{APPID}|{SECRET}|{APIKEY}", models="SparkDesk-v3.1")
    spark.script = lambda req: [{"header": {"code": code, "message": "spark says no", "sid": "x", "status": 2}}]
    resp, data = gateway.chat({"model": "SparkDesk-v3.1", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == status
    err = orjson.loads(data)["error"]
    assert err["code"] == f"xunfei_{code}"
    if status != 429:  # the relay words 429s itself
        assert "spark says no" in err["message"]


def test_spark_handshake_refused(make_channel, spark, gateway):
    make_channel(type=18, base_url=spark.url, key=f"{APPID}|{SECRET}|{APIKEY}", models="SparkDesk-v3.1")
    spark.refuse_status = 401
    resp, data = gateway.chat({"model": "SparkDesk-v3.1", "stream": True,
                               "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401
    assert "HMAC signature does not match" in orjson.loads(data)["error"]["message"]


def test_spark_malformed_key(make_channel, spark, gateway):
    make_channel(type=18, base_url=spark.url, key="only|two", models="SparkDesk-v3.1")
    resp, data = gateway.chat({"model": "SparkDesk-v3.1", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 400 and "APPID|APISecret|APIKey" in orjson.loads(data)["error"]["message"]
    assert spark.handshakes == []


def test_xunfei_v2_is_openai_compatible(make_channel, vendor, gateway):
    assert isinstance(get_adapter(48), OpenAICompatible)
    assert default_base_url(48) == "https://spark-api-open.xf-yun.com"
    make_channel(type=48, base_url=vendor.url, key="spark-http-key", models="generalv3.5")
    vendor.handler = lambda req: json_reply({"id": "c1", "object": "chat.completion", "created": 1,
                                             "model": "generalv3.5",
                                             "choices": [{"index": 0, "finish_reason": "stop",
                                                          "message": {"role": "assistant", "content": "ok"}}],
                                             "usage": {"prompt_tokens": 3, "completion_tokens": 1,
                                                       "total_tokens": 4}})
    resp, data = gateway.chat({"model": "generalv3.5", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200, data
    seen = vendor.requests[-1]
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["Authorization"] == "Bearer spark-http-key"
    assert orjson.loads(data)["choices"][0]["message"]["content"] == "ok"


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_spark_websocket_under_gunicorn_gevent(tmp_path, spark):
    """websocket-client on gevent-patched sockets inside a real worker, streamed and billed."""
    import requests

    from oneapi.models import Channel
    from tests.mocks.gateway import Gateway

    gw = Gateway(tmp_path, workers=1).start()
    try:
        cid = gw.add_channel(spark.url, models="SparkDesk-v3.5", type_=18)
        gw.update(Channel, cid, "channels", key=f"{APPID}|{SECRET}|{APIKEY}")
        key = gw.add_token(gw.add_user())
        spark.script = lambda req: _frames(["流", "式"], usage=(6, 2))
        headers = {"Authorization": f"Bearer sk-{key}"}
        resp = requests.post(gw.url + "/v1/chat/completions", headers=headers, timeout=60,
                             json={"model": "SparkDesk-v3.5", "stream": True,
                                   "messages": [{"role": "user", "content": "x"}]})
        assert resp.status_code == 200, resp.text
        datas = [line[6:] for line in resp.content.split(b"\n") if line.startswith(b"data: ")]
        assert datas[-1] == b"[DONE]"
        chunks = [orjson.loads(d) for d in datas[:-1]]
        assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]) == "流式"
        logs = gw.wait_for(lambda: gw.logs(request_id=resp.headers["X-Oneapi-Request-Id"]))
        assert logs and (logs[0]["prompt_tokens"], logs[0]["completion_tokens"]) == (6, 2)
        resp = requests.post(gw.url + "/v1/chat/completions", headers=headers, timeout=60,
                             json={"model": "SparkDesk-v3.5", "messages": [{"role": "user", "content": "x"}]})
        assert resp.status_code == 200 and resp.json()["choices"][0]["message"]["content"] == "流式"
    finally:
        gw.stop()


def test_admin_channel_test_over_websocket(make_channel, spark, root_client):
    channel = make_channel(type=18, base_url=spark.url, key=f"{APPID}|{SECRET}|{APIKEY}", models="SparkDesk-v3.5")
    spark.script = lambda req: _frames(["pong"])
    body = root_client.get(f"/api/channel/test/{channel.id}").get_json()
    assert body["success"] is True and body["message"] == "pong", body
