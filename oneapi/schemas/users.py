"""Request and response schemas for users and authentication."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from ..models import Role, UserStatus

USERNAME_MAX = 30
DISPLAY_NAME_MAX = 20
EMAIL_MAX = 50
GROUP_MAX = 32
MAX_QUOTA = 2**53 - 1  # exact in the browser's JSON numbers, fits every bigint column
MAX_ID = 2**31 - 1
_email = validate.Email(error="not a valid email address")


def _optional_email(value: str) -> None:
    if value:
        _email(value)


def _no_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")
    if value != value.strip():
        raise ValidationError("must not start or end with spaces")


def _bcrypt_bytes(value: str) -> None:
    if len(value.encode()) > 72:
        raise ValidationError("password must be at most 72 bytes")


def _password():
    return [validate.Length(min=8, max=20, error="password must be 8 to 20 characters"), _bcrypt_bytes]


def reject_nul(data):
    """PostgreSQL text cannot hold NUL characters: refuse them at the boundary, by field."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError("must not contain NUL characters", field_name=str(key))
    return data


class _In(Schema):
    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _no_nul(self, data, **kwargs):
        return reject_nul(data)


class LoginIn(_In):
    username = fields.String(required=True, validate=validate.Length(min=1, max=191))
    password = fields.String(required=True, validate=validate.Length(min=1, max=128))


class RegisterIn(_In):
    username = fields.String(required=True, validate=[validate.Length(min=1, max=USERNAME_MAX), _no_blank])
    password = fields.String(required=True, validate=_password())
    display_name = fields.String(load_default="", validate=validate.Length(max=DISPLAY_NAME_MAX))
    email = fields.String(load_default="", validate=[validate.Length(max=EMAIL_MAX), _optional_email])
    verification_code = fields.String(load_default="", validate=validate.Length(max=64))
    aff_code = fields.String(load_default="", validate=validate.Length(max=32))


class EmailQueryIn(_In):
    email = fields.String(required=True, validate=[validate.Length(min=1, max=EMAIL_MAX), _email])


class ResetIn(_In):
    email = fields.String(required=True, validate=[validate.Length(min=1, max=EMAIL_MAX), _email])
    token = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(load_default="", validate=validate.Length(max=20))


class SelfUpdateIn(_In):
    username = fields.String(allow_none=True, validate=validate.Length(max=USERNAME_MAX))
    display_name = fields.String(allow_none=True, validate=validate.Length(max=DISPLAY_NAME_MAX))
    password = fields.String(allow_none=True, validate=validate.Length(max=20))


class UserCreateIn(_In):
    username = fields.String(required=True, validate=[validate.Length(min=1, max=USERNAME_MAX), _no_blank])
    password = fields.String(required=True, validate=_password())
    display_name = fields.String(load_default="", allow_none=True, validate=validate.Length(max=DISPLAY_NAME_MAX))
    email = fields.String(load_default="", allow_none=True,
                          validate=[validate.Length(max=EMAIL_MAX), _optional_email])
    quota = fields.Integer(load_default=0, allow_none=True, validate=validate.Range(min=0, max=MAX_QUOTA))
    group = fields.String(load_default="", allow_none=True, validate=validate.Length(max=GROUP_MAX))
    role = fields.Integer(load_default=int(Role.COMMON), allow_none=True)


class UserUpdateIn(_In):
    id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    username = fields.String(allow_none=True, validate=[validate.Length(min=3, max=USERNAME_MAX), _no_blank])
    display_name = fields.String(allow_none=True, validate=validate.Length(max=DISPLAY_NAME_MAX))
    email = fields.String(allow_none=True, validate=[validate.Length(max=EMAIL_MAX), _optional_email])
    password = fields.String(allow_none=True, validate=validate.Length(max=20))
    group = fields.String(allow_none=True, validate=validate.Length(min=1, max=GROUP_MAX))
    quota = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=MAX_QUOTA))
    role = fields.Integer(allow_none=True, validate=validate.OneOf([int(r) for r in Role if r != Role.GUEST]))
    status = fields.Integer(allow_none=True, validate=validate.OneOf([int(s) for s in UserStatus]))


class ManageIn(_In):
    username = fields.String(required=True, validate=validate.Length(min=1, max=191))
    action = fields.String(required=True,
                           validate=validate.OneOf(["enable", "disable", "promote", "demote", "delete"]))


class UserOut(Schema):
    """User DTO (password and access token never included)."""

    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.Integer()
    status = fields.Integer()
    email = fields.String()
    github_id = fields.String()
    wechat_id = fields.String()
    lark_id = fields.String()
    oidc_id = fields.String()
    quota = fields.Integer()
    used_quota = fields.Integer()
    request_count = fields.Integer()
    group = fields.String()
    aff_code = fields.String()
    inviter_id = fields.Integer()
    created_at = fields.Integer()
    updated_at = fields.Integer()


class UserAdminOut(UserOut):
    """Admin list/search rows include the management access token (reference §1.5)."""

    access_token = fields.String()


class LoginOut(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.Integer()
    status = fields.Integer()


user_out = UserOut()
users_admin_out = UserAdminOut(many=True)
login_out = LoginOut()
