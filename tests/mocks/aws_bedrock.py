"""Loopback helpers speaking Bedrock's wire formats: AWS binary eventstream frames (written
independently of the gateway's decoder) and a SigV4 check recomputed with botocore."""
from __future__ import annotations

import base64
import struct
import zlib

import orjson


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    hbytes = b"".join(bytes([len(k.encode())]) + k.encode() + b"\x07" + struct.pack(">H", len(v.encode())) + v.encode()
                      for k, v in headers.items())
    total = 12 + len(hbytes) + len(payload) + 4
    prelude = struct.pack(">II", total, len(hbytes))
    msg = prelude + struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF) + hbytes + payload
    return msg + struct.pack(">I", zlib.crc32(msg) & 0xFFFFFFFF)


def chunk_event(anthropic_event: dict) -> bytes:
    """An InvokeModelWithResponseStream ``chunk`` frame carrying one Anthropic event."""
    payload = orjson.dumps({"bytes": base64.b64encode(orjson.dumps(anthropic_event)).decode(), "p": "abcd"})
    return frame({":event-type": "chunk", ":content-type": "application/json", ":message-type": "event"}, payload)


def converse_event(kind: str, data: dict) -> bytes:
    return frame({":event-type": kind, ":content-type": "application/json", ":message-type": "event"},
                 orjson.dumps(data))


def exception_event(kind: str, message: str) -> bytes:
    return frame({":exception-type": kind, ":content-type": "application/json", ":message-type": "exception"},
                 orjson.dumps({"message": message}))


def verify_sigv4(seen, host_url: str, access_key: str, secret_key: str, region: str, service: str = "bedrock"):
    """Recompute the request's signature with botocore over the headers it claims to sign."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    auth = seen.headers["Authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=")
    cred_part, signed_part, sig_part = [p.strip() for p in auth[len("AWS4-HMAC-SHA256 "):].split(",")]
    signed = signed_part.split("=", 1)[1].split(";")
    assert {"host", "x-amz-date", "content-type"} <= set(signed)
    lower = {k.lower(): v for k, v in seen.headers.items()}
    headers = {name: lower[name] for name in signed}
    request = AWSRequest(method=seen.method, url=host_url.rstrip("/") + seen.path, data=seen.body,
                         headers=headers)
    request.context["timestamp"] = lower["x-amz-date"]
    token = lower.get("x-amz-security-token")
    signer = SigV4Auth(Credentials(access_key, secret_key, token), service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    assert cred_part == f"Credential={access_key}/{lower['x-amz-date'][:8]}/{region}/{service}/aws4_request"
    assert sig_part == f"Signature={expected}", canonical
