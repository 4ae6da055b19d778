"""Request schema for option writes."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate


class OptionIn(Schema):
    class Meta:
        unknown = EXCLUDE

    key = fields.String(required=True, validate=validate.Length(min=1, max=191))
    # strings, booleans and numbers are accepted and stored as strings (option_rules.stringify)
    value = fields.Raw(required=True, allow_none=True)
    clear = fields.Boolean(load_default=False)
