"""Adapter registry: ``register`` (class decorator), ``get_adapter(channel_type)``, ``adapters()``.

Every module listed in ``_MODULES`` is imported once, on first lookup (nothing at import of
this package). A channel type with its own registered adapter uses it; any other type whose
native format is the OpenAI wire format (``channel_types`` table) is served by
``OpenAICompatible``. Others raise :class:`AdapterNotFound` until their adapter lands.
"""
from __future__ import annotations

import importlib
import threading

from .base import Adapter

# Explicit import list (rule D4.5): add one line per provider module.
_MODULES = (
    "oneapi.providers.openai_compat",
    "oneapi.providers.azure",
    "oneapi.providers.openrouter",
    "oneapi.providers.deepseek",
    "oneapi.providers.xai",
    "oneapi.providers.cloudflare",
    "oneapi.providers.ollama",
    "oneapi.providers.cohere",
    "oneapi.providers.zhipu",
    "oneapi.providers.ali",
    "oneapi.providers.baidu",
    "oneapi.providers.tencent",
    "oneapi.providers.deepl",
    "oneapi.providers.coze",
    "oneapi.providers.replicate",
    "oneapi.providers.anthropic.adapter",
    "oneapi.providers.gemini.adapter",
    "oneapi.providers.aws.adapter",
    "oneapi.providers.vertexai.adapter",
    "oneapi.providers.xunfei.adapter",
)

_registry: dict[int, Adapter] = {}
_loaded = False
_lock = threading.Lock()


class AdapterNotFound(LookupError):
    pass


def register(cls: type[Adapter]) -> type[Adapter]:
    """Class decorator: one shared instance serves every type in ``cls.channel_types``."""
    instance = cls()
    for channel_type in cls.channel_types:
        _registry[int(channel_type)] = instance
    return cls


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        for name in _MODULES:
            importlib.import_module(name)
        _loaded = True


def get_adapter(channel_type: int) -> Adapter:
    _load()
    adapter = _registry.get(int(channel_type))
    if adapter is not None:
        return adapter
    from ..channel_types import get_channel_type, is_known

    if is_known(channel_type) and get_channel_type(channel_type).native_format == "openai_chat":
        from .openai_compat import OpenAICompatible

        return _registry.setdefault(int(channel_type), OpenAICompatible())
    raise AdapterNotFound(f"no adapter for channel type {channel_type}")


def adapters() -> dict[int, Adapter]:
    """Registered adapters by channel type (after loading every provider module)."""
    _load()
    return dict(_registry)
