"""Tool-name sanitization for strict upstreams (reference relay §4.9). Pure functions.

OpenAI-format upstreams accept function names matching ``^[A-Za-z0-9_-]{1,64}$``; Anthropic
clients (Claude Code MCP tools) may send longer names or other characters.  Before a hub
request goes upstream, ``sanitize_tool_names`` rewrites every tool name (tools, tool_choice,
historic tool_calls, tool message ``name``): characters outside ``[A-Za-z0-9_-]`` become
``_``, names are cut to 64 characters, and a collision gets ``_`` + the 8-hex FNV-32a of
the original name.  The returned map (sanitized -> original) restores names in the
response (``restore_tool_names``) and in every stream chunk (``restore_chunk_tool_names``).
"""
from __future__ import annotations

import re

MAX_LEN = 64
_BAD = re.compile(r"[^A-Za-z0-9_-]")


def fnv32a(text: str) -> str:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


def _clean(name: str) -> str:
    return _BAD.sub("_", name)[:MAX_LEN] or "_"


def _names(req: dict) -> list[str]:
    names = []
    for tool in req.get("tools") or []:
        if isinstance(tool.get("function"), dict):
            names.append(tool["function"].get("name") or "")
    for msg in req.get("messages") or []:
        for call in msg.get("tool_calls") or []:
            names.append((call.get("function") or {}).get("name") or "")
        if msg.get("role") in ("tool", "function") and msg.get("name"):
            names.append(msg["name"])
    choice = req.get("tool_choice")
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        names.append(choice["function"].get("name") or "")
    return names


def build_tool_name_map(names: list[str]) -> dict[str, str]:
    """original -> sanitized for every name that needs a change (empty when none does)."""
    mapping: dict[str, str] = {}
    used = {n for n in names if _clean(n) == n}
    for name in dict.fromkeys(names):
        if name in mapping or _clean(name) == name:
            continue
        safe = _clean(name)
        if safe in used:
            safe = f"{safe[:MAX_LEN - 9]}_{fnv32a(name)}"
        used.add(safe)
        mapping[name] = safe
    return mapping


def _rename_fn(fn: dict, mapping: dict[str, str]) -> dict:
    return {**fn, "name": mapping[fn["name"]]} if fn.get("name") in mapping else fn


def sanitize_tool_names(req: dict) -> tuple[dict, dict[str, str]]:
    """Returns (request with safe names, sanitized -> original map). Input is not mutated."""
    mapping = build_tool_name_map(_names(req))
    if not mapping:
        return req, {}
    out = dict(req)
    if req.get("tools"):
        out["tools"] = [{**t, "function": _rename_fn(t["function"], mapping)} if isinstance(t.get("function"), dict)
                        else t for t in req["tools"]]
    choice = req.get("tool_choice")
    if isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        out["tool_choice"] = {**choice, "function": _rename_fn(choice["function"], mapping)}
    messages = []
    for msg in req.get("messages") or []:
        if msg.get("tool_calls"):
            msg = {**msg, "tool_calls": [{**c, "function": _rename_fn(c.get("function") or {}, mapping)}
                                         for c in msg["tool_calls"]]}
        if msg.get("role") in ("tool", "function") and msg.get("name") in mapping:
            msg = {**msg, "name": mapping[msg["name"]]}
        messages.append(msg)
    if "messages" in req:
        out["messages"] = messages
    return out, {safe: original for original, safe in mapping.items()}


def _restore_calls(calls: list[dict], reverse: dict[str, str]) -> list[dict]:
    out = []
    for call in calls:
        fn = call.get("function")
        if isinstance(fn, dict) and fn.get("name") in reverse:
            call = {**call, "function": {**fn, "name": reverse[fn["name"]]}}
        out.append(call)
    return out


def _restore(obj: dict, key: str, reverse: dict[str, str]) -> dict:
    if not reverse or not obj.get("choices"):
        return obj
    choices = []
    for choice in obj["choices"]:
        part = choice.get(key)
        if isinstance(part, dict) and part.get("tool_calls"):
            choice = {**choice, key: {**part, "tool_calls": _restore_calls(part["tool_calls"], reverse)}}
        choices.append(choice)
    return {**obj, "choices": choices}


def restore_tool_names(resp: dict, reverse: dict[str, str]) -> dict:
    """Put the client's original tool names back into a hub chat completion."""
    return _restore(resp, "message", reverse)


def restore_chunk_tool_names(chunk: dict, reverse: dict[str, str]) -> dict:
    """Put the client's original tool names back into a hub stream chunk."""
    return _restore(chunk, "delta", reverse)
