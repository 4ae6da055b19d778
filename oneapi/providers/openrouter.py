"""OpenRouter (channel type 20): OpenAI wire format plus its quirks (reference relay §3).

Extra headers ``HTTP-Referer`` / ``X-Title``; every chat request asks for reasoning
(``include_reasoning: true``) and gets ``provider.sort`` = ``OPENROUTER_PROVIDER_SORT`` when the
client did not choose one. Responses carry ``reasoning`` (kept; the OpenAI front re-keys it
for ``?reasoning_format=``).
"""
from __future__ import annotations

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from . import register
from .base import PreparedRequest
from .openai_compat import OpenAICompatible

REFERER = "https://github.com/Laisky/one-api"
TITLE = "One API"


def provider_sort(ctx: RelayContext) -> str:
    """Channel config ``provider_sort`` wins; else ``OPENROUTER_PROVIDER_SORT`` as carried by the
    context (``ctx.openrouter_provider_sort``, filled from the settings by the pipeline)."""
    cfg = ctx.config if isinstance(ctx.config, dict) else {}
    if isinstance(cfg.get("provider_sort"), str) and cfg["provider_sort"]:
        return cfg["provider_sort"]
    return ctx.openrouter_provider_sort or ""


@register
class OpenRouter(OpenAICompatible):
    channel_types = (ChannelType.OPENROUTER,)
    slug = "openrouter"

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx.api_key}", "HTTP-Referer": REFERER, "X-Title": TITLE}

    def passthrough_request(self, ctx: RelayContext, body: dict) -> bool:
        if ctx.mode == RelayMode.CHAT:
            return False  # include_reasoning / provider.sort are always added
        return super().passthrough_request(ctx, body)

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        prepared = super().convert_request(ctx, body)
        out = prepared.json
        if ctx.mode == RelayMode.CHAT and isinstance(out, dict):
            out.setdefault("include_reasoning", True)
            sort = provider_sort(ctx)
            provider = out.get("provider")
            if sort and (provider is None or (isinstance(provider, dict) and not provider.get("sort"))):
                out["provider"] = {**(provider or {}), "sort": sort}
        return prepared
