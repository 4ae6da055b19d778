"""API-format auto-detection (reference relay §2.16, one-api ``middleware/api_format_detect.go``).

Clients sometimes post a body to the wrong chat endpoint: a Response-API body to
``/v1/chat/completions``, a Claude Messages body (tool_use blocks ...) to
``/v1/chat/completions`` or ``/v1/responses``. With ``AUTO_DETECT_API_FORMAT`` (default true)
the three chat views probe the body first and, on a mismatch with the path's own format,
either serve the request with the right front (``AUTO_DETECT_API_FORMAT_ACTION=transparent``,
the default) or answer ``302`` to the right path, query string preserved (``redirect``).

The probe is conservative, exactly as the reference:

* **Response API** when ``messages`` is absent and any of: ``input``; ``max_output_tokens``;
  ``instructions``; ``previous_response_id``; a non-null ``conversation``; ``prompt`` is a JSON
  object.
* **Claude Messages** when ``messages`` is present and any message's content array holds a
  block of type ``tool_use``, ``tool_result`` or ``thinking``; or any tool has ``name`` +
  ``input_schema`` (or ``function.input_schema``).
* Otherwise unknown: no action (plain ``messages`` bodies are ambiguous).

A body that is not a JSON object is left to the path's own view (which reports the error).
The detected format is kept in ``flask.g.api_format_detected`` (and the WSGI environ) for
logs and metrics.
"""
from __future__ import annotations

import re
from typing import Callable

import orjson
from flask import Response, current_app, g, request

FORMAT_CHAT = "chat_completions"
FORMAT_RESPONSES = "response_api"
FORMAT_CLAUDE = "claude_messages"

TARGET_PATHS = {FORMAT_CHAT: "/v1/chat/completions", FORMAT_RESPONSES: "/v1/responses",
                FORMAT_CLAUDE: "/v1/messages"}
ACTIONS = ("transparent", "redirect")
ENVIRON_KEY = "oneapi.api_format_detected"

_CLAUDE_BLOCKS = frozenset(("tool_use", "tool_result", "thinking"))
_RESPONSES_KEYS = ("input", "max_output_tokens", "instructions", "previous_response_id")
# Byte markers without which neither rule can match (each rule needs one of these keys or
# block types literally in the JSON): the common OpenAI chat request skips the second parse.
_MARKERS = (b"tool_use", b"tool_result", b"thinking", b"input_schema", b'"input"', b'"max_output_tokens"',
            b'"instructions"', b'"previous_response_id"', b'"conversation"', b'"prompt"')
_MARKER_RE = re.compile(b"|".join(re.escape(m) for m in _MARKERS))  # one scan of the body


def detect(body) -> str | None:
    """The API format ``body`` unmistakably belongs to, or None (unknown / ambiguous)."""
    if not isinstance(body, dict):
        return None
    if "messages" not in body:
        if any(key in body for key in _RESPONSES_KEYS):
            return FORMAT_RESPONSES
        if body.get("conversation") is not None:
            return FORMAT_RESPONSES
        if isinstance(body.get("prompt"), dict):
            return FORMAT_RESPONSES
        return None
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in messages:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, list):
                for block in content:
                    if isinstance(block, dict) and block.get("type") in _CLAUDE_BLOCKS:
                        return FORMAT_CLAUDE
    tools = body.get("tools")
    if isinstance(tools, list):
        for tool in tools:
            if not isinstance(tool, dict):
                continue
            if tool.get("name") and "input_schema" in tool:
                return FORMAT_CLAUDE
            function = tool.get("function")
            if isinstance(function, dict) and "input_schema" in function:
                return FORMAT_CLAUDE
    return None


def detect_raw(raw: bytes) -> str | None:
    """:func:`detect` on the raw request bytes, with a cheap pre-check for plain chat bodies."""
    if not raw:
        return None
    if _MARKER_RE.search(raw) is None:
        return None  # an ordinary chat body: nothing either rule could match
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return detect(body)


def _settings():
    return current_app.config["SETTINGS"]


def redirect_location(target: str) -> str:
    query = request.query_string.decode("latin-1")
    return target + ("?" + query if query else "")


def dispatch(expected: str, handlers: dict[str, Callable[[], Response]]) -> Response | None:
    """Probe the current request for a view whose path expects ``expected``.

    Returns None when the request should be served by that view itself (detection off, format
    unknown or matching). Otherwise the response of the right front (transparent) or a 302.
    ``handlers`` maps a format to a callable serving it in the current request context.
    """
    settings = _settings()
    if not getattr(settings, "auto_detect_api_format", True):
        return None
    raw = request.get_data(cache=True)  # cached: the pipeline reads the same bytes again
    detected = detect_raw(raw)
    if detected is None:
        return None
    g.api_format_detected = detected
    request.environ[ENVIRON_KEY] = detected
    if detected == expected or detected not in handlers:
        return None
    target = TARGET_PATHS[detected]
    if getattr(settings, "auto_detect_api_format_action", "transparent") == "redirect":
        return Response(b"", status=302, headers={"Location": redirect_location(target)})
    g.api_format_rerouted = (request.path, target)
    return handlers[detected]()
