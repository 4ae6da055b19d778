"""Token request schemas and response shapes."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from ..models import Token
from .channels import _CSV, MAX_BIGINT, MAX_INT


class TokenWrite(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(validate=validate.Length(max=30, error="must be at most 30 characters"))
    expired_time = fields.Integer(validate=validate.Range(min=-1, max=MAX_BIGINT))
    remain_quota = fields.Integer(validate=validate.Range(min=0, max=MAX_BIGINT))
    unlimited_quota = fields.Boolean()
    models = _CSV(allow_none=True)
    subnet = fields.String(allow_none=True, validate=validate.Length(max=255))
    status = fields.Integer(validate=validate.OneOf([1, 2, 3, 4]))


class TokenCreate(TokenWrite):
    name = fields.String(required=True,
                         validate=validate.Length(min=1, max=30, error="must be 1-30 characters"))


class TokenUpdate(TokenWrite):
    id = fields.Integer(required=True, strict=False, validate=validate.Range(min=1, max=MAX_INT))


_COLUMNS = [c.key for c in Token.__mapper__.column_attrs]


def token_out(token: Token, *, raw_key: bool = False) -> dict:
    """Self view: key with the TOKEN_KEY_PREFIX; admin view (``raw_key``): bare 48 chars."""
    from ..services.tokens import display_key

    out = {name: getattr(token, name) for name in _COLUMNS}
    out["key"] = token.key if raw_key else display_key(token.key)
    return out


# One charge or credit at most: 10^15 quota = 2 billion USD (keeps sums inside BIGINT).
MAX_QUOTA = 10**15


class ConsumeSchema(Schema):
    """Body of POST /api/token/consume (external billing)."""

    class Meta:
        unknown = EXCLUDE

    add_reason = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    add_used_quota = fields.Integer(load_default=None, allow_none=True,
                                    validate=validate.Range(min=0, max=MAX_QUOTA))
    phase = fields.String(load_default="single",
                          validate=validate.OneOf(["pre", "post", "cancel", "single"]))
    transaction_id = fields.String(load_default=None, allow_none=True,
                                   validate=validate.Length(max=128))
    final_used_quota = fields.Integer(load_default=None, allow_none=True,
                                      validate=validate.Range(min=0, max=MAX_QUOTA))
    elapsed_time_ms = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(min=0, max=MAX_BIGINT))
    timeout_seconds = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(min=0, max=MAX_INT))
