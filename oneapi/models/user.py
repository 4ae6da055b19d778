from __future__ import annotations

from ..extensions import db
from .base import Role, TimestampMixin, UserStatus


class User(TimestampMixin, db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(191), unique=True, index=True, nullable=False)
    password = db.Column(db.String(255), nullable=False)
    display_name = db.Column(db.String(191), index=True, default="")
    role = db.Column(db.Integer, default=int(Role.COMMON), nullable=False)
    status = db.Column(db.Integer, default=int(UserStatus.ENABLED), nullable=False)
    email = db.Column(db.String(191), index=True, default="")
    github_id = db.Column(db.String(191), index=True, default="")
    wechat_id = db.Column(db.String(191), index=True, default="")
    lark_id = db.Column(db.String(191), index=True, default="")
    oidc_id = db.Column(db.String(191), index=True, default="")
    access_token = db.Column(db.String(32), unique=True, index=True, nullable=True)
    quota = db.Column(db.BigInteger, default=0, nullable=False)
    used_quota = db.Column(db.BigInteger, default=0, nullable=False)
    request_count = db.Column(db.Integer, default=0, nullable=False)
    group = db.Column(db.String(32), default="default", nullable=False)
    aff_code = db.Column(db.String(32), unique=True, index=True, nullable=True)
    inviter_id = db.Column(db.Integer, index=True, default=0)

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.status == UserStatus.ENABLED

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)
