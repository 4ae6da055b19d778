from __future__ import annotations

from ..extensions import db
from .base import TimestampMixin, TokenStatus, case_sensitive_string


class Token(TimestampMixin, db.Model):
    __tablename__ = "tokens"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, index=True, nullable=False)
    key = db.Column(case_sensitive_string(48), unique=True, index=True, nullable=False)
    status = db.Column(db.Integer, default=int(TokenStatus.ENABLED), nullable=False)
    name = db.Column(db.String(191), index=True, default="")
    created_time = db.Column(db.BigInteger, default=0)
    accessed_time = db.Column(db.BigInteger, default=0)
    expired_time = db.Column(db.BigInteger, default=-1)
    remain_quota = db.Column(db.BigInteger, default=0, nullable=False)
    unlimited_quota = db.Column(db.Boolean, default=False, nullable=False)
    used_quota = db.Column(db.BigInteger, default=0, nullable=False)
    models = db.Column(db.Text, nullable=True)
    subnet = db.Column(db.String(255), default="")
