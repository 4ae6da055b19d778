"""The adapter registry covers every one-api channel type."""
from __future__ import annotations

import pytest

from oneapi.channel_types import CHANNEL_TYPES
from oneapi.providers import AdapterNotFound, adapters, get_adapter
from oneapi.providers.base import Adapter
from oneapi.providers.openai_compat import OpenAICompatible, openai_url
from oneapi.relay.modes import RelayMode


@pytest.mark.parametrize("type_id", sorted(CHANNEL_TYPES))
def test_every_type_resolves_or_says_so(type_id):
    info = CHANNEL_TYPES[type_id]
    try:
        adapter = get_adapter(type_id)
    except AdapterNotFound:
        assert info.native_format != "openai_chat", f"type {type_id} speaks OpenAI and must resolve"
        return
    assert isinstance(adapter, Adapter)
    if info.native_format == "openai_chat":
        assert adapter.native_format == "openai_chat"
        assert RelayMode.CHAT in adapter.modes


def test_registered_adapters_declare_types_and_modes():
    for type_id, adapter in adapters().items():
        assert type_id in CHANNEL_TYPES
        assert adapter.modes, type(adapter).__name__
        assert adapter.native_format


def test_openai_compatible_serves_generic_types():
    assert isinstance(get_adapter(8), OpenAICompatible)
    assert isinstance(get_adapter(50), OpenAICompatible)


@pytest.mark.parametrize("base,type_id,expected", [
    ("https://api.openai.com", 1, "https://api.openai.com/v1/chat/completions"),
    ("https://api.openai.com/", 1, "https://api.openai.com/v1/chat/completions"),
    ("https://api.groq.com/openai", 29, "https://api.groq.com/openai/v1/chat/completions"),
    ("https://integrate.api.nvidia.com/v1", 55, "https://integrate.api.nvidia.com/v1/chat/completions"),
    ("https://generativelanguage.googleapis.com/v1beta/openai/", 51,
     "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions"),
    ("https://ark.cn-beijing.volces.com", 40, "https://ark.cn-beijing.volces.com/api/v3/chat/completions"),
    ("http://127.0.0.1:8000", 8, "http://127.0.0.1:8000/v1/chat/completions"),
])
def test_openai_urls(base, type_id, expected):
    assert openai_url(base, type_id, RelayMode.CHAT) == expected
