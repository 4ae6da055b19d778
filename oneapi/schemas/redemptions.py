"""Redemption-code request schemas and response shape."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from ..models import Redemption
from .channels import MAX_INT
from .tokens import MAX_QUOTA


class RedemptionCreate(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=1, max=20))
    quota = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_QUOTA))
    count = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100))


class RedemptionUpdate(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=MAX_INT))
    name = fields.String(validate=validate.Length(min=1, max=20))
    quota = fields.Integer(validate=validate.Range(min=0, max=MAX_QUOTA))
    status = fields.Integer(validate=validate.OneOf([1, 2, 3]))


class Redeem(Schema):
    class Meta:
        unknown = EXCLUDE

    key = fields.String(required=True, validate=validate.Length(min=1, max=64))


_COLUMNS = [c.key for c in Redemption.__mapper__.column_attrs]


def redemption_out(row: Redemption) -> dict:
    return {name: getattr(row, name) for name in _COLUMNS}


class AdminTopup(Schema):
    """Body of POST /api/topup (admin credit)."""

    class Meta:
        unknown = EXCLUDE

    user_id = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=MAX_INT))
    quota = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_QUOTA))
    remark = fields.String(load_default="", validate=validate.Length(max=255))
