"""OpenRouter provider sort comes from the relay context (adapters are pure), not from Flask."""
from __future__ import annotations

import dataclasses

from oneapi.providers import get_adapter
from oneapi.providers.openrouter import provider_sort
from oneapi.relay.context import ChannelInfo, RelayContext
from oneapi.relay.modes import RelayMode

@dataclasses.dataclass(slots=True)
class _Ctx(RelayContext):
    """A context that carries the setting (what RelayContext gets with the pending one-liner)."""

    openrouter_provider_sort: str = ""


def _ctx(cls=RelayContext, config=None, **kwargs):
    ctx = cls(request_id="r", mode=RelayMode.CHAT, origin_model="m", actual_model="m", **kwargs)
    return ctx.for_channel(ChannelInfo(id=1, type=20, name="or", key="k", base_url="http://x",
                                       config=config or {}))


def _sent(ctx):
    prepared = get_adapter(20).for_request(ctx).convert_request(ctx, {"model": "m", "messages": [
        {"role": "user", "content": "x"}]})
    return prepared.json


def test_context_value_is_used_without_any_app_context():
    ctx = _ctx(_Ctx, openrouter_provider_sort="latency")
    assert provider_sort(ctx) == "latency"
    assert _sent(ctx)["provider"] == {"sort": "latency"} and _sent(ctx)["include_reasoning"] is True


def test_context_wins_over_the_app_settings(app):
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, openrouter_provider_sort="throughput")
    try:
        with app.app_context():
            assert provider_sort(_ctx(_Ctx, openrouter_provider_sort="")) == ""  # the context says: none
            assert "provider" not in _sent(_ctx(_Ctx))
            assert provider_sort(_ctx(_Ctx, openrouter_provider_sort="price")) == "price"
    finally:
        app.config["SETTINGS"] = settings


def test_channel_config_wins_over_the_context():
    ctx = _ctx(_Ctx, config={"provider_sort": "price"}, openrouter_provider_sort="latency")
    assert provider_sort(ctx) == "price"


def test_client_choice_is_kept():
    ctx = _ctx(_Ctx, openrouter_provider_sort="latency")
    prepared = get_adapter(20).for_request(ctx).convert_request(ctx, {"model": "m", "provider": {"sort": "price"},
                                                                      "messages": [{"role": "user", "content": "x"}]})
    assert prepared.json["provider"] == {"sort": "price"}


def test_plain_context_outside_flask_has_no_sort():
    assert provider_sort(_ctx()) == ""
