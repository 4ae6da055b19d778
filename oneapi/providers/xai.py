"""xAI Grok (channel type 45): OpenAI wire format with xAI's quirks.

* reasoning models reject some sampling fields: ``grok-4*`` and ``grok-code*`` take no
  ``presence_penalty``, ``frequency_penalty``, ``stop`` or ``reasoning_effort``; ``grok-3-mini``
  accepts ``reasoning_effort`` ``low`` / ``high`` only (others are mapped);
* xAI reports ``completion_tokens`` without the reasoning tokens (they are in
  ``completion_tokens_details.reasoning_tokens`` and in ``total_tokens``): they are billed;
* image generation (``grok-2-image``) through ``/v1/images/generations``.
"""
from __future__ import annotations

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.usage import normalize_usage_dict
from . import register
from .base import PreparedRequest, StreamDecoder
from .openai_compat import TEXT_MODES, OpenAICompatible, OpenAIStreamDecoder
from .openai_media import MULTIPART_KEY, media_body

_NO_SAMPLING = ("presence_penalty", "frequency_penalty", "stop", "reasoning_effort")
_EFFORT_3_MINI = {"minimal": "low", "low": "low", "medium": "high", "high": "high", "xhigh": "high"}


def xai_usage(usage: dict) -> dict:
    """Fold reasoning tokens into completion_tokens when xAI left them out (mutates)."""
    details = usage.get("completion_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else None
    prompt = usage.get("prompt_tokens") or 0
    completion = usage.get("completion_tokens") or 0
    total = usage.get("total_tokens") or 0
    if isinstance(reasoning, int) and reasoning > 0 and total >= prompt + completion + reasoning:
        usage["completion_tokens"] = completion + reasoning
    return normalize_usage_dict(usage)


class XAIStreamDecoder(OpenAIStreamDecoder):
    def usage(self):
        usage = super().usage()
        return xai_usage(dict(usage)) if isinstance(usage, dict) else None


@register
class XAI(OpenAICompatible):
    channel_types = (ChannelType.XAI,)
    modes = TEXT_MODES | {RelayMode.IMAGES_GENERATIONS}
    slug = "xai"

    def passthrough_request(self, ctx: RelayContext, body: dict) -> bool:
        if ctx.mode == RelayMode.IMAGES_GENERATIONS:
            return False
        name = ctx.actual_model.lower()
        if name.startswith(("grok-4", "grok-code", "grok-3-mini")):
            return False
        return super().passthrough_request(ctx, body)

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode == RelayMode.IMAGES_GENERATIONS or MULTIPART_KEY in body:
            return media_body(ctx, body)
        prepared = super().convert_request(ctx, body)
        out = prepared.json
        if ctx.mode == RelayMode.CHAT and isinstance(out, dict):
            name = ctx.actual_model.lower()
            if name.startswith(("grok-4", "grok-code")):
                for key in _NO_SAMPLING:
                    out.pop(key, None)
            elif name.startswith("grok-3-mini") and out.get("reasoning_effort"):
                out["reasoning_effort"] = _EFFORT_3_MINI.get(str(out["reasoning_effort"]).lower(), "low")
        return prepared

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        usage = body.get("usage")
        if isinstance(usage, dict):
            xai_usage(usage)
        return body

    def extract_usage(self, ctx: RelayContext, body: dict):
        usage = super().extract_usage(ctx, body)
        return xai_usage(dict(usage)) if usage else None

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return XAIStreamDecoder()
