"""Quota endpoints: admin top-up, per-request cost, relay-key (``sk-``) introspection and
external billing, and the OpenAI-style ``/dashboard/billing`` pair."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from ..app import get_settings
from ..auth.decorators import admin_required
from ..auth.session import authenticated_user
from ..schemas.redemptions import AdminTopup
from ..schemas.tokens import ConsumeSchema, token_out
from ..services import external_billing
from ..services import logs as log_service
from ..services import redemptions as redemption_service
from ..services.tokens import (authenticate_relay_key, billing_figures, key_available_models,
                               token_models)
from ..web import request_id
from .common import load, ok, page_params, transactional

# No url_prefix: the blueprint also serves /dashboard/billing and /v1/dashboard/billing.
bp = Blueprint("api_billing", __name__)


def _raw_key() -> str:
    for header in ("Authorization", "X-Api-Key", "Api-Key"):
        value = request.headers.get(header, "").strip()
        if value:
            return value
    return ""


def relay_caller(*, allow_exhausted: bool = True):
    """(token, user) of the ``sk-`` key of this request (cached on ``g``). Read-only
    introspection also works for a key whose quota is used up; charging does not."""
    if "relay_caller" not in g:
        g.relay_caller = authenticate_relay_key(_raw_key(), client_ip=request.remote_addr,
                                                allow_exhausted=allow_exhausted)
    return g.relay_caller


def _looks_like_relay_key(raw: str) -> bool:
    value = raw.strip()
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    prefixes = (get_settings().token_key_prefix, "sk-", "laisky-")
    return any(p and value.startswith(p) for p in prefixes)


# ------------------------------------------------------------------ admin / owner

@bp.post("/api/topup")
@admin_required
@transactional
def admin_topup():
    data = load(AdminTopup())
    redemption_service.admin_topup(data["user_id"], data["quota"], data["remark"])
    return ok()


@bp.get("/api/cost/request/<request_id_>")
def request_cost(request_id_: str):
    """Bare object like the fork; only the owner (relay key, session or access token) or an
    admin may read it."""
    raw = request.headers.get("Authorization", "")
    if _looks_like_relay_key(raw):
        user = relay_caller()[1]
    else:
        user = authenticated_user()
    row = log_service.get_request_cost(request_id_, user)
    return jsonify(log_service.request_cost_out(row))


# ------------------------------------------------------------------ relay-key endpoints

@bp.get("/api/token/balance")
def token_balance():
    token, _user = relay_caller()
    return ok({"remain_quota": token.remain_quota, "used_quota": token.used_quota,
               "unlimited_quota": token.unlimited_quota})


@bp.post("/api/token/consume")
@transactional
def token_consume():
    # settling or cancelling a hold must work even when the hold used up the key's quota
    peek = request.get_json(silent=True, force=True)
    phase = peek.get("phase") if isinstance(peek, dict) else None
    token, _user = relay_caller(allow_exhausted=phase in ("post", "cancel"))
    data = load(ConsumeSchema())
    settings = get_settings()
    txn = external_billing.consume(
        token, external_billing.ConsumeRequest(**data), request_id=request_id(),
        default_timeout=settings.external_billing_default_timeout,
        max_timeout=settings.external_billing_max_timeout)
    return ok(token_out(token), transaction=external_billing.transaction_out(txn))


@bp.get("/api/token/transactions")
@transactional
def token_transactions():
    token, _user = relay_caller()
    external_billing.auto_confirm_expired(token)
    page = page_params()
    rows, total = external_billing.list_transactions(token.id, page.offset, page.size)
    return ok([external_billing.transaction_out(t) for t in rows], total=total)


@bp.get("/api/token/logs")
def token_logs():
    token, user = relay_caller()
    page = page_params()
    args = {k: v for k, v in request.args.items() if v != ""}
    from ..schemas.logs import LogQuery

    data = load(LogQuery(), args)
    f = log_service.LogFilter(user_id=user.id, type=data["type"], token_name=token.name,
                              model_name=data["model_name"],
                              start_timestamp=data["start_timestamp"],
                              end_timestamp=data["end_timestamp"])
    rows, total = log_service.list_logs(f, page.offset, page.size)
    return ok([log_service.log_out(r) for r in rows], total=total)


def _user_brief(user) -> dict:
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "role": user.role, "status": user.status, "group": user.group, "quota": user.quota,
            "used_quota": user.used_quota, "created_at": user.created_at,
            "updated_at": user.updated_at}


@bp.get("/api/user/get-by-token")
def user_by_token():
    token, user = relay_caller()
    models = token_models(token)
    token_data = {k: v for k, v in token_out(token).items() if k != "key"}
    token_data["available_models"] = models
    flat = {
        "user_id": user.id, "username": user.username,
        "token_id": token.id, "token_name": token.name, "token_status": token.status,
        "token_used_quota": token.used_quota, "token_remain_quota": token.remain_quota,
        "token_unlimited_quota": token.unlimited_quota,
        "token_created_time": token.created_time, "token_updated_at": token.updated_at,
        "token_accessed_time": token.accessed_time, "token_expired_time": token.expired_time,
        "token_available_models": models,
    }
    # the flattened fields appear both inside ``data`` and at the top level of the body
    return ok({"user": _user_brief(user), "token": token_data, **flat}, **flat)


@bp.get("/api/available_models")
def available_models():
    token, user = relay_caller()
    return ok({"available": key_available_models(token, user), "enabled": True})


# ------------------------------------------------------------------ OpenAI-style dashboard

@bp.get("/dashboard/billing/subscription")
@bp.get("/v1/dashboard/billing/subscription")
def subscription():
    token, user = relay_caller()
    amount, access_until = billing_figures(token, user, "subscription")
    return jsonify({"object": "billing_subscription", "has_payment_method": True,
                    "soft_limit_usd": amount, "hard_limit_usd": amount,
                    "system_hard_limit_usd": amount, "access_until": access_until})


@bp.get("/dashboard/billing/usage")
@bp.get("/v1/dashboard/billing/usage")
def usage():
    token, user = relay_caller()
    amount, _ = billing_figures(token, user, "usage")
    return jsonify({"object": "list", "total_usage": amount * 100})

