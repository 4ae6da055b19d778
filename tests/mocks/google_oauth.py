"""Loopback Google OAuth token endpoint (JWT bearer grant) for Vertex AI tests.

``check_token_request(seen, public_key, email)`` validates the form, the RS256 signature and the
claims of the assertion exactly as Google's token endpoint would."""
from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs

import orjson


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def make_service_account(token_uri: str, project: str = "proj-1"):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    account = {"type": "service_account", "project_id": project, "private_key_id": "kid-1",
               "private_key": pem, "client_email": "svc@proj-1.iam.gserviceaccount.com",
               "client_id": "1", "token_uri": token_uri}
    return account, key.public_key()


def check_token_request(seen, public_key, email: str, audience: str) -> dict:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    assert seen.method == "POST"
    assert seen.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    form = {k: v[0] for k, v in parse_qs(seen.body.decode()).items()}
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header_b64, claims_b64, sig_b64 = form["assertion"].split(".")
    public_key.verify(_unb64(sig_b64), f"{header_b64}.{claims_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
    header, claims = orjson.loads(_unb64(header_b64)), orjson.loads(_unb64(claims_b64))
    assert header == {"alg": "RS256", "typ": "JWT", "kid": "kid-1"}
    assert claims["iss"] == email and claims["aud"] == audience
    assert claims["scope"] == "https://www.googleapis.com/auth/cloud-platform"
    assert abs(claims["iat"] - time.time()) < 60 and claims["exp"] - claims["iat"] == 3600
    return claims
