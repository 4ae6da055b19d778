"""Azure OpenAI (channel type 3): reference relay §3.

``{base}/openai/deployments/{actual model}/{task}?api-version={v}`` with the ``api-key``
header. The deployment name is the actual model name (after the channel's model mapping; the
fork strips no dots, so map ``gpt-3.5-turbo`` → ``gpt-35-turbo`` with model mapping when the
deployment is named that way). ``api_version`` comes from the channel config (default
``2024-03-01-preview``); o1/o3/o4 models force ``2025-04-01-preview``. Bodies are OpenAI's, so
text modes reuse the OpenAI-compatible conversion and media modes the media body.

Two model families leave the deployments API (reference §3): ``gpt-5*`` chat / Claude
Messages / Response API requests go to the v1 Response API
(``{base}/openai/v1/responses?api-version=v1``), and ``claude*`` models (Azure AI Foundry) to
``{base}/anthropic/v1/messages`` in Anthropic's format.
"""
from __future__ import annotations

from urllib.parse import quote

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import OPENAI_PATHS, RelayMode, endpoint_name
from . import register
from .anthropic.adapter import AnthropicAdapter
from .responses_api.adapter import ResponsesAPIAdapter
from .base import Adapter, PreparedRequest
from .common import endpoint_override
from .openai_compat import TEXT_MODES, OpenAICompatible
from .openai_media import MEDIA_MODES, MULTIPART_KEY, media_body

DEFAULT_API_VERSION = "2024-03-01-preview"
REASONING_API_VERSION = "2025-04-01-preview"
_AZURE_MEDIA = MEDIA_MODES - {RelayMode.RERANK, RelayMode.IMAGES_EDITS}


def api_version(ctx: RelayContext) -> str:
    model = ctx.actual_model.lower()
    if model.startswith(("o1", "o3", "o4")):
        return REASONING_API_VERSION
    cfg = ctx.config if isinstance(ctx.config, dict) else {}
    return str(cfg.get("api_version") or DEFAULT_API_VERSION)


_HUB_MODES = (RelayMode.CHAT, RelayMode.CLAUDE_MESSAGES, RelayMode.RESPONSE_API)


class AzureResponses(ResponsesAPIAdapter):
    """gpt-5* on Azure: the upstream Response API adapter with Azure's URL and header."""

    slug = "azure"

    def request_url(self, ctx: RelayContext) -> str:
        override = endpoint_override(ctx, "response_api")
        if override:
            return override
        return f"{ctx.base_url.rstrip('/')}/openai/v1/responses?api-version=v1"

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"api-key": ctx.api_key}

    def for_request(self, ctx: RelayContext) -> Adapter:
        return self


class AzureAnthropic(AnthropicAdapter):
    """claude* on Azure AI Foundry: Anthropic's format at ``{base}/anthropic/v1/messages``."""

    channel_types = ()
    slug = "azure"

    def request_url(self, ctx: RelayContext) -> str:
        override = endpoint_override(ctx, "claude_messages")
        if override:
            return override
        return f"{ctx.base_url.rstrip('/')}/anthropic/v1/messages"

    def for_request(self, ctx: RelayContext) -> Adapter:
        return self


_AZURE_RESPONSES = AzureResponses()
_AZURE_ANTHROPIC = AzureAnthropic()


@register
class Azure(OpenAICompatible):
    channel_types = (ChannelType.AZURE,)
    modes = TEXT_MODES | _AZURE_MEDIA | {RelayMode.IMAGES_EDITS}
    slug = "azure"

    def request_url(self, ctx: RelayContext) -> str:
        override = endpoint_override(ctx, endpoint_name(ctx.mode))
        if override:
            return override
        task = OPENAI_PATHS.get(ctx.mode, "/chat/completions")
        deployment = quote(ctx.actual_model, safe="")
        return (f"{ctx.base_url.rstrip('/')}/openai/deployments/{deployment}{task}"
                f"?api-version={quote(api_version(ctx), safe='')}")

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"api-key": ctx.api_key}

    def for_request(self, ctx: RelayContext) -> Adapter:
        model = ctx.actual_model.lower()
        if ctx.mode in _HUB_MODES and model.startswith("claude"):
            return _AZURE_ANTHROPIC
        if ctx.mode in _HUB_MODES and model.startswith("gpt-5"):
            return _AZURE_RESPONSES
        if ctx.mode in self.modes:
            return self
        from .chat_mode import ChatModeAdapter

        return ChatModeAdapter(self)

    def passthrough_request(self, ctx: RelayContext, body: dict) -> bool:
        if ctx.mode in MEDIA_MODES:
            return False
        return super().passthrough_request(ctx, body)

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode in MEDIA_MODES or MULTIPART_KEY in body:
            return media_body(ctx, body)
        return super().convert_request(ctx, body)
