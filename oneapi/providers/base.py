"""Adapter interface (design-anchors D2/D3) and the Front protocol.

How a request flows through ``oneapi.relay.pipeline``::

    client bytes ──Front.decode_request──▶ hub request (OpenAI Chat Completions dict)
                 ──Adapter.convert_request──▶ PreparedRequest ──HTTP (pipeline/transport)──▶ upstream
    upstream JSON ──Adapter.convert_response──▶ hub response ──Front.encode_response──▶ client bytes
    upstream SSE  ──sse.SSEParser──▶ SSEEvent ──StreamDecoder.feed──▶ hub chunks
                 ──Front.encode_chunk──▶ client bytes ... Front.encode_done at the end
    upstream error ──Adapter.convert_error──▶ UpstreamErrorInfo ──Front.encode_error──▶ client

The pipeline (never the adapter) does HTTP, retries, timeouts, quota, logs and writing to the
client. Adapters and fronts are pure: no Flask, no DB, no network; time and ids come from
``ctx.now()`` / ``ctx.new_id()``.

**Passthrough rule** (pipeline.py): when ``front.format == adapter.native_format`` the pipeline
asks ``adapter.passthrough_request(ctx, body)``; if it says True (nothing to rewrite: no model
mapping, no system prompt, no usage injection ...) the client's raw bytes go upstream untouched.
On the response side, same format and ``front.passthrough_response(ctx)`` → upstream bytes (or
SSE ``data:`` payloads) are forwarded as they arrive and only *observed*
(``StreamDecoder.observe`` / ``Adapter.extract_usage``) for usage.

**Plugging in a front** (``/v1/messages``, ``/v1/responses``): implement :class:`Front` (see the
OpenAI one in ``oneapi.relay.front_openai``), then in a view::

    from oneapi.relay import pipeline
    return pipeline.relay(MyFront(), RelayMode.CLAUDE_MESSAGES)

``decode_request`` returns the hub request; ``prompt_tokens`` counts the prompt in the front's
own shape; ``encode_*`` turn hub objects into the client dialect. ``format`` is compared with
``adapter.native_format`` for passthrough (e.g. ``anthropic_messages`` front on an Anthropic
channel forwards the raw body; then ``Adapter.observe_*`` still reports usage).

**Plugging in a native adapter** (Anthropic, Gemini ...): subclass :class:`Adapter`, set
``channel_types``, ``native_format``, ``modes``; implement ``request_url``,
``request_headers``, ``convert_request`` (hub → vendor), ``convert_response`` (vendor → hub
with ``usage``), ``stream_decoder`` (vendor SSE event → hub chunks), ``convert_error``; decorate
with ``@register`` and add the module to ``oneapi.providers._MODULES``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import orjson

if TYPE_CHECKING:  # pragma: no cover
    from ..relay.context import RelayContext
    from ..relay.modes import RelayMode
    from ..relay.sse import SSEEvent


@dataclass(slots=True)
class PreparedRequest:
    """What the pipeline sends upstream. Exactly one of ``body`` / ``json`` / (``data``,
    ``files``) is used. ``url`` empty → ``adapter.request_url(ctx)``."""

    json: Any = None
    body: bytes | None = None
    data: Any = None
    files: Any = None
    method: str = "POST"
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    stream_format: str = "sse"   # how the upstream streams: "sse" or "ndjson"


@dataclass(slots=True)
class UpstreamErrorInfo:
    """An upstream failure in OpenAI error fields, plus routing hints."""

    status: int
    message: str
    type: str = "upstream_error"
    code: Any = None
    param: Any = None
    raw: dict | None = None       # the upstream's own ``error`` object when it had one

    def openai_error(self) -> dict:
        if self.raw is not None:
            return dict(self.raw)
        return {"message": self.message, "type": self.type, "param": self.param, "code": self.code}


class StreamDecoder:
    """Stateful, one per upstream stream. ``feed`` turns one upstream event into 0..n hub
    chunks (``chat.completion.chunk`` dicts, a usage chunk with ``choices: []`` at the end,
    ``{"error": {...}}`` for an in-stream error). ``usage()`` returns the usage seen so far
    (OpenAI semantics) or None. ``text()`` returns completion text delivered so far (content +
    reasoning), used to count tokens when the upstream reports no usage.

    ``observe(event)`` is the passthrough variant: inspect an event that will be forwarded
    verbatim, return True when it is the end-of-stream marker.
    """

    def feed(self, event: "SSEEvent") -> list[dict]:
        raise NotImplementedError

    def observe(self, event: "SSEEvent") -> bool:
        self.feed(event)
        return False

    def observe_block(self, block: bytes) -> None:
        """Passthrough of a chunk of whole ``data:`` events (``sse.is_plain_data_block``)."""
        from ..relay.sse import SSEEvent, plain_block_payloads

        for payload in plain_block_payloads(block):
            self.observe(SSEEvent(payload))

    def usage(self) -> dict | None:
        raise NotImplementedError

    def text(self) -> str:
        return ""


class Adapter:
    """Converts between the hub and one vendor wire format. Stateless; one instance per class."""

    channel_types: ClassVar[tuple[int, ...]] = ()
    native_format: ClassVar[str] = "openai_chat"
    modes: ClassVar[frozenset] = frozenset()
    slug: ClassVar[str] = ""

    # -- request side
    def request_url(self, ctx: "RelayContext") -> str:
        raise NotImplementedError

    def request_headers(self, ctx: "RelayContext") -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx.api_key}"}

    def passthrough_request(self, ctx: "RelayContext", body: dict) -> bool:
        """True when the client's raw bytes can be sent as they are (same format only)."""
        return False

    def convert_request(self, ctx: "RelayContext", body: dict) -> PreparedRequest:
        raise NotImplementedError

    def sign(self, ctx: "RelayContext", prepared: PreparedRequest) -> PreparedRequest:
        return prepared

    # -- response side
    def convert_response(self, ctx: "RelayContext", body: dict) -> dict:
        """Vendor JSON → hub response (``usage`` in OpenAI semantics)."""
        raise NotImplementedError

    def extract_usage(self, ctx: "RelayContext", body: dict) -> dict | None:
        """Usage of a response that is forwarded verbatim (passthrough)."""
        usage = body.get("usage") if isinstance(body, dict) else None
        return usage if isinstance(usage, dict) else None

    def stream_decoder(self, ctx: "RelayContext") -> StreamDecoder:
        raise NotImplementedError

    def is_stream_response(self, content_type: str) -> bool:
        return "text/event-stream" in content_type or "ndjson" in content_type

    def convert_error(self, ctx: "RelayContext", status: int, body: bytes) -> UpstreamErrorInfo:
        return parse_openai_error(status, body)

    def retry_request(self, ctx: "RelayContext", status: int, body: bytes,
                      prepared: PreparedRequest) -> PreparedRequest | None:
        """After a non-2xx answer (``body`` = the upstream error bytes), a corrected request to
        send once more to the *same* channel before any failure handling, or None. Used for
        vendor quirks with a known fix (Anthropic "Invalid signature in thinking block" →
        resend without thinking blocks). Implementations must make sure they answer at most
        once per request (e.g. a flag in ``ctx.extra``)."""
        return None

    # -- front formats (``/v1/messages``, ``/v1/responses``) on chat adapters
    def serves(self, mode) -> bool:
        """True when this adapter can serve ``mode``: declared, or a hub front (Claude
        Messages / Response API) carried as a chat request by a chat adapter."""
        from ..relay.modes import RelayMode

        return mode in self.modes or (mode in (RelayMode.CLAUDE_MESSAGES, RelayMode.RESPONSE_API)
                                      and RelayMode.CHAT in self.modes)

    def for_request(self, ctx: "RelayContext") -> "Adapter":
        """The adapter that actually serves this request (bound once per attempt)."""
        if ctx.mode in self.modes:
            return self
        from .chat_mode import ChatModeAdapter

        return ChatModeAdapter(self)


def parse_openai_error(status: int, body: bytes) -> UpstreamErrorInfo:
    """Reference relay §2.9: pass an upstream ``error`` object through, else dig a message."""
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        text = body[:500].decode("utf-8", "replace")
        return UpstreamErrorInfo(status, f"bad response status code {status}: {text}" if text
                                 else f"bad response status code {status}",
                                 code="bad_response_status_code", param=str(status))
    if isinstance(data, dict):
        err = data.get("error")
        if isinstance(err, dict) and err.get("message"):
            return UpstreamErrorInfo(status, str(err.get("message")), type=err.get("type") or "upstream_error",
                                     code=err.get("code"), param=err.get("param"),
                                     raw={"message": err.get("message"), "type": err.get("type") or "upstream_error",
                                          "param": err.get("param"), "code": err.get("code")})
        for key in ("message", "msg", "err", "error_msg"):
            if isinstance(data.get(key), str) and data[key]:
                return UpstreamErrorInfo(status, data[key], code="bad_response_status_code", param=str(status))
        if isinstance(err, str) and err:
            return UpstreamErrorInfo(status, err, code="bad_response_status_code", param=str(status))
    text = body[:500].decode("utf-8", "replace") if body else ""
    return UpstreamErrorInfo(status, f"bad response status code {status}" + (f": {text}" if text else ""),
                             code="bad_response_status_code", param=str(status))


class Front(Protocol):
    """A client wire format (``/v1/chat/completions`` etc. use the OpenAI front)."""

    format: str

    def decode_request(self, ctx: "RelayContext", body: dict) -> dict:
        """Client body → hub request (may raise ``oneapi.errors.InvalidRequest``)."""

    def model_of(self, body: dict) -> str:
        """The model named by the client body."""

    def is_stream(self, body: dict) -> bool:
        """Whether the client asked for a stream."""

    def prompt_tokens(self, ctx: "RelayContext", body: dict) -> int:
        """Prompt-token estimate of the client body (for pre-consume and fallback usage)."""

    def max_tokens(self, body: dict) -> int:
        """Requested completion budget (0 when none), for the pre-consume estimate."""

    def passthrough_response(self, ctx: "RelayContext") -> bool:
        """True when upstream bytes of the same format may be forwarded untouched."""

    def encode_response(self, ctx: "RelayContext", hub: dict) -> bytes:
        """Hub response → client JSON bytes."""

    def encode_chunk(self, ctx: "RelayContext", chunk: dict) -> bytes:
        """Hub chunk → client SSE bytes (may be b"")."""

    def encode_done(self, ctx: "RelayContext", usage: dict | None) -> bytes:
        """Bytes that end a successful stream (``data: [DONE]`` for OpenAI)."""

    def encode_error(self, ctx: "RelayContext", status: int, error: dict) -> bytes:
        """OpenAI error fields → client error body (non-stream)."""

    def encode_stream_error(self, ctx: "RelayContext", error: dict) -> bytes:
        """An error that happens after the stream started."""
