"""AWS Signature Version 4 for Bedrock runtime requests (pure; no clock of its own).

``sign`` returns the headers to add (``X-Amz-Date``, ``Authorization`` and, for temporary
credentials, ``X-Amz-Security-Token``). The canonical URI is the request path URI-encoded
once more (the non-S3 rule: ``anthropic.claude-v2:1`` travels as ``%3A`` and is signed as
``%253A``).
"""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for item in query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        pairs.append((key, value))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    k = _hmac(("AWS4" + secret_key).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def sign(method: str, url: str, headers: dict[str, str], body: bytes, *, access_key: str, secret_key: str,
         region: str, service: str, amz_date: str, session_token: str = "") -> dict[str, str]:
    """Headers to add to the request. ``amz_date`` is ``YYYYMMDDTHHMMSSZ``; ``headers`` are
    the ones to sign besides ``host`` / ``x-amz-date`` (e.g. content-type)."""
    parts = urlsplit(url)
    added = {"X-Amz-Date": amz_date}
    if session_token:
        added["X-Amz-Security-Token"] = session_token
    signed: dict[str, str] = {"host": parts.netloc}
    for name, value in list(headers.items()) + list(added.items()):
        signed[name.lower()] = " ".join(str(value).strip().split())
    names = sorted(signed)
    canonical_headers = "".join(f"{n}:{signed[n]}\n" for n in names)
    signed_headers = ";".join(names)
    canonical_uri = quote(parts.path or "/", safe="/~")
    payload_hash = hashlib.sha256(body or b"").hexdigest()
    canonical = "\n".join([method.upper(), canonical_uri, _canonical_query(parts.query), canonical_headers,
                           signed_headers, payload_hash])
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    signature = hmac.new(signing_key(secret_key, date, region, service), to_sign.encode("utf-8"),
                         hashlib.sha256).hexdigest()
    added["Authorization"] = (f"{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={signed_headers}, "
                              f"Signature={signature}")
    return added
