"""Query-string schemas of the log endpoints."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from .channels import MAX_BIGINT, MAX_INT


class LogQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.Integer(load_default=0, validate=validate.Range(min=0, max=7))
    username = fields.String(load_default="")
    token_name = fields.String(load_default="")
    model_name = fields.String(load_default="")
    channel = fields.Integer(load_default=None, allow_none=True,
                             validate=validate.Range(min=0, max=MAX_INT))
    start_timestamp = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(min=0, max=MAX_BIGINT))
    end_timestamp = fields.Integer(load_default=None, allow_none=True,
                                   validate=validate.Range(min=0, max=MAX_BIGINT))


class LogDeleteQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    target_timestamp = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_BIGINT))
