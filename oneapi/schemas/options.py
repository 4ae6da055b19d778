"""Request schema for option writes."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from .users import reject_nul


class OptionIn(Schema):
    class Meta:
        unknown = EXCLUDE

    key = fields.String(required=True, validate=validate.Length(min=1, max=191))
    # strings, booleans and numbers are accepted and stored as strings (option_rules.stringify)
    value = fields.Raw(required=True, allow_none=True)
    clear = fields.Boolean(load_default=False)

    @pre_load
    def _no_nul(self, data, **kwargs):
        return reject_nul(data)
