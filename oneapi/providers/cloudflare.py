"""Cloudflare Workers AI (channel type 37): OpenAI-compatible endpoints under the account.

Base normalised to ``…/client/v4/accounts/{account_id}/ai`` (account id = channel config
``user_id`` unless the base URL already names an account); legacy AI Gateway bases
(``gateway.ai.cloudflare.com/…/workers-ai``) are used as they are. Endpoints ``/v1/chat/completions``
and ``/v1/embeddings``; Bearer auth (reference relay §3).
"""
from __future__ import annotations

import re

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import OPENAI_PATHS, RelayMode, endpoint_name
from . import register
from .common import endpoint_override
from .openai_compat import OpenAICompatible

_ACCOUNT = re.compile(r"/client/v4/accounts/[^/]+/ai")


def cloudflare_base(ctx: RelayContext) -> str:
    base = (ctx.base_url or "https://api.cloudflare.com").rstrip("/")
    if "gateway.ai.cloudflare.com" in base:
        base = re.sub(r"/v1$", "", base)
        if not base.endswith("/workers-ai"):
            raise ValueError("Cloudflare AI Gateway base URL must end with /workers-ai")
        return base
    match = _ACCOUNT.search(base)
    if match:
        return base[:match.end()]
    cfg = ctx.config if isinstance(ctx.config, dict) else {}
    account = str(cfg.get("user_id") or "").strip()
    if not account:
        raise ValueError("Cloudflare channel needs the account id in config user_id")
    return f"{base}/client/v4/accounts/{account}/ai"


@register
class Cloudflare(OpenAICompatible):
    channel_types = (ChannelType.CLOUDFLARE,)
    modes = frozenset({RelayMode.CHAT, RelayMode.COMPLETIONS, RelayMode.EMBEDDINGS})
    slug = "cloudflare"

    def request_url(self, ctx: RelayContext) -> str:
        override = endpoint_override(ctx, endpoint_name(ctx.mode))
        if override:
            return override
        return cloudflare_base(ctx) + "/v1" + OPENAI_PATHS.get(ctx.mode, "/chat/completions")
