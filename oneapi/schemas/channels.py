"""Channel request schemas and the response shape (the key is never returned)."""
from __future__ import annotations

import json

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from ..models import Channel

MAX_INT = 2**31 - 1
MAX_BIGINT = 2**63 - 1


class _JSONText(fields.Field):
    """A JSON column sent either as a string or as an already-parsed object/array."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        if isinstance(value, str):
            return value
        raise self.make_error("invalid")

    default_error_messages = {"invalid": "must be a JSON string or object"}


class _CSV(fields.Field):
    """Comma-separated list sent as a string or as an array of strings."""

    default_error_messages = {"invalid": "must be a comma-separated string or a list of strings"}

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return ",".join(value)
        if isinstance(value, str):
            return value
        raise self.make_error("invalid")


class ChannelWrite(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_INT))
    type = fields.Integer(validate=validate.Range(min=0, max=MAX_INT))
    key = fields.String(allow_none=True)
    name = fields.String(validate=validate.Length(max=191))
    base_url = fields.String(allow_none=True, validate=validate.Length(max=512))
    other = fields.String(allow_none=True)
    models = _CSV(allow_none=True)
    group = _CSV(allow_none=True)
    model_mapping = _JSONText(allow_none=True)
    priority = fields.Integer(allow_none=True, validate=validate.Range(min=-MAX_BIGINT, max=MAX_BIGINT))
    weight = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=MAX_INT))
    config = _JSONText(allow_none=True)
    system_prompt = fields.String(allow_none=True)
    openai_organization = fields.String(allow_none=True, validate=validate.Length(max=255))
    ratelimit = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=MAX_INT))
    testing_model = fields.String(allow_none=True, validate=validate.Length(max=255))
    model_configs = _JSONText(allow_none=True)
    hidden_models = _JSONText(allow_none=True)
    model_ratio = _JSONText(allow_none=True)
    completion_ratio = _JSONText(allow_none=True)
    inference_profile_arn_map = _JSONText(allow_none=True)
    status = fields.Integer(validate=validate.OneOf([0, 1, 2, 3]))

    @pre_load
    def _groups_alias(self, data, **kwargs):
        # one-api's default theme edits ``groups`` (array) and sends ``group`` joined.
        if isinstance(data, dict) and "group" not in data and isinstance(data.get("groups"), list):
            data = dict(data, group=data["groups"])
        return data


class ChannelCreate(ChannelWrite):
    type = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_INT))
    name = fields.String(required=True, validate=validate.Length(min=1, max=191))


class ChannelUpdate(ChannelWrite):
    id = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=MAX_INT))


_COLUMNS = [c.key for c in Channel.__mapper__.column_attrs]


def channel_out(channel: Channel) -> dict:
    """All columns, with ``key`` always "" (SCOPE §5: keys never leave after creation)."""
    out = {name: getattr(channel, name) for name in _COLUMNS}
    out["key"] = ""
    return out
