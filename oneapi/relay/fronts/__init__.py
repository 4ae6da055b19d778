"""Front codecs: client wire formats <-> the hub (OpenAI Chat Completions dicts).

Hub conventions shared by every converter in ``oneapi.relay.fronts`` and the
native provider converters (``oneapi.providers.{anthropic,gemini,responses_api}``):

* Requests, responses and ``chat.completion.chunk`` stream chunks are plain dicts
  in the OpenAI Chat Completions shape.
* Reasoning text lives in ``message.reasoning_content`` / ``delta.reasoning_content``.
  An Anthropic thinking signature travels next to it as ``thinking_signature``
  (full string on a message, a fragment on a delta).
* ``usage`` follows OpenAI semantics: ``prompt_tokens`` INCLUDES cache reads and
  cache writes.  ``prompt_tokens_details.cached_tokens`` = cache reads,
  ``prompt_tokens_details.cache_creation_tokens`` = all cache writes (5m + 1h),
  ``prompt_tokens_details.cache_creation_1h_tokens`` = the 1h part of them,
  ``completion_tokens_details.reasoning_tokens`` = reasoning tokens.
* Stream decoders emit, after the finish chunk, one usage chunk
  (``choices: []`` + ``usage``) like OpenAI's ``include_usage``; an upstream
  stream error becomes a chunk ``{"error": {"message", "type", "code"}}`` which
  the stream encoders turn into their own error event.
* Images produced by a model appear as ``image_url`` content parts in a
  non-stream message and as markdown ``![image](data:...)`` text in streams.

* Gemini 3 thought signatures ride on hub tool calls as
  ``extra_content.google.thought_signature`` (Google's OpenAI-compatible shape).
* An Anthropic-style ``thinking`` object (``{"type": "enabled"|"adaptive"|"disabled",
  "budget_tokens"}``) is the hub's reasoning hint from the Claude front; native converters
  read it and ``rewrite_openai_request`` / ``chat_to_responses_request`` map it to an effort.

Modules: ``claude`` (request decode; re-exports ``claude_response`` and ``claude_stream``),
``responses`` (request decode, non-stream encode; re-exports ``responses_stream``),
``tool_names`` (tool-name sanitization for strict upstreams).
Everything here is pure: no Flask, no network, no clock, no randomness.
"""
from __future__ import annotations

import orjson

__all__ = ["ConversionError", "sse_event", "dumps", "text_of"]


class ConversionError(ValueError):
    """A client request that cannot be expressed in the target format (HTTP 400)."""

    def __init__(self, message: str, param: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status


def dumps(obj) -> bytes:
    return orjson.dumps(obj)


def sse_event(event: str, data: dict) -> bytes:
    """Encode one named SSE event: ``event: X\\ndata: {...}\\n\\n``."""
    return b"event: " + event.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


def text_of(content) -> str:
    """Plain text of a hub message content (string or list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    out = []
    for part in content:
        if isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text"):
            out.append(part.get("text") or "")
        elif isinstance(part, str):
            out.append(part)
    return "".join(out)
