"""Reasoning / thinking transforms (reference relay §5)."""
from __future__ import annotations

import copy

import pytest

from oneapi.relay.reasoning import (
    apply_reasoning_format,
    apply_thinking_param,
    is_reasoning_model,
    normalize_effort,
    parse_reasoning_format,
    parse_thinking_param,
    rewrite_openai_request,
)


@pytest.mark.parametrize("value,expected", [
    ("reasoning_content", "reasoning_content"), ("Reasoning", "reasoning"), ("thinking", "thinking"),
    ("think-tag", None), ("", None), (None, None)])
def test_parse_reasoning_format(value, expected):
    assert parse_reasoning_format(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("1", True), ("TRUE", True), ("yes", True), ("on", True), ("0", False), ("false", False), ("no", False),
    ("off", False), ("maybe", None), (None, None)])
def test_parse_thinking_param(value, expected):
    assert parse_thinking_param(value) == expected


@pytest.mark.parametrize("message,fmt,expected", [
    ({"role": "assistant", "content": "a", "reasoning_content": "r"}, "reasoning",
     {"role": "assistant", "content": "a", "reasoning": "r"}),
    ({"content": "a", "reasoning_content": "r"}, "thinking", {"content": "a", "thinking": "r"}),
    ({"reasoning": "r", "reasoning_content": "other"}, "reasoning_content", {"reasoning_content": "r"}),
    ({"reasoning_content": "r"}, "reasoning_content", {"reasoning_content": "r"}),
    ({"content": "a", "reasoning_content": "r"}, None, {"content": "a", "reasoning_content": "r"}),
    ({"content": "a", "reasoning_content": "r"}, "bogus", {"content": "a", "reasoning_content": "r"}),
    ({"content": "a"}, "thinking", {"content": "a"}),
    ({"reasoning_content": ""}, "reasoning", {"reasoning": ""}),
])
def test_apply_reasoning_format(message, fmt, expected):
    before = copy.deepcopy(message)
    assert apply_reasoning_format(message, fmt) == expected
    assert message == before


@pytest.mark.parametrize("model,expected", [
    ("o1", True), ("o3-mini", True), ("o4-mini-deep-research", True), ("gpt-5", True), ("gpt-5.1", True),
    ("gpt-6-mini", True), ("openai/gpt-5", True), ("gpt-5-chat-latest", False), ("gpt-4o", False),
    ("omni-moderation-latest", False), ("claude-opus-4-1", False)])
def test_is_reasoning_model(model, expected):
    assert is_reasoning_model(model) is expected


@pytest.mark.parametrize("model,effort,expected", [
    ("o3", "high", "high"), ("o3", "minimal", "medium"), ("gpt-5", "minimal", "minimal"),
    ("gpt-5", "xhigh", "xhigh"), ("gpt-5", "bogus", "medium"), ("gpt-5", None, "medium"),
    ("o3-deep-research", "high", "medium"), ("gpt-5-chat-latest", "low", "medium"),
    ("deepseek-v4-pro", "xhigh", "max"), ("grok-4", "minimal", "medium")])
def test_normalize_effort(model, effort, expected):
    assert normalize_effort(model, effort) == expected


BASE = {"model": "m", "messages": [{"role": "user", "content": "x"}]}


@pytest.mark.parametrize("model,enabled,query_effort,req_extra,expected_extra", [
    ("gpt-5", True, None, {}, {"reasoning_effort": "high"}),
    ("o3", True, None, {}, {"reasoning_effort": "medium"}),
    ("o3-deep-research", True, None, {}, {"reasoning_effort": "medium"}),
    ("gpt-5", True, "low", {}, {"reasoning_effort": "low"}),
    ("gpt-5", True, "low", {"reasoning_effort": "minimal"}, {"reasoning_effort": "minimal"}),
    ("grok-4", True, None, {}, {"reasoning_effort": "high"}),
    ("deepseek-v4-pro", True, "xhigh", {}, {"reasoning_effort": "max", "thinking": {"type": "enabled"}}),
    ("deepseek-r1", None, None, {}, {"reasoning_effort": "high", "thinking": {"type": "enabled"}}),
    ("deepseek-r1", False, None, {}, {}),
    ("gpt-4o", True, None, {}, {}),
    ("gpt-5", False, None, {}, {}),
    ("gpt-5", None, None, {}, {}),
    ("claude-sonnet-4-5", True, None, {}, {"thinking": {"type": "enabled", "budget_tokens": 1024}}),
    ("Qwen/Qwen3-32B", False, None, {}, {"extra_body": {"chat_template_kwargs": {"enable_thinking": False}}}),
    ("qwen3-8b", True, None, {"extra_body": {"chat_template_kwargs": {"enable_thinking": False}}},
     {"extra_body": {"chat_template_kwargs": {"enable_thinking": False}}}),
])
def test_apply_thinking_param(model, enabled, query_effort, req_extra, expected_extra):
    req = {**BASE, "model": model, **copy.deepcopy(req_extra)}
    before = copy.deepcopy(req)
    assert apply_thinking_param(req, enabled, model, query_effort) == {**BASE, "model": model, **expected_extra}
    assert req == before


def test_rewrite_reasoning_model():
    req = {"model": "o3", "max_tokens": 500, "temperature": 0.2, "top_p": 0.9, "stream": True,
           "messages": [{"role": "system", "content": "S"}, {"role": "developer", "content": "D"},
                        {"role": "user", "content": "U"}]}
    assert rewrite_openai_request(req) == {
        "model": "o3", "max_completion_tokens": 500, "stream": True, "stream_options": {"include_usage": True},
        "reasoning_effort": "medium",
        "messages": [{"role": "developer", "content": "S"}, {"role": "developer", "content": "D"},
                     {"role": "user", "content": "U"}]}
    assert req["max_tokens"] == 500, "input must not be mutated"


def test_rewrite_thinking_budget_becomes_effort():
    out = rewrite_openai_request({**BASE, "model": "gpt-5", "thinking": {"type": "enabled", "budget_tokens": 20000}})
    assert out == {**BASE, "model": "gpt-5", "reasoning_effort": "high"}


def test_rewrite_non_reasoning_gpt_drops_reasoning_fields():
    out = rewrite_openai_request({**BASE, "model": "gpt-5-chat-latest", "temperature": 0.5, "reasoning_effort": "low",
                                  "thinking": {"type": "enabled"}, "max_completion_tokens": 10, "max_tokens": 99})
    assert out == {**BASE, "model": "gpt-5-chat-latest", "temperature": 0.5, "max_completion_tokens": 10}


def test_rewrite_keeps_effort_for_other_vendors_and_respects_flags():
    out = rewrite_openai_request({**BASE, "model": "grok-4", "reasoning_effort": "low", "stream": True},
                                 enforce_include_usage=False, default_max_tokens=2048)
    assert out == {**BASE, "model": "grok-4", "reasoning_effort": "low", "stream": True, "max_tokens": 2048}
    kept = rewrite_openai_request({**BASE, "model": "deepseek-chat", "max_tokens": 100}, default_max_tokens=2048)
    assert kept == {**BASE, "model": "deepseek-chat", "max_tokens": 100}
    filled = rewrite_openai_request({**BASE, "model": "o3"}, default_max_tokens=2048)
    assert filled["max_completion_tokens"] == 2048 and "max_tokens" not in filled


def test_rewrite_web_search_model():
    out = rewrite_openai_request({**BASE, "model": "gpt-4o-search-preview", "temperature": 1, "top_p": 1, "n": 1,
                                  "presence_penalty": 0, "frequency_penalty": 0, "web_search_options": {}})
    assert out == {**BASE, "model": "gpt-4o-search-preview", "web_search_options": {}}


def test_rewrite_deep_research_on_responses_path_gets_web_search():
    out = rewrite_openai_request({**BASE, "model": "o3-deep-research"}, to_responses_api=True)
    assert out["web_search_options"] == {} and out["reasoning_effort"] == "medium"


def test_rewrite_deepseek_r1_thinking_on_by_default():
    assert rewrite_openai_request({**BASE, "model": "deepseek-r1"})["thinking"] == {"type": "enabled"}
    off = rewrite_openai_request({**BASE, "model": "deepseek-reasoner", "thinking": {"type": "disabled"}})
    assert off["thinking"] == {"type": "disabled"}
