"""External identity providers: GitHub OAuth and generic OIDC (authorization-code flow).

Each ``fetch_*_identity(code)`` exchanges the code and returns
``{id, username, display_name, email}``; account matching lives in ``services.users``.
Endpoints are module constants so tests can point them at a loopback server."""
from __future__ import annotations

import logging
import secrets

from typing import TYPE_CHECKING

import requests

from ..errors import BadRequest, UpstreamError
from ..services import options

if TYPE_CHECKING:
    from authlib.integrations.requests_client import OAuth2Session

log = logging.getLogger(__name__)
GITHUB_TOKEN_URL = "https://github.com/login/oauth/access_token"
GITHUB_USER_URL = "https://api.github.com/user"
HTTP_TIMEOUT = 10
STATE_LENGTH = 12


def new_state() -> str:
    return secrets.token_urlsafe(16)[:STATE_LENGTH]


def _authlib_error() -> type[Exception]:
    from authlib.common.errors import AuthlibBaseError

    return AuthlibBaseError


def _session(client_id: str, client_secret: str, redirect_uri: str | None = None) -> OAuth2Session:
    # Authlib (~11 MB resident) is imported on the first login through a provider, not in every
    # worker at start.
    from authlib.integrations.requests_client import OAuth2Session

    return OAuth2Session(client_id, client_secret, redirect_uri=redirect_uri,
                         token_endpoint_auth_method="client_secret_post", timeout=HTTP_TIMEOUT)


def _exchange(session: OAuth2Session, token_url: str, code: str, provider: str) -> None:
    try:
        token = session.fetch_token(token_url, code=code, grant_type="authorization_code",
                                    headers={"Accept": "application/json"})
    except (_authlib_error(), requests.RequestException, ValueError) as exc:
        log.warning("%s token exchange failed: %s", provider, exc)
        raise UpstreamError(f"{provider} login failed: could not exchange the authorization code",
                            status=502) from None
    if not token.get("access_token"):
        raise UpstreamError(f"{provider} login failed: no access token returned", status=502)


def _get_json(session: OAuth2Session, url: str, provider: str) -> dict:
    try:
        resp = session.get(url, headers={"Accept": "application/json"})
        resp.raise_for_status()
        body = resp.json()
    except (_authlib_error(), requests.RequestException, ValueError) as exc:
        log.warning("%s user info request failed: %s", provider, exc)
        raise UpstreamError(f"{provider} login failed: could not read the user profile", status=502) from None
    if not isinstance(body, dict):
        raise UpstreamError(f"{provider} login failed: unexpected user profile", status=502)
    return body


def fetch_github_identity(code: str) -> dict:
    if not options.get_bool("GitHubOAuthEnabled"):
        raise BadRequest("GitHub OAuth login and registration have not been enabled by the administrator")
    if not code:
        raise BadRequest("invalid request: code: missing authorization code")
    session = _session(options.get_option("GitHubClientId"), options.get_option("GitHubClientSecret"))
    _exchange(session, GITHUB_TOKEN_URL, code, "GitHub")
    profile = _get_json(session, GITHUB_USER_URL, "GitHub")
    login = str(profile.get("login") or "").strip()
    if not login:
        raise UpstreamError("GitHub login failed: the profile has no login", status=502)
    return {"id": login, "username": None, "display_name": profile.get("name") or login,
            "email": profile.get("email") or ""}


def _oidc_endpoints() -> tuple[str, str]:
    token_url = options.get_option("OidcTokenEndpoint").strip()
    userinfo_url = options.get_option("OidcUserinfoEndpoint").strip()
    well_known = options.get_option("OidcWellKnown").strip()
    if (not token_url or not userinfo_url) and well_known:
        try:
            resp = requests.get(well_known, timeout=HTTP_TIMEOUT)
            resp.raise_for_status()
            doc = resp.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("OIDC discovery failed: %s", exc)
            raise UpstreamError("OIDC login failed: could not read the well-known configuration",
                                status=502) from None
        token_url = token_url or str(doc.get("token_endpoint") or "")
        userinfo_url = userinfo_url or str(doc.get("userinfo_endpoint") or "")
    if not token_url or not userinfo_url:
        raise BadRequest("OIDC is not configured: token and userinfo endpoints are required")
    return token_url, userinfo_url


def fetch_oidc_identity(code: str) -> dict:
    if not options.get_bool("OidcEnabled"):
        raise BadRequest("OIDC login and registration have not been enabled by the administrator")
    if not code:
        raise BadRequest("invalid request: code: missing authorization code")
    token_url, userinfo_url = _oidc_endpoints()
    redirect_uri = options.get_option("ServerAddress").rstrip("/") + "/oauth/oidc"
    session = _session(options.get_option("OidcClientId"), options.get_option("OidcClientSecret"), redirect_uri)
    _exchange(session, token_url, code, "OIDC")
    info = _get_json(session, userinfo_url, "OIDC")
    subject = str(info.get("sub") or "").strip()
    if not subject:
        raise UpstreamError("OIDC login failed: the user info has no subject", status=502)
    return {"id": subject, "username": info.get("preferred_username") or "",
            "display_name": info.get("name") or info.get("preferred_username") or "",
            "email": info.get("email") or ""}
