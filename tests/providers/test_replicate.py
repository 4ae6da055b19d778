"""Replicate (type 46): predictions for chat (sync wait) and images (polled) on a loopback server."""
from __future__ import annotations

import orjson

from oneapi.providers.replicate import Replicate
from tests.mocks.vendor_mock import json_reply


def _prediction(vendor, pid, status, output=None, **extra):
    return {"id": pid, "status": status, "output": output, "error": None,
            "urls": {"get": f"{vendor.url}/v1/predictions/{pid}", "cancel": f"{vendor.url}/v1/predictions/{pid}/cancel"},
            **extra}


def test_replicate_chat_sync_prediction(make_channel, vendor, gateway):
    make_channel(type=46, base_url=vendor.url + "/v1/models/", key="r8_key", models="meta/meta-llama-3-8b-instruct")
    vendor.handler = lambda req: json_reply(_prediction(
        vendor, "p1", "succeeded", ["Hel", "lo", "!"], metrics={"input_token_count": 11, "output_token_count": 3}), 201)
    resp, data = gateway.chat({"model": "meta/meta-llama-3-8b-instruct", "max_tokens": 20,
                               "messages": [{"role": "system", "content": "be nice"},
                                            {"role": "user", "content": "hi"}]})
    assert 200 <= resp.status_code < 300, data  # the pipeline forwards the upstream 2xx (Replicate: 201)
    seen = vendor.requests[-1]
    assert seen.path == "/v1/models/meta/meta-llama-3-8b-instruct/predictions"
    assert seen.headers["Authorization"] == "Bearer r8_key" and seen.headers["Prefer"] == "wait"
    assert seen.json() == {"input": {"prompt": "hi", "system_prompt": "be nice", "max_tokens": 20}}
    body = orjson.loads(data)
    assert body["choices"][0]["message"]["content"] == "Hello!"
    assert body["usage"] == {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}
    assert (gateway.log(resp).prompt_tokens, gateway.log(resp).completion_tokens) == (11, 3)


def test_replicate_chat_stream_request_and_failures(make_channel, vendor, gateway):
    make_channel(type=46, base_url=vendor.url + "/v1/models", key="k", models="m/chat")
    vendor.handler = lambda req: json_reply(_prediction(vendor, "p2", "succeeded", ["a", "b"]), 201)
    resp, data = gateway.chat({"model": "m/chat", "stream": True, "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 200
    events = gateway.events(data)
    assert events[0]["choices"][0]["delta"]["content"] == "ab" and events[-1] == b"[DONE]"
    vendor.handler = lambda req: json_reply(_prediction(vendor, "p3", "failed", None, error="CUDA OOM"), 201)
    resp, data = gateway.chat({"model": "m/chat", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 500 and "CUDA OOM" in orjson.loads(data)["error"]["message"]
    vendor.handler = lambda req: json_reply(_prediction(vendor, "p4", "processing"), 201)
    resp, data = gateway.chat({"model": "m/chat", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 504 and "p4" in orjson.loads(data)["error"]["message"]
    vendor.handler = lambda req: json_reply({"title": "Unauthenticated", "detail": "You did not pass a valid token",
                                             "status": 401}, 401)
    resp, data = gateway.chat({"model": "m/chat", "messages": [{"role": "user", "content": "x"}]})
    assert resp.status_code == 401
    assert "You did not pass a valid token" in orjson.loads(data)["error"]["message"]


def test_replicate_image_prediction_is_polled(make_channel, vendor, gateway, monkeypatch):
    monkeypatch.setattr(Replicate, "poll_interval", 0.01)
    make_channel(type=46, base_url=vendor.url + "/v1/models/", key="k", models="black-forest-labs/flux-schnell")
    polls = {"n": 0}

    def handler(req):
        if req.method == "GET" and req.path == "/v1/predictions/img1":
            polls["n"] += 1
            if polls["n"] < 3:
                return json_reply(_prediction(vendor, "img1", "processing"))
            return json_reply(_prediction(vendor, "img1", "succeeded", ["https://r/1.webp", "https://r/2.webp"]))
        return json_reply(_prediction(vendor, "img1", "starting"), 201)

    vendor.handler = handler
    resp, data = gateway.post("/v1/images/generations", {"model": "black-forest-labs/flux-schnell", "prompt": "cat",
                                                         "n": 2, "size": "1792x1024"})
    assert resp.status_code == 200, data
    first = vendor.requests[0]
    assert first.json() == {"input": {"prompt": "cat", "num_outputs": 2, "aspect_ratio": "16:9"}}
    polled = [r for r in vendor.requests if r.method == "GET"]
    assert len(polled) == 3 and "Prefer" not in polled[0].headers and polled[0].headers["Authorization"] == "Bearer k"
    assert [d["url"] for d in orjson.loads(data)["data"]] == ["https://r/1.webp", "https://r/2.webp"]
    assert gateway.log(resp).quota == 3000  # $0.003 × 2 images
