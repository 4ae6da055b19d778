"""Upstream OpenAI Response API (``POST <base>/v1/responses``) on OpenAI-wire channels.

Not registered by channel type: ``OpenAICompatible.for_request`` hands a request to
:data:`RESPONSES` when :func:`speaks_responses` says the channel takes it there —

* ``/v1/responses`` callers on channels that speak the Response API natively: the official
  OpenAI API (type 1 with an empty or ``api.openai.com`` base URL), xAI, or any OpenAI-wire
  channel whose config says ``api_format: "response"``. Their body passes through.
* ``/v1/chat/completions`` and ``/v1/messages`` callers on channels configured with
  ``api_format: "response"``: converted hub → Response API and back.

Chat-only models (``-search-`` / ``-audio-`` gpt models) always stay on chat completions.
"""
from __future__ import annotations

from ...channel_types import ChannelType
from ...relay.context import FORMAT_RESPONSES, RelayContext
from ...relay.modes import RelayMode
from ...relay.sse import SSEEvent
from ..base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo, parse_openai_error
from ..common import collect_text, endpoint_override, json_object
from .convert import chat_to_responses_request, responses_to_chat_response, responses_usage_to_chat
from .stream import ResponsesStreamDecoder

try:
    from ...relay.reasoning import apply_thinking_param, normalize_effort, rewrite_openai_request
except ImportError:  # pragma: no cover
    apply_thinking_param = rewrite_openai_request = normalize_effort = None

EXTRA_BODY = "responses_body"   # written by the Responses front
HUB_MODES = (RelayMode.CHAT, RelayMode.CLAUDE_MESSAGES, RelayMode.RESPONSE_API)


def _chat_only_model(model: str) -> bool:
    name = model.lower()
    return name.startswith("gpt") and ("-search" in name or "-audio" in name)


def speaks_responses(ctx: RelayContext) -> bool:
    """Should this request go to the channel's Response API?"""
    if ctx.mode not in HUB_MODES or _chat_only_model(ctx.actual_model):
        return False
    config = ctx.config if isinstance(ctx.config, dict) else {}
    api_format = str(config.get("api_format") or "").strip().lower()
    if api_format == "response":
        return True
    if ctx.mode != RelayMode.RESPONSE_API or api_format == "chat_completion":
        return False
    if ctx.channel_type == ChannelType.OPENAI:
        base = (ctx.base_url or "").lower()
        return not base or "api.openai.com" in base
    return ctx.channel_type == ChannelType.XAI


def responses_url(ctx: RelayContext) -> str:
    from ..openai_compat import openai_url

    override = endpoint_override(ctx, "response_api")
    if override:
        return override
    return openai_url(ctx.base_url, ctx.channel_type, RelayMode.RESPONSE_API)


class ResponsesSSEDecoder(StreamDecoder):
    """Pipeline-facing wrapper of :class:`ResponsesStreamDecoder`."""

    __slots__ = ("inner", "_parts")

    def __init__(self, now: int):
        self.inner = ResponsesStreamDecoder(now)
        self._parts: list[str] = []

    def _decode(self, event: SSEEvent) -> list[dict]:
        if event.data == b"[DONE]":
            return []
        data = json_object(event.data)
        if data is None:
            return []
        chunks = self.inner.feed(event.event, data)
        for chunk in chunks:
            collect_text(chunk, self._parts, ("content", "reasoning_content"))
        return chunks

    def feed(self, event: SSEEvent) -> list[dict]:
        return self._decode(event)

    def observe(self, event: SSEEvent) -> bool:
        if event.data == b"[DONE]":
            return True
        self._decode(event)
        return False

    def usage(self) -> dict | None:
        return self.inner.usage()

    def text(self) -> str:
        return "".join(self._parts)


def _reasoning_model(model: str) -> bool:
    from ...relay.reasoning import is_reasoning_model

    return is_reasoning_model(model)


def rewrite_responses_body(ctx: RelayContext, body: dict) -> dict:
    """The caller's own Response API body with the mapped model and ``?thinking=`` applied."""
    out = {k: v for k, v in body.items() if k != "extra_body"}
    out["model"] = ctx.actual_model
    if ctx.system_prompt_reset and ctx.channel is not None:
        out["instructions"] = ctx.channel.system_prompt
    if _reasoning_model(ctx.actual_model):
        out.pop("temperature", None)
        out.pop("top_p", None)
    if ctx.thinking is True and normalize_effort is not None and not (out.get("reasoning") or {}).get("effort"):
        from ...relay.reasoning import default_effort, is_reasoning_capable

        if is_reasoning_capable(ctx.actual_model):
            effort = normalize_effort(ctx.actual_model, ctx.reasoning_effort) if ctx.reasoning_effort \
                else default_effort(ctx.actual_model)
            out["reasoning"] = {**(out.get("reasoning") or {}), "effort": effort}
    return out


class ResponsesAPIAdapter(Adapter):
    channel_types = ()
    native_format = FORMAT_RESPONSES
    modes = frozenset(HUB_MODES)
    slug = "openai_responses"

    def request_url(self, ctx: RelayContext) -> str:
        return responses_url(ctx)

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {ctx.api_key}"}
        if ctx.channel is not None and ctx.channel.openai_organization:
            headers["OpenAI-Organization"] = ctx.channel.openai_organization
        return headers

    def passthrough_request(self, ctx: RelayContext, body: dict) -> bool:
        if ctx.actual_model != ctx.origin_model or ctx.thinking is not None or ctx.system_prompt_reset:
            return False
        if "extra_body" in body:
            return False
        return not (_reasoning_model(ctx.actual_model) and ("temperature" in body or "top_p" in body))

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        original = ctx.extra.get(EXTRA_BODY)
        if ctx.front_format == FORMAT_RESPONSES and isinstance(original, dict):
            return PreparedRequest(json=rewrite_responses_body(ctx, original))
        hub = {**body, "model": ctx.actual_model}
        if apply_thinking_param is not None:
            hub = apply_thinking_param(hub, ctx.thinking, ctx.actual_model, ctx.reasoning_effort)
            hub.pop("extra_body", None)
        if rewrite_openai_request is not None:
            hub = rewrite_openai_request(hub, to_responses_api=True, enforce_include_usage=False)
        if ctx.is_stream:
            hub["stream"] = True
        out = chat_to_responses_request(hub)
        out.pop("store", None)
        out["store"] = False
        return PreparedRequest(json=out)

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        hub = responses_to_chat_response(body, ctx.now())
        hub["model"] = ctx.origin_model
        return hub

    def extract_usage(self, ctx: RelayContext, body: dict) -> dict | None:
        return responses_usage_to_chat(body.get("usage")) if isinstance(body, dict) else None

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return ResponsesSSEDecoder(ctx.now())

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        return parse_openai_error(status, body)


RESPONSES = ResponsesAPIAdapter()


def route_openai(adapter: Adapter, ctx: RelayContext) -> Adapter:
    """``OpenAICompatible.for_request``: the Response API adapter when the channel takes the
    request there, else the chat adapter (wrapped for the hub fronts)."""
    if speaks_responses(ctx):
        return RESPONSES
    if ctx.mode in adapter.modes:
        return adapter
    from ..chat_mode import ChatModeAdapter

    return ChatModeAdapter(adapter)
