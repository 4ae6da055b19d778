"""Public endpoints: status bootstrap for the UI, notice, about, home page content."""
from __future__ import annotations

import time

from flask import Blueprint

from .. import __version__
from ..services import options
from .common import ok

bp = Blueprint("api_status", __name__, url_prefix="/api")
_started = int(time.time())


@bp.get("/status")
def status():
    o = options.get_option
    b = options.get_bool
    return ok({
        "version": __version__,
        "start_time": _started,
        "email_verification": b("EmailVerificationEnabled"),
        "github_oauth": b("GitHubOAuthEnabled"),
        "github_client_id": o("GitHubClientId"),
        "lark_client_id": o("LarkClientId"),
        "system_name": o("SystemName"),
        "logo": o("Logo"),
        "footer_html": o("Footer"),
        "wechat_qrcode": o("WeChatAccountQRCodeImageURL"),
        "wechat_login": b("WeChatAuthEnabled"),
        "server_address": o("ServerAddress"),
        "turnstile_check": b("TurnstileCheckEnabled"),
        "turnstile_site_key": o("TurnstileSiteKey"),
        "top_up_link": o("TopUpLink"),
        "chat_link": o("ChatLink"),
        "quota_per_unit": options.get_int("QuotaPerUnit", 500000),
        "display_in_currency": b("DisplayInCurrencyEnabled"),
        "oidc": b("OidcEnabled"),
        "oidc_client_id": o("OidcClientId"),
        "oidc_well_known": o("OidcWellKnown"),
        "oidc_authorization_endpoint": o("OidcAuthorizationEndpoint"),
        "oidc_token_endpoint": o("OidcTokenEndpoint"),
        "oidc_userinfo_endpoint": o("OidcUserinfoEndpoint"),
        "password_login": b("PasswordLoginEnabled"),
        "password_register": b("PasswordRegisterEnabled") and b("RegisterEnabled"),
        "register_enabled": b("RegisterEnabled"),
        "stripe_enabled": False,
        "min_topup_usd": 5,
    }, message="success")


@bp.get("/notice")
def notice():
    return ok(options.get_option("Notice"))


@bp.get("/about")
def about():
    return ok(options.get_option("About"))


@bp.get("/home_page_content")
def home_page_content():
    return ok(options.get_option("HomePageContent"))
