from __future__ import annotations

from ..extensions import db
from .base import now_ms


class Log(db.Model):
    __tablename__ = "logs"
    __table_args__ = (
        db.Index("idx_created_at_type", "created_at", "type"),
        db.Index("idx_user_token", "user_id", "token_name"),
        db.Index("index_username_model_name", "model_name", "username"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, index=True)
    created_at = db.Column(db.BigInteger, index=True)
    type = db.Column(db.Integer, index=True)
    content = db.Column(db.Text, default="")
    username = db.Column(db.String(191), index=True, default="")
    token_name = db.Column(db.String(191), index=True, default="")
    model_name = db.Column(db.String(255), index=True, default="")
    origin_model_name = db.Column(db.String(255), index=True, default="")
    quota = db.Column(db.BigInteger, index=True, default=0)
    prompt_tokens = db.Column(db.Integer, default=0)
    completion_tokens = db.Column(db.Integer, default=0)
    cached_prompt_tokens = db.Column(db.Integer, default=0)
    channel_id = db.Column(db.Integer, index=True, default=0)
    token_id = db.Column(db.Integer, index=True, default=0)
    request_id = db.Column(db.String(64), index=True, default="")
    trace_id = db.Column(db.String(64), default="")
    elapsed_time = db.Column(db.Integer, default=0)
    is_stream = db.Column(db.Boolean, default=False)
    system_prompt_reset = db.Column(db.Boolean, default=False)
    metadata_ = db.Column("metadata", db.Text, nullable=True)
    updated_at = db.Column(db.BigInteger, default=now_ms, onupdate=now_ms)
