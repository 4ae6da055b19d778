"""Channels (upstream provider accounts) and their routing projection, the abilities table.

Every write here rebuilds the written channel's abilities in the same transaction and marks
the "channels" cache topic; services only flush, the view commits.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from sqlalchemy import delete, func, or_, select

from .. import channel_types
from ..errors import BadRequest, NotFound
from ..extensions import db
from ..models import Ability, Channel, ChannelStatus, now_ms, now_s
from . import cache_bus

SORTABLE = ("id", "name", "type", "status", "response_time", "test_time", "priority", "weight",
            "used_quota", "created_at", "updated_at", "created_time", "balance")

# Columns an admin may write (key handled separately; bookkeeping columns never written).
WRITABLE = ("type", "name", "base_url", "other", "models", "group", "model_mapping", "priority",
            "weight", "config", "system_prompt", "openai_organization", "ratelimit",
            "testing_model", "model_configs", "hidden_models", "model_ratio", "completion_ratio",
            "inference_profile_arn_map", "status")
# Empty string for these clears the column to NULL (reference §1.5 PUT /api/channel/).
NULL_WHEN_EMPTY = ("model_mapping", "model_configs", "system_prompt", "inference_profile_arn_map",
                   "hidden_models", "model_ratio", "completion_ratio", "testing_model")
JSON_OBJECT_FIELDS = ("model_mapping", "config", "model_ratio", "completion_ratio",
                      "inference_profile_arn_map")


def split_csv(value: str | None) -> list[str]:
    """Trimmed, non-empty, de-duplicated items of a comma-separated string (order kept)."""
    seen: dict[str, None] = {}
    for item in (value or "").split(","):
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return list(seen)


def _hidden(channel: Channel) -> set[str]:
    try:
        items = json.loads(channel.hidden_models or "[]")
    except ValueError:
        return set()
    return {str(m).lower() for m in items} if isinstance(items, list) else set()


def rebuild_abilities(channel: Channel) -> None:
    """Replace the channel's ability rows: (group CSV) x (models CSV minus hidden), enabled
    when the channel is enabled, priority copied. Flushes; part of the caller's transaction."""
    db.session.flush()
    db.session.execute(delete(Ability).where(Ability.channel_id == channel.id))
    hidden = _hidden(channel)
    enabled = channel.status == ChannelStatus.ENABLED
    stamp = now_ms()
    rows = [
        {"group": group, "model": model, "channel_id": channel.id, "enabled": enabled,
         "priority": channel.priority or 0, "suspend_until": None, "created_at": stamp,
         "updated_at": stamp}
        for group in split_csv(channel.group)
        for model in split_csv(channel.models)
        if model.lower() not in hidden
    ]
    if rows:
        db.session.execute(Ability.__table__.insert(), rows)
    cache_bus.touch(db.session, "channels")


def _validate(fields: dict[str, Any]) -> None:
    if "type" in fields and not channel_types.is_known(fields["type"]):
        raise BadRequest(f"unknown channel type: {fields['type']}")
    if "name" in fields and not (fields["name"] or "").strip():
        raise BadRequest("channel name is required")
    if fields.get("group") is not None and len(",".join(split_csv(fields["group"]))) > 32:
        raise BadRequest("group is too long: the comma-separated groups may total 32 characters")
    for model in split_csv(fields.get("models")):
        if len(model) > 255:
            raise BadRequest(f"model name is too long (max 255 characters): {model[:40]}...")
    for name in JSON_OBJECT_FIELDS:
        raw = fields.get(name)
        if raw in (None, ""):
            continue
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise BadRequest(f"{name} must be a JSON object") from None
        if not isinstance(parsed, dict):
            raise BadRequest(f"{name} must be a JSON object")
    if fields.get("hidden_models") not in (None, ""):
        try:
            parsed = json.loads(fields["hidden_models"])
        except ValueError:
            parsed = None
        if not isinstance(parsed, list):
            raise BadRequest("hidden_models must be a JSON array of model names")
    if fields.get("model_configs") not in (None, ""):
        from .pricing import validate_model_configs

        try:
            validate_model_configs(fields["model_configs"])
        except ValueError as err:
            raise BadRequest(f"invalid model_configs: {err}") from None


def _normalise(fields: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in fields.items() if k in WRITABLE}
    for name in NULL_WHEN_EMPTY:
        if name in out and out[name] == "":
            out[name] = None
    for name in ("models", "group"):
        if name in out and out[name] is not None:
            out[name] = ",".join(split_csv(out[name]))
    if "group" in out and not out["group"]:
        out["group"] = "default"
    if "name" in out and out["name"] is not None:
        out["name"] = out["name"].strip()
    return out


def _drop_unknown_testing_model(channel: Channel) -> None:
    if channel.testing_model and channel.testing_model not in split_csv(channel.models):
        channel.testing_model = None


def _default_base_url(type_id: int) -> str:
    info = channel_types.get_channel_type(type_id)
    if info.base_url_required and not info.default_base_url:
        raise BadRequest(f"base_url is required for channel type {info.name}")
    return info.default_base_url


def create_channels(fields: dict[str, Any]) -> list[Channel]:
    """Create one channel per non-empty line of ``key`` (one channel with an empty key when
    there is none); abilities built in the same transaction. Flushes only."""
    if not (fields.get("name") or "").strip():
        raise BadRequest("channel name is required")
    if "type" not in fields or fields["type"] is None:
        raise BadRequest("channel type is required")
    _validate(fields)
    values = _normalise(fields)
    if not values.get("base_url"):
        values["base_url"] = _default_base_url(values["type"])
    values.setdefault("status", int(ChannelStatus.ENABLED))
    values.setdefault("group", "default")
    keys = [line.strip() for line in (fields.get("key") or "").replace("\r", "").split("\n")]
    keys = [k for k in keys if k] or [""]
    created = []
    for key in keys:
        channel = Channel(key=key, created_time=now_s(), **values)
        _drop_unknown_testing_model(channel)
        db.session.add(channel)
        db.session.flush()
        rebuild_abilities(channel)
        created.append(channel)
    return created


def get_channel(channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFound(f"channel {channel_id} not found")
    return channel


def update_channel(channel_id: int, fields: dict[str, Any], *, status_only: bool = False) -> Channel:
    """Update the given fields (absent = untouched; empty key keeps the stored key)."""
    channel = get_channel(channel_id)
    if status_only:
        if fields.get("status") is None:
            raise BadRequest("status is required")
        fields = {"status": fields["status"]}
    _validate(fields)
    for name, value in _normalise(fields).items():
        setattr(channel, name, value)
    key = (fields.get("key") or "").strip()
    if key and not status_only:
        channel.key = key
    if not channel.base_url:
        channel.base_url = (_default_base_url(channel.type) if "base_url" in fields
                            else channel_types.default_base_url(channel.type))
    _drop_unknown_testing_model(channel)
    rebuild_abilities(channel)
    return channel


def delete_channel(channel_id: int) -> None:
    channel = get_channel(channel_id)
    db.session.execute(delete(Ability).where(Ability.channel_id == channel.id))
    db.session.delete(channel)
    db.session.flush()
    cache_bus.touch(db.session, "channels")


def delete_disabled_channels() -> int:
    disabled = (int(ChannelStatus.MANUALLY_DISABLED), int(ChannelStatus.AUTO_DISABLED))
    ids = list(db.session.execute(select(Channel.id).where(Channel.status.in_(disabled))).scalars())
    if ids:
        db.session.execute(delete(Ability).where(Ability.channel_id.in_(ids)))
        db.session.execute(delete(Channel).where(Channel.id.in_(ids)))
        db.session.flush()
        cache_bus.touch(db.session, "channels")
    return len(ids)


def _ordered(stmt, sort: str, desc: bool):
    column = getattr(Channel, sort)
    return stmt.order_by(column.desc() if desc else column.asc(), Channel.id.desc())


def list_channels(offset: int, limit: int, sort: str = "id", desc: bool = True
                  ) -> tuple[list[Channel], int]:
    total = db.session.execute(select(func.count(Channel.id))).scalar_one()
    stmt = _ordered(select(Channel), sort, desc).offset(offset).limit(limit)
    return list(db.session.execute(stmt).scalars()), total


def _like_prefix(keyword: str) -> str:
    escaped = keyword.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def search_channels(keyword: str, sort: str = "id", desc: bool = True, group: str = "",
                    limit: int = 1000) -> list[Channel]:
    """Name prefix (or exact id / key-free match on a numeric keyword); unpaginated."""
    keyword = (keyword or "").strip()
    stmt = select(Channel)
    if keyword:
        conds = [Channel.name.like(_like_prefix(keyword), escape="\\")]
        if keyword.isdigit() and len(keyword) <= 9:
            conds.append(Channel.id == int(keyword))
        stmt = stmt.where(or_(*conds))
    if group:
        g = group.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(or_(Channel.group == group,
                              Channel.group.like(f"{g},%", escape="\\"),
                              Channel.group.like(f"%,{g}", escape="\\"),
                              Channel.group.like(f"%,{g},%", escape="\\")))
    return list(db.session.execute(_ordered(stmt, sort, desc).limit(limit)).scalars())


def channel_abilities(channel_id: int) -> list[Ability]:
    return list(db.session.execute(
        select(Ability).where(Ability.channel_id == channel_id)
        .order_by(Ability.group, Ability.model)).scalars())


def channels_by_ids(ids: Iterable[int]) -> list[Channel]:
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.execute(select(Channel).where(Channel.id.in_(ids))).scalars())


def group_models(group: str) -> list[str]:
    """Sorted model names routable for ``group`` (enabled abilities)."""
    stmt = (select(Ability.model).where(Ability.group == group, Ability.enabled.is_(True))
            .distinct())
    return sorted(db.session.execute(stmt).scalars())


# ------------------------------------------------------------------ fork extras

ENDPOINTS = {
    "chat": ("Chat Completions", "/v1/chat/completions"),
    "completions": ("Completions", "/v1/completions"),
    "embeddings": ("Embeddings", "/v1/embeddings"),
    "moderations": ("Moderations", "/v1/moderations"),
    "images_generations": ("Image generations", "/v1/images/generations"),
    "images_edits": ("Image edits", "/v1/images/edits"),
    "audio_speech": ("Text to speech", "/v1/audio/speech"),
    "audio_transcription": ("Audio transcription", "/v1/audio/transcriptions"),
    "audio_translation": ("Audio translation", "/v1/audio/translations"),
    "rerank": ("Rerank", "/v1/rerank"),
    "response_api": ("Response API", "/v1/responses"),
    "claude_messages": ("Claude Messages", "/v1/messages"),
    "realtime": ("Realtime", "/v1/realtime"),
    "videos": ("Videos", "/v1/videos"),
}


def channel_metadata(type_id: int) -> dict:
    """What the channel editor needs for one type (GET /api/channel/metadata?type=N)."""
    if not channel_types.is_known(type_id):
        raise BadRequest(f"unknown channel type: {type_id}")
    info = channel_types.get_channel_type(type_id)
    return {
        "default_base_url": info.default_base_url,
        "base_url_editable": True,
        "base_url_required": info.base_url_required,
        "default_endpoints": list(info.default_endpoints),
        "all_endpoints": [{"id": key, "name": name, "description": f"{name} ({path})", "path": path}
                          for key, (name, path) in ENDPOINTS.items()],
    }


def duplicate_channel(channel_id: int) -> Channel:
    """Server-side clone (the key is copied, usage and health are reset), name + " Copy"."""
    source = get_channel(channel_id)
    skip = {"id", "created_at", "updated_at", "used_quota", "balance", "balance_updated_time",
            "test_time", "response_time", "created_time", "name"}
    values = {c.key: getattr(source, c.key) for c in Channel.__mapper__.column_attrs
              if c.key not in skip}
    name = f"{source.name} Copy"[:191]
    clone = Channel(name=name, created_time=now_s(), used_quota=0, balance=0, **values)
    db.session.add(clone)
    db.session.flush()
    rebuild_abilities(clone)
    return clone


def _json_obj(raw: str | None) -> dict:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def channel_pricing(channel_id: int) -> dict:
    channel = get_channel(channel_id)
    return {
        "model_ratio": _json_obj(channel.model_ratio),
        "completion_ratio": _json_obj(channel.completion_ratio),
        "model_configs": _json_obj(channel.model_configs),
        "tooling": _json_obj(channel.config).get("tooling"),
    }


def _number_map(name: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise BadRequest(f"{name} must be a JSON object of model name to number")
    for model, number in value.items():
        if not model or isinstance(number, bool) or not isinstance(number, (int, float)) \
                or number < 0:
            raise BadRequest(f"{name}: {model!r} must map to a number >= 0")
    return value


def update_channel_pricing(channel_id: int, data: dict[str, Any]) -> dict:
    """Replace the channel's overrides: ``model_configs`` (preferred) or the legacy
    ``model_ratio`` + ``completion_ratio`` maps, and ``tooling`` (stored in config)."""
    from .pricing import validate_model_configs

    channel = get_channel(channel_id)
    if "model_configs" in data:
        configs = data["model_configs"] or {}
        if not isinstance(configs, dict):
            raise BadRequest("model_configs must be a JSON object")
        try:
            validate_model_configs(configs)
        except ValueError as err:
            raise BadRequest(f"invalid model_configs: {err}") from None
        channel.model_configs = json.dumps(configs) if configs else None
    for name in ("model_ratio", "completion_ratio"):
        if name in data:
            value = _number_map(name, data[name] or {})
            setattr(channel, name, json.dumps(value) if value else None)
    if "tooling" in data:
        tooling = data["tooling"]
        if tooling is not None and not isinstance(tooling, dict):
            raise BadRequest("tooling must be a JSON object")
        config = _json_obj(channel.config)
        if tooling:
            config["tooling"] = tooling
        else:
            config.pop("tooling", None)
        channel.config = json.dumps(config) if config else ""
    db.session.flush()
    cache_bus.touch(db.session, "channels")
    return channel_pricing(channel_id)
