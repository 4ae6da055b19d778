"""OpenAI Responses front codec: table-driven fixtures and request errors."""
from __future__ import annotations

import copy

import pytest

from oneapi.relay.fronts import ConversionError
from oneapi.relay.fronts.responses import chat_to_responses_response, responses_to_chat_request
from tests.converters.conftest import Ids, load_cases


@pytest.mark.parametrize("case", load_cases("responses_request"))
def test_responses_request(case):
    body = copy.deepcopy(case["input"])
    assert responses_to_chat_request(body) == case["expected"]
    assert body == case["input"]


@pytest.mark.parametrize("case", load_cases("responses_response"))
def test_responses_response(case):
    assert chat_to_responses_response(case["input"], case["request"], case["now"], Ids()) == case["expected"]


@pytest.mark.parametrize("body,param,message", [
    ({"previous_response_id": "resp_1"}, "previous_response_id",
     "previous_response_id is not supported: this gateway keeps no response state"),
    ({"prompt": {"id": "pmpt_1"}}, "prompt", "prompt templates are not supported for this channel"),
    ({"background": True}, "background", "background mode is not supported for this channel"),
    ({"conversation": "conv_1"}, "conversation",
     "conversation is not supported: this gateway keeps no response state"),
])
def test_stateful_features_rejected(body, param, message):
    with pytest.raises(ConversionError) as info:
        responses_to_chat_request({"model": "m", "input": "x", **body})
    assert info.value.param == param and info.value.message == message and info.value.status == 400


def test_store_true_is_ignored():
    assert "store" not in responses_to_chat_request({"model": "m", "input": "x", "store": True})


@pytest.mark.parametrize("body,param", [
    ({"model": "m", "input": 5}, "input"),
    ({"model": "m", "input": ["x"]}, "input[0]"),
    ({"model": "m", "input": "x", "tools": "t"}, "tools"),
])
def test_malformed_requests_raise_conversion_error(body, param):
    with pytest.raises(ConversionError) as info:
        responses_to_chat_request(body)
    assert info.value.param == param
