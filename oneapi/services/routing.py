"""Channel selection (reference relay §2.2): abilities of (group, model), enabled channels
only, suspensions honoured, highest priority tier first, weighted random inside a tier."""
from __future__ import annotations

import random
import time

from ..channel_types import get_channel_type, is_known
from ..errors import BadRequest, Forbidden, OneAPIError
from ..models import ChannelStatus
from ..relay.context import ChannelInfo
from ..relay.modes import RelayMode, endpoint_name
from .relay_cache import channel_cache

MAX_WEIGHT = 1 << 40


class NoChannelAvailable(OneAPIError):
    status = 503
    code = "no_available_channel"
    type = "one_api_error"


def supports_endpoint(channel: ChannelInfo, mode: RelayMode) -> bool:
    name = endpoint_name(mode)
    if name is None:
        return True
    configured = channel.config.get("supported_endpoints") if channel.config else None
    if isinstance(configured, list) and configured:
        return name in configured
    if not is_known(channel.type):
        return True
    defaults = get_channel_type(channel.type).default_endpoints
    return not defaults or name in defaults


def _weighted(channels: list[ChannelInfo], rng: random.Random) -> ChannelInfo:
    weights = [min(max(c.weight, 0), MAX_WEIGHT) for c in channels]
    total = sum(weights)
    if total <= 0:
        return channels[rng.randrange(len(channels))]
    point = rng.random() * total
    for channel, weight in zip(channels, weights):
        point -= weight
        if point < 0:
            return channel
    return channels[-1]


def select_channel(group: str, model: str, mode: RelayMode, exclude: set[int] | frozenset = frozenset(),
                   rng: random.Random | None = None, usable=None) -> ChannelInfo:
    """Pick a channel; tiers are walked from the highest priority down, skipping excluded,
    suspended and endpoint-incompatible channels. ``usable(channel)`` is an extra filter
    (the pipeline passes "an adapter serves this mode")."""
    rng = rng or random
    cache = channel_cache()
    snap = cache.snapshot()
    candidates = snap.index.get((group, model)) or []
    now = time.time()
    local = cache.local_suspensions
    tier_priority = None
    tier: list[ChannelInfo] = []
    for cand in candidates:
        if tier_priority is not None and cand.priority != tier_priority:
            if tier:
                break
        tier_priority = cand.priority
        if cand.channel_id in exclude or cand.suspend_until > now:
            continue
        if local and local.get((group, model, cand.channel_id), 0) > now:
            continue
        channel = snap.channels.get(cand.channel_id)
        if channel is None or not supports_endpoint(channel, mode):
            continue
        if usable is not None and not usable(channel):
            continue
        tier.append(channel)
    if not tier:
        raise NoChannelAvailable(f"No available channels for Model {model} under Group {group}")
    return _weighted(tier, rng)


def pinned_channel(channel_id: int, model: str, mode: RelayMode) -> ChannelInfo:
    """``sk-<key>-<channel id>`` (admins) and the proxy path (reference relay §2.2)."""
    channel = channel_cache().channel(channel_id)
    if channel is None:
        raise BadRequest(f"Invalid Channel Id: {channel_id}", code="invalid_channel_id")
    if channel.status != ChannelStatus.ENABLED:
        raise Forbidden("The channel has been disabled", code="channel_disabled")
    if model and not channel.supports_model(model):
        raise BadRequest(f"Channel #{channel_id} does not support the requested model: {model}",
                         code="model_not_supported")
    if not supports_endpoint(channel, mode):
        raise BadRequest(f"Channel #{channel_id} does not support the requested endpoint: "
                         f"{endpoint_name(mode)}", code="endpoint_not_supported")
    return channel
