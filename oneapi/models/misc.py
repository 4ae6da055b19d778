"""Options, redemption codes, per-request costs and external-billing transactions."""
from __future__ import annotations

from ..extensions import db
from .base import RedemptionStatus, TimestampMixin, TransactionStatus


class Option(db.Model):
    __tablename__ = "options"

    key = db.Column(db.String(191), primary_key=True)
    value = db.Column(db.Text, default="")


class Redemption(TimestampMixin, db.Model):
    __tablename__ = "redemptions"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, default=0)
    key = db.Column(db.String(32), unique=True, index=True, nullable=False)
    status = db.Column(db.Integer, default=int(RedemptionStatus.ENABLED), nullable=False)
    name = db.Column(db.String(191), index=True, default="")
    quota = db.Column(db.BigInteger, default=100, nullable=False)
    created_time = db.Column(db.BigInteger, default=0)
    redeemed_time = db.Column(db.BigInteger, default=0)


class UserRequestCost(TimestampMixin, db.Model):
    __tablename__ = "user_request_costs"

    id = db.Column(db.Integer, primary_key=True)
    created_time = db.Column(db.BigInteger, index=True, default=0)
    user_id = db.Column(db.Integer, index=True, nullable=False)
    request_id = db.Column(db.String(32), unique=True, index=True, nullable=False)
    quota = db.Column(db.BigInteger, default=0, nullable=False)

    @property
    def cost_usd(self) -> float:
        return self.quota / 500000


class TokenTransaction(TimestampMixin, db.Model):
    __tablename__ = "token_transactions"
    __table_args__ = (db.UniqueConstraint("token_id", "transaction_id", name="uidx_token_txn"),)

    id = db.Column(db.Integer, primary_key=True)
    transaction_id = db.Column(db.String(128), nullable=False)
    token_id = db.Column(db.Integer, index=True, nullable=False)
    user_id = db.Column(db.Integer, index=True, nullable=False)
    status = db.Column(db.Integer, index=True, default=int(TransactionStatus.PENDING))
    pre_quota = db.Column(db.BigInteger, default=0)
    final_quota = db.Column(db.BigInteger, nullable=True)
    reason = db.Column(db.Text, default="")
    request_id = db.Column(db.String(64), default="")
    trace_id = db.Column(db.String(64), default="")
    expires_at = db.Column(db.BigInteger, index=True, default=0)
    confirmed_at = db.Column(db.BigInteger, nullable=True)
    canceled_at = db.Column(db.BigInteger, nullable=True)
    auto_confirmed = db.Column(db.Boolean, default=False)
    log_id = db.Column(db.Integer, index=True, nullable=True)
    elapsed_time_ms = db.Column(db.BigInteger, default=0)
