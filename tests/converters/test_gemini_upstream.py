"""Native Gemini upstream converters: table-driven fixtures, image hook, errors."""
from __future__ import annotations

import copy

import pytest

from oneapi.providers.gemini.convert import chat_to_gemini_request, gemini_error_to_openai, gemini_to_chat_response
from oneapi.providers.gemini.stream import GeminiStreamDecoder
from tests.converters.conftest import Ids, load_cases


@pytest.mark.parametrize("case", load_cases("gemini_request"))
def test_gemini_request(case):
    req = copy.deepcopy(case["input"])
    assert chat_to_gemini_request(req, "BLOCK_NONE") == case["expected"]
    assert req == case["input"]


@pytest.mark.parametrize("case", load_cases("gemini_response"))
def test_gemini_response(case):
    assert gemini_to_chat_response(case["input"], case["model"], case["now"], Ids()) == case["expected"]


@pytest.mark.parametrize("case", load_cases("gemini_stream"))
def test_gemini_stream(case):
    dec = GeminiStreamDecoder(case["model"], case["now"], Ids())
    chunks = []
    for data in case["chunks"]:
        chunks += dec.feed(data)
    assert chunks == case["expected"]
    assert dec.usage() == case["usage"]


def test_remote_image_uses_fetch_hook():
    seen = []

    def fetch(url):
        seen.append(url)
        return "image/jpeg", "QkFTRTY0"

    req = {"model": "gemini-2.5-flash", "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/x.jpg"}}]}]}
    out = chat_to_gemini_request(req, "BLOCK_ONLY_HIGH", fetch_image=fetch)
    assert seen == ["https://example.com/x.jpg"]
    assert out["contents"][0]["parts"] == [{"inlineData": {"mimeType": "image/jpeg", "data": "QkFTRTY0"}}]
    assert {s["threshold"] for s in out["safetySettings"]} == {"BLOCK_ONLY_HIGH"}


def test_stream_error_object():
    dec = GeminiStreamDecoder("g", 1, Ids())
    assert dec.feed({"error": {"code": 429, "message": "Resource exhausted", "status": "RESOURCE_EXHAUSTED"}}) == [
        {"error": {"message": "Resource exhausted", "type": "RESOURCE_EXHAUSTED", "code": 429}}]
    assert dec.usage() is None


@pytest.mark.parametrize("status,body,expected", [
    (400, {"error": {"code": 400, "message": "API key not valid", "status": "INVALID_ARGUMENT"}},
     {"message": "API key not valid", "type": "INVALID_ARGUMENT", "param": None, "code": 400}),
    (503, "unavailable", {"message": "unavailable", "type": "upstream_error", "param": None, "code": 503}),
])
def test_error_mapping(status, body, expected):
    assert gemini_error_to_openai(status, body) == expected


@pytest.mark.parametrize("model,expected", [
    ("gemini-3-pro-preview", [{"functionCall": {"name": "a", "args": {}}, "thoughtSignature": "skip_thought_signature_validator"},
                              {"functionCall": {"name": "b", "args": {}}}]),
    ("gemini-2.5-pro", [{"functionCall": {"name": "a", "args": {}}}, {"functionCall": {"name": "b", "args": {}}}]),
])
def test_gemini3_history_without_signature_gets_documented_dummy(model, expected):
    req = {"model": model, "messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "1", "type": "function", "function": {"name": "a", "arguments": "{}"}},
            {"id": "2", "type": "function", "function": {"name": "b", "arguments": "{}"}}]}]}
    assert chat_to_gemini_request(req)["contents"][1]["parts"] == expected


def test_stream_without_usage_metadata_emits_no_usage_chunk():
    dec = GeminiStreamDecoder("g", 1, Ids())
    chunks = dec.feed({"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "STOP"}]})
    assert [c["choices"][0]["finish_reason"] for c in chunks] == ["stop"]
    assert dec.usage() is None
