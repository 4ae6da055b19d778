"""External billing: other systems charge quota to a relay key (``POST /api/token/consume``).

Phases (reference §1.3): ``pre`` holds quota on the key and its owner, ``post`` settles a hold
at the final amount (extra charge or refund), ``cancel`` refunds a hold, ``single`` charges in
one call (0 = free audit row). Every call first auto-confirms the key's expired holds at their
reserved amount. Every quota move is a conditional UPDATE, so balances never go negative and
a hold is settled at most once even under concurrent calls. Services flush; the view commits.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import BadRequest, Conflict, NotFound, QuotaExceeded
from ..extensions import db
from ..models import (Log, LogType, Token, TokenStatus, TokenTransaction, TransactionStatus, User,
                      now_s)
from . import cache_bus
from .logs import record_log

PENDING, CONFIRMED = int(TransactionStatus.PENDING), int(TransactionStatus.CONFIRMED)
AUTO_CONFIRMED, CANCELED = int(TransactionStatus.AUTO_CONFIRMED), int(TransactionStatus.CANCELED)
STATUS_NAMES = {PENDING: "pending", CONFIRMED: "confirmed", AUTO_CONFIRMED: "auto_confirmed",
                CANCELED: "canceled"}
PHASES = ("pre", "post", "cancel", "single")
MAX_HISTORY = 1000


@dataclass(frozen=True)
class ConsumeRequest:
    add_reason: str
    phase: str = "single"
    add_used_quota: int | None = None
    transaction_id: str | None = None
    final_used_quota: int | None = None
    elapsed_time_ms: int | None = None
    timeout_seconds: int | None = None


# ------------------------------------------------------------------ quota moves

def _charge(token: Token, amount: int) -> None:
    """Take ``amount`` from the key (unless unlimited) and from its owner; refuse overdraft."""
    if amount <= 0:
        return
    now = now_s()
    stmt = update(Token).where(Token.id == token.id)
    if not token.unlimited_quota:
        stmt = stmt.where(Token.remain_quota >= amount).values(remain_quota=Token.remain_quota - amount)
    moved = db.session.execute(stmt.values(used_quota=Token.used_quota + amount, accessed_time=now)
                               .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise QuotaExceeded(f"token quota is not enough: {amount} needed")
    moved = db.session.execute(update(User).where(User.id == token.user_id, User.quota >= amount)
                               .values(quota=User.quota - amount)
                               .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        raise QuotaExceeded(f"user quota is not enough: {amount} needed")


def _refund(token: Token, amount: int) -> None:
    if amount <= 0:
        return
    values = {"used_quota": Token.used_quota - amount, "accessed_time": now_s()}
    if not token.unlimited_quota:
        values["remain_quota"] = Token.remain_quota + amount
    db.session.execute(update(Token).where(Token.id == token.id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(User).where(User.id == token.user_id)
                       .values(quota=User.quota + amount)
                       .execution_options(synchronize_session=False))
    # a key marked exhausted becomes usable again once the refund gives it quota back
    db.session.execute(update(Token).where(Token.id == token.id,
                                           Token.status == int(TokenStatus.EXHAUSTED),
                                           (Token.remain_quota > 0) | Token.unlimited_quota)
                       .values(status=int(TokenStatus.ENABLED))
                       .execution_options(synchronize_session=False))


def _count_used(user_id: int, amount: int) -> None:
    if amount > 0:
        db.session.execute(update(User).where(User.id == user_id)
                           .values(used_quota=User.used_quota + amount)
                           .execution_options(synchronize_session=False))


def _claim(txn: TokenTransaction, new_status: int, **values) -> bool:
    """Move a pending transaction to ``new_status``; False if someone else settled it first."""
    return db.session.execute(
        update(TokenTransaction)
        .where(TokenTransaction.id == txn.id, TokenTransaction.status == PENDING)
        .values(status=new_status, **values)
        .execution_options(synchronize_session=False)).rowcount == 1


def _update_log(log_id: int | None, quota: int, content: str) -> None:
    if log_id:
        db.session.execute(update(Log).where(Log.id == log_id).values(quota=quota, content=content)
                           .execution_options(synchronize_session=False))


# ------------------------------------------------------------------ phases

def auto_confirm_expired(token: Token) -> int:
    """Confirm the key's pending holds whose deadline passed, at the reserved amount."""
    now = now_s()
    expired = db.session.execute(
        select(TokenTransaction).where(TokenTransaction.token_id == token.id,
                                       TokenTransaction.status == PENDING,
                                       TokenTransaction.expires_at <= now)).scalars().all()
    count = 0
    for txn in expired:
        if _claim(txn, AUTO_CONFIRMED, final_quota=txn.pre_quota, confirmed_at=now,
                  auto_confirmed=True):
            _count_used(txn.user_id, txn.pre_quota or 0)
            _update_log(txn.log_id, txn.pre_quota or 0,
                        f"External billing: {txn.reason} (auto-confirmed after timeout)")
            count += 1
    return count


def _log(token: Token, quota: int, content: str, txn_id: str, phase: str, request_id: str,
         elapsed_ms: int | None) -> int:
    row = record_log(token.user_id, LogType.TOOL, content, quota=quota, token_name=token.name,
                     token_id=token.id, request_id=request_id, model_name="external_billing",
                     elapsed_time=int(elapsed_ms or 0),
                     metadata={"external_billing": True, "transaction_id": txn_id,
                               "phase": phase})
    return row.id


def _new_transaction(token: Token, req: ConsumeRequest, status: int, pre: int, final: int | None,
                     expires_at: int, request_id: str) -> TokenTransaction:
    txn_id = (req.transaction_id or "").strip() or uuid.uuid4().hex
    exists = db.session.execute(select(TokenTransaction.id).where(
        TokenTransaction.token_id == token.id, TokenTransaction.transaction_id == txn_id)).first()
    if exists:
        raise Conflict(f"transaction_id {txn_id} already exists for this key")
    now = now_s()
    txn = TokenTransaction(transaction_id=txn_id, token_id=token.id, user_id=token.user_id,
                           status=status, pre_quota=pre, final_quota=final,
                           reason=req.add_reason, request_id=request_id, trace_id=request_id,
                           expires_at=expires_at, elapsed_time_ms=int(req.elapsed_time_ms or 0),
                           confirmed_at=now if status == CONFIRMED else None,
                           auto_confirmed=False)
    db.session.add(txn)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(f"transaction_id {txn_id} already exists for this key") from None
    return txn


def _pending(token: Token, transaction_id: str | None) -> TokenTransaction:
    if not (transaction_id or "").strip():
        raise BadRequest("transaction_id is required for the post and cancel phases")
    txn = db.session.execute(select(TokenTransaction).where(
        TokenTransaction.token_id == token.id,
        TokenTransaction.transaction_id == transaction_id.strip())).scalar_one_or_none()
    if txn is None:
        raise NotFound(f"transaction {transaction_id} not found for this key")
    if txn.status != PENDING:
        raise Conflict(f"transaction {transaction_id} is already {STATUS_NAMES.get(txn.status, txn.status)}")
    return txn


def consume(token: Token, req: ConsumeRequest, *, request_id: str = "", default_timeout: int = 600,
            max_timeout: int = 3600) -> TokenTransaction:
    """Run one phase; returns the transaction row (refreshed)."""
    if req.phase not in PHASES:
        raise BadRequest(f"phase must be one of {', '.join(PHASES)}")
    reason = (req.add_reason or "").strip()
    if not reason:
        raise BadRequest("add_reason is required")
    auto_confirm_expired(token)
    now = now_s()
    if req.phase == "pre":
        amount = int(req.add_used_quota or 0)
        if amount <= 0:
            raise BadRequest("add_used_quota must be > 0 for the pre phase")
        timeout = req.timeout_seconds or default_timeout
        timeout = max(1, min(int(timeout), max_timeout))
        txn = _new_transaction(token, req, PENDING, amount, None, now + timeout, request_id)
        _charge(token, amount)
        txn.log_id = _log(token, amount, f"External billing hold: {reason}", txn.transaction_id,
                          "pre", request_id, req.elapsed_time_ms)
    elif req.phase == "single":
        amount = int(req.add_used_quota or 0)
        txn = _new_transaction(token, req, CONFIRMED, amount, amount, now, request_id)
        _charge(token, amount)
        _count_used(token.user_id, amount)
        txn.log_id = _log(token, amount, f"External billing: {reason}", txn.transaction_id,
                          "single", request_id, req.elapsed_time_ms)
    elif req.phase == "post":
        txn = _pending(token, req.transaction_id)
        pre = int(txn.pre_quota or 0)
        if req.final_used_quota is not None:
            final = int(req.final_used_quota)
        elif req.add_used_quota is not None:
            final = int(req.add_used_quota)
        else:
            final = pre
        if not _claim(txn, CONFIRMED, final_quota=final, confirmed_at=now,
                      elapsed_time_ms=int(req.elapsed_time_ms or txn.elapsed_time_ms or 0)):
            raise Conflict(f"transaction {txn.transaction_id} was settled concurrently")
        if final > pre:
            _charge(token, final - pre)
        else:
            _refund(token, pre - final)
        _count_used(token.user_id, final)
        _update_log(txn.log_id, final, f"External billing: {reason}")
    else:  # cancel
        txn = _pending(token, req.transaction_id)
        if not _claim(txn, CANCELED, final_quota=0, canceled_at=now):
            raise Conflict(f"transaction {txn.transaction_id} was settled concurrently")
        _refund(token, int(txn.pre_quota or 0))
        _update_log(txn.log_id, 0, f"External billing canceled: {txn.reason}")
    db.session.flush()
    cache_bus.touch(db.session, "tokens")
    cache_bus.touch(db.session, "users")
    db.session.refresh(txn)
    db.session.refresh(token)
    return txn


def list_transactions(token_id: int, offset: int, limit: int) -> tuple[list[TokenTransaction], int]:
    total = db.session.execute(select(func.count(TokenTransaction.id))
                               .where(TokenTransaction.token_id == token_id)).scalar_one()
    offset = min(offset, MAX_HISTORY)
    limit = max(0, min(limit, MAX_HISTORY - offset))
    stmt = (select(TokenTransaction).where(TokenTransaction.token_id == token_id)
            .order_by(TokenTransaction.id.desc()).offset(offset).limit(limit))
    return list(db.session.execute(stmt).scalars()), min(total, MAX_HISTORY)


def transaction_out(txn: TokenTransaction) -> dict:
    out = {c.key: getattr(txn, c.key) for c in TokenTransaction.__mapper__.column_attrs}
    out["status_code"] = txn.status
    out["status"] = STATUS_NAMES.get(txn.status, "unknown")
    return out
