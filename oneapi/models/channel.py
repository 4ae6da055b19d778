from __future__ import annotations

from ..extensions import db
from .base import ChannelStatus, TimestampMixin, case_sensitive_string


class Channel(TimestampMixin, db.Model):
    __tablename__ = "channels"

    id = db.Column(db.Integer, primary_key=True)
    type = db.Column(db.Integer, default=0, nullable=False)
    key = db.Column(db.Text, nullable=False, default="")
    openai_organization = db.Column(db.String(255), nullable=True)
    status = db.Column(db.Integer, default=int(ChannelStatus.ENABLED), nullable=False)
    name = db.Column(db.String(191), index=True, default="")
    weight = db.Column(db.Integer, default=0)
    created_time = db.Column(db.BigInteger, default=0)
    test_time = db.Column(db.BigInteger, default=0)
    response_time = db.Column(db.Integer, default=0)
    base_url = db.Column(db.String(512), default="")
    other = db.Column(db.Text, default="")
    balance = db.Column(db.Float, default=0)
    balance_updated_time = db.Column(db.BigInteger, default=0)
    models = db.Column(db.Text, default="")
    hidden_models = db.Column(db.Text, nullable=True)
    model_configs = db.Column(db.Text, nullable=True)
    group = db.Column(db.String(32), default="default")
    used_quota = db.Column(db.BigInteger, default=0, nullable=False)
    model_mapping = db.Column(db.Text, default="")
    priority = db.Column(db.BigInteger, default=0)
    config = db.Column(db.Text, default="")
    system_prompt = db.Column(db.Text, nullable=True)
    ratelimit = db.Column(db.Integer, default=0)
    testing_model = db.Column(db.String(255), nullable=True)
    model_ratio = db.Column(db.Text, nullable=True)
    completion_ratio = db.Column(db.Text, nullable=True)
    inference_profile_arn_map = db.Column(db.Text, nullable=True)


class Ability(db.Model):
    __tablename__ = "abilities"

    group = db.Column(db.String(32), primary_key=True)
    model = db.Column(case_sensitive_string(255), primary_key=True)
    channel_id = db.Column(db.Integer, primary_key=True, index=True)
    enabled = db.Column(db.Boolean, default=True)
    priority = db.Column(db.BigInteger, default=0, index=True)
    suspend_until = db.Column(db.DateTime, nullable=True, index=True)
    created_at = db.Column(db.BigInteger, default=0)
    updated_at = db.Column(db.BigInteger, default=0)
