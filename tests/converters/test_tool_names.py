"""Tool-name sanitization and restoration (reference relay §4.9)."""
from __future__ import annotations

import copy

from oneapi.relay.fronts.tool_names import (
    build_tool_name_map,
    fnv32a,
    restore_chunk_tool_names,
    restore_tool_names,
    sanitize_tool_names,
)

LONG = "mcp__claude_in_chrome__" + "x" * 60


def test_fnv32a_known_vectors():
    assert fnv32a("") == "811c9dc5"
    assert fnv32a("a") == "e40c292c"
    assert fnv32a("foobar") == "bf9cf968"


def test_valid_names_untouched_and_request_returned_as_is():
    req = {"model": "m", "tools": [{"type": "function", "function": {"name": "get_weather"}}], "messages": []}
    out, reverse = sanitize_tool_names(req)
    assert out is req and reverse == {}


def test_map_replaces_bad_chars_truncates_and_resolves_collisions():
    mapping = build_tool_name_map(["a.b", "a_b", "a:b", LONG])
    assert mapping["a.b"] == f"a_b_{fnv32a('a.b')}"  # "a_b" is already a real tool name
    assert mapping["a:b"] == f"a_b_{fnv32a('a:b')}"
    assert mapping[LONG] == LONG[:64]
    assert "a_b" not in mapping


def test_sanitize_everywhere_and_restore():
    req = {"model": "m",
           "tools": [{"type": "function", "function": {"name": "fs.read", "parameters": {}}},
                     {"type": "function", "function": {"name": LONG}}],
           "tool_choice": {"type": "function", "function": {"name": "fs.read"}},
           "messages": [{"role": "user", "content": "x"},
                        {"role": "assistant", "content": "", "tool_calls": [
                            {"id": "1", "type": "function", "function": {"name": LONG, "arguments": "{}"}}]},
                        {"role": "tool", "tool_call_id": "1", "name": LONG, "content": "ok"}]}
    before = copy.deepcopy(req)
    out, reverse = sanitize_tool_names(req)
    assert req == before
    assert [t["function"]["name"] for t in out["tools"]] == ["fs_read", LONG[:64]]
    assert out["tool_choice"]["function"]["name"] == "fs_read"
    assert out["messages"][1]["tool_calls"][0]["function"]["name"] == LONG[:64]
    assert out["messages"][2]["name"] == LONG[:64]
    assert reverse == {"fs_read": "fs.read", LONG[:64]: LONG}

    resp = {"choices": [{"index": 0, "message": {"role": "assistant", "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "fs_read", "arguments": "{}"}}]}}]}
    assert restore_tool_names(resp, reverse)["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "fs.read"
    chunk = {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"name": LONG[:64]}}]}}]}
    assert restore_chunk_tool_names(chunk, reverse)["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] == LONG
    args_only = {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{"}}]}}]}
    assert restore_chunk_tool_names(args_only, reverse) == args_only
