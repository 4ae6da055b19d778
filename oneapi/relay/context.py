"""``RelayContext``: everything an adapter or a front may know about one relay attempt
(one-api's ``meta``). Built by the pipeline; adapters and fronts only read it (and may use
``now()`` / ``new_id()``). No Flask, no DB: it is a plain data object.

On a retry the pipeline calls :meth:`RelayContext.for_channel` to re-bind the channel
fields (and re-map the model) while keeping the request-level fields.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field, replace
from typing import Any

from .modes import RelayMode

# Wire formats (front formats and adapter native formats share these names).
FORMAT_OPENAI = "openai_chat"          # every OpenAI /v1 endpoint (chat, completions, embeddings ...)
FORMAT_ANTHROPIC = "anthropic_messages"
FORMAT_RESPONSES = "openai_responses"
FORMAT_GEMINI = "gemini"


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """Immutable snapshot of a ``channels`` row (the routing cache holds these)."""

    id: int
    type: int
    name: str
    key: str
    base_url: str
    status: int = 1
    weight: int = 0
    priority: int = 0
    models: tuple[str, ...] = ()
    groups: tuple[str, ...] = ("default",)
    model_mapping: dict = field(default_factory=dict)
    system_prompt: str = ""
    config: dict = field(default_factory=dict)
    model_configs: dict = field(default_factory=dict)
    model_ratio: dict = field(default_factory=dict)
    completion_ratio: dict = field(default_factory=dict)
    testing_model: str = ""
    openai_organization: str = ""
    ratelimit: int = 0

    def map_model(self, model: str) -> str:
        mapped = self.model_mapping.get(model) if self.model_mapping else None
        return mapped if isinstance(mapped, str) and mapped else model

    def supports_model(self, model: str) -> bool:
        if not self.models:
            return True
        if model in self.models:
            return True
        mapped = self.model_mapping.get(model) if self.model_mapping else None
        return bool(mapped) and mapped in self.models


@dataclass(slots=True)
class RelayContext:
    request_id: str
    mode: RelayMode
    front_format: str = FORMAT_OPENAI
    # request
    origin_model: str = ""
    actual_model: str = ""
    is_stream: bool = False
    request_path: str = ""            # original path + query string
    client_headers: dict = field(default_factory=dict)  # X-* headers forwarded upstream
    thinking: bool | None = None      # ?thinking=
    reasoning_format: str | None = None  # ?reasoning_format=
    reasoning_effort: str | None = None  # ?reasoning_effort=
    # caller
    user_id: int = 0
    username: str = ""
    token_id: int = 0
    token_name: str = ""
    group: str = "default"
    user_role: int = 1
    prompt_tokens: int = 0
    # channel (bound per attempt)
    channel: ChannelInfo | None = None
    pinned: bool = False
    system_prompt_reset: bool = False
    # settings-derived defaults
    enforce_include_usage: bool = True
    default_max_tokens: int = 2048
    gemini_version: str = "v1"
    gemini_safety_setting: str = "BLOCK_NONE"
    openrouter_provider_sort: str = ""
    relay_timeout: int = 0
    started_at: float = field(default_factory=time.time)
    extra: dict[str, Any] = field(default_factory=dict)  # free slot for fronts/adapters

    # -- channel shortcuts (what D2 calls channel id/type/name/base_url/key/config)
    @property
    def channel_id(self) -> int:
        return self.channel.id if self.channel else 0

    @property
    def channel_type(self) -> int:
        return self.channel.type if self.channel else 0

    @property
    def channel_name(self) -> str:
        return self.channel.name if self.channel else ""

    @property
    def base_url(self) -> str:
        return self.channel.base_url if self.channel else ""

    @property
    def api_key(self) -> str:
        return self.channel.key if self.channel else ""

    @property
    def config(self) -> dict:
        return self.channel.config if self.channel else {}

    def for_channel(self, channel: ChannelInfo) -> "RelayContext":
        """Bind ``channel``: base URL defaulted from the type table, model re-mapped."""
        if not channel.base_url:
            from ..channel_types import default_base_url, is_known

            if is_known(channel.type):
                channel = replace(channel, base_url=default_base_url(channel.type))
        self.channel = channel
        self.actual_model = channel.map_model(self.origin_model)
        return self

    # -- hooks converters use instead of the clock / random (rule D4.6)
    def now(self) -> int:
        return int(time.time())

    def new_id(self, prefix: str = "chatcmpl-") -> str:
        return prefix + secrets.token_hex(12)

    def elapsed_ms(self) -> int:
        return int((time.time() - self.started_at) * 1000)
