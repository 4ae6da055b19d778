"""Helpers shared by the native vendor adapters (hub chunks, usage dicts, stream error
chunks, JSON event bodies, cached access tokens, the base of the native stream decoders).

Everything here is pure except :class:`TokenCache`, which only holds tokens in memory; the
clock is always the caller's (``time.time()`` or ``ctx.now()``).
"""
from __future__ import annotations

import threading
from typing import Any

import orjson

from .base import StreamDecoder


def chat_chunk(id: str, created: int, model: str, delta: dict, finish=None, index: int = 0) -> dict:
    """One hub ``chat.completion.chunk`` with a single choice."""
    return {"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}


def usage_chunk(id: str, created: int, model: str, usage: dict) -> dict:
    """The hub usage chunk that ends a stream (``choices: []``)."""
    return {"id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [], "usage": usage}


def error_chunk(message: str, code: Any = None) -> dict:
    """An in-stream upstream error (``StreamDecoder.feed`` output)."""
    return {"error": {"message": message, "type": "upstream_error", "param": None, "code": code}}


def token_usage(prompt, completion, total=None) -> dict:
    """OpenAI usage from vendor token counts (``None`` counts as 0; total defaults to the sum)."""
    prompt, completion = int(prompt or 0), int(completion or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": int(total or prompt + completion)}


def json_object(data) -> dict | None:
    """``data`` (an event payload) parsed as a JSON object; None when it is not one."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def json_body(body: bytes):
    """An upstream error body parsed as JSON (any type); None when empty or not JSON."""
    try:
        return orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None


def content_text(content) -> str:
    """The text of an OpenAI message ``content``: a string, or the text parts joined by newlines."""
    if isinstance(content, list):
        return "\n".join(str(p.get("text") or "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content if isinstance(content, str) else ""


def collect_text(chunk: dict, pieces: list[str], keys=("reasoning_content", "content")) -> None:
    """Append the completion text of a hub chunk (``keys`` of each delta in that order, then
    tool-call arguments) to ``pieces``, for token counting."""
    for choice in chunk.get("choices") or ():
        delta = choice.get("delta") or {}
        for key in keys:
            if isinstance(delta.get(key), str):
                pieces.append(delta[key])
        for call in delta.get("tool_calls") or ():
            args = (call.get("function") or {}).get("arguments")
            if isinstance(args, str):
                pieces.append(args)


class TokenCache:
    """Access tokens by key, each valid while its expiry is later than the caller's ``now``."""

    def __init__(self):
        self._items: dict[Any, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key, now: float) -> str | None:
        item = self._items.get(key)
        return item[0] if item and item[1] > now else None

    def put(self, key, token: str, expires_at: float) -> None:
        with self._lock:
            self._items[key] = (token, expires_at)

    def drop(self, key) -> None:
        with self._lock:
            self._items.pop(key, None)


class VendorStreamDecoder(StreamDecoder):
    """Base of the native stream decoders: ``_usage`` is the usage seen so far, ``_parts`` the
    completion text delivered so far; ``_chunk`` / ``_end`` build hub chunks with ``id`` and
    ``created`` (``created`` None: ``ctx.now()`` at each chunk)."""

    def __init__(self, ctx, id: str = "", created: int | None = None):
        self.ctx = ctx
        self.id = id
        self.created = created
        self._usage: dict | None = None
        self._parts: list[str] = []

    def _created(self) -> int:
        return self.ctx.now() if self.created is None else self.created

    def _chunk(self, delta: dict, finish=None, index: int = 0) -> dict:
        return chat_chunk(self.id, self._created(), self.ctx.origin_model, delta, finish, index)

    def _end(self, finish: str) -> list[dict]:
        """The finish chunk, then the usage chunk when usage is known."""
        out = [self._chunk({}, finish)]
        if self._usage:
            out.append(usage_chunk(self.id, self._created(), self.ctx.origin_model, self._usage))
        return out

    def usage(self) -> dict | None:
        return self._usage

    def text(self) -> str:
        return "".join(self._parts)


def endpoint_override(ctx, name: str | None) -> str | None:
    """The channel config's ``endpoint_urls[name]`` (a per-endpoint upstream URL), if set."""
    override = ctx.config.get("endpoint_urls") if isinstance(ctx.config, dict) else None
    if isinstance(override, dict) and name and override.get(name):
        return str(override[name])
    return None
