"""Service-account credentials → OAuth access token (RFC 7523 JWT bearer grant).

The service-account JSON (config ``vertex_ai_adc``, or the channel key when it holds JSON)
is turned into an RS256-signed JWT (``iss`` = client_email, ``scope`` = cloud-platform,
``aud`` = token URI) and exchanged at ``token_uri`` (the JSON's own ``token_uri``, overridden
by config ``vertex_ai_token_url``) for an access token, cached per service account until
five minutes before it expires.
"""
from __future__ import annotations

import base64
import threading
import time

import orjson
import requests

from ...relay import transport
from ..vendor_errors import VendorError

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_cache: dict[tuple, tuple[str, float]] = {}
_lock = threading.Lock()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def service_account(config: dict, key: str) -> dict:
    raw = config.get("vertex_ai_adc") if isinstance(config, dict) else None
    if not raw and key.strip().startswith("{"):
        raw = key
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ValueError("Vertex AI channel config vertex_ai_adc is not valid JSON") from None
    if not isinstance(raw, dict):
        raise ValueError("Vertex AI channel needs service-account JSON in config vertex_ai_adc (or in the key)")
    if not raw.get("client_email") or not raw.get("private_key"):
        raise ValueError("Vertex AI service-account JSON must contain client_email and private_key")
    return raw


def token_uri(config: dict, account: dict) -> str:
    override = config.get("vertex_ai_token_url") if isinstance(config, dict) else None
    return str(override or account.get("token_uri") or DEFAULT_TOKEN_URI)


def signed_jwt(account: dict, audience: str, now: int) -> str:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    header = {"alg": "RS256", "typ": "JWT"}
    if account.get("private_key_id"):
        header["kid"] = account["private_key_id"]
    claims = {"iss": account["client_email"], "sub": account["client_email"], "scope": SCOPE, "aud": audience,
              "iat": now, "exp": now + 3600}
    signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(claims))}".encode()
    try:
        key = serialization.load_pem_private_key(str(account["private_key"]).encode(), password=None)
    except (ValueError, TypeError):
        raise ValueError("Vertex AI service-account private_key is not a valid PEM RSA key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("Vertex AI service-account private_key must be an RSA key")
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode() + "." + _b64(signature)


def access_token(config: dict, key: str, relay_timeout: int = 0) -> str:
    account = service_account(config, key)
    uri = token_uri(config, account)
    cache_key = (account["client_email"], account.get("private_key_id") or "", uri)
    cached = _cache.get(cache_key)
    now = time.time()
    if cached and cached[1] > now:
        return cached[0]
    assertion = signed_jwt(account, uri, int(now))
    try:
        resp = transport.send("POST", uri, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                    "Accept": "application/json"},
                              data={"grant_type": GRANT, "assertion": assertion}, stream=False,
                              relay_timeout=relay_timeout or 30)
        data = orjson.loads(resp.content or b"{}")
    except (requests.RequestException, orjson.JSONDecodeError) as err:
        raise VendorError(f"Vertex AI token exchange failed: {err}", status=502, code="vertex_token_failed",
                          type="upstream_error") from None
    token = data.get("access_token") if isinstance(data, dict) else None
    if resp.status_code != 200 or not token:
        detail = (data.get("error_description") or data.get("error")) if isinstance(data, dict) else None
        raise VendorError(f"Vertex AI token exchange failed: {detail or resp.status_code}", status=401,
                          code="vertex_token_failed", type="upstream_error")
    expires = float(data.get("expires_in") or 3600)
    with _lock:
        _cache[cache_key] = (str(token), now + max(expires - 300, expires / 2))
    return str(token)


def forget(config: dict, key: str) -> None:
    try:
        account = service_account(config, key)
    except ValueError:
        return
    with _lock:
        _cache.pop((account["client_email"], account.get("private_key_id") or "", token_uri(config, account)), None)


def reset() -> None:
    with _lock:
        _cache.clear()
