"""Spark WebSocket protocol pieces (pure): versions/domains, signed URL, request/response shapes.

Signed URL (Spark docs / one-api): ``signature = base64(hmac_sha256(apiSecret,
"host: {host}\\ndate: {date}\\nGET {path} HTTP/1.1"))``; ``authorization = base64('api_key="{key}",
algorithm="hmac-sha256", headers="host date request-line", signature="{signature}"')``;
URL ``{scheme}://{host}{path}?authorization=..&date=..&host=..``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from email.utils import formatdate
from urllib.parse import urlencode, urlsplit

DEFAULT_HOST_URL = "wss://spark-api.xf-yun.com"
DEFAULT_VERSION = "v1.1"
DOMAINS = {"v1.1": "lite", "v2.1": "generalv2", "v3.1": "generalv3", "v3.1-128K": "pro-128k",
           "v3.5": "generalv3.5", "v3.5-32K": "max-32k", "v4.0": "4.0Ultra"}
PATHS = {"v3.1-128K": "/chat/pro-128k", "v3.5-32K": "/chat/max-32k"}
# Spark error codes → HTTP statuses
_STATUS = {11200: 403, 11201: 429, 11202: 429, 11203: 429, 10013: 400, 10014: 400, 10019: 400, 10907: 400,
           10160: 400, 10161: 400, 10162: 400, 10163: 400, 10222: 400, 10004: 400, 10005: 401, 10006: 401,
           10007: 400, 10010: 502, 10012: 500, 10110: 503, 10111: 400}


def split_key(key: str) -> tuple[str, str, str]:
    parts = [p.strip() for p in (key or "").split("|")]
    if len(parts) != 3 or not all(parts):
        raise ValueError("Xunfei channel key must be APPID|APISecret|APIKey")
    return parts[0], parts[1], parts[2]


def api_version(model: str, configured: str | None) -> str:
    if configured and str(configured).strip():
        return str(configured).strip()
    if "-" in model:
        candidate = model[model.index("-") + 1:]
        if candidate.startswith("v"):
            return candidate
    return DEFAULT_VERSION


def domain_of(version: str) -> str:
    if version in DOMAINS:
        return DOMAINS[version]
    return "general" + version.lstrip("v") if version.startswith("v") else version


def path_of(version: str) -> str:
    return f"/{version}" + PATHS.get(version, "/chat")


def signed_url(base: str, version: str, api_key: str, api_secret: str, now: float) -> str:
    base = (base or DEFAULT_HOST_URL).rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://"):]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://"):]
    parts = urlsplit(base)
    host = parts.netloc
    path = parts.path.rstrip("/") + path_of(version)
    date = formatdate(now, usegmt=True)
    origin = f"host: {host}\ndate: {date}\nGET {path} HTTP/1.1"
    signature = base64.b64encode(hmac.new(api_secret.encode(), origin.encode(), hashlib.sha256).digest()).decode()
    auth = (f'api_key="{api_key}", algorithm="hmac-sha256", headers="host date request-line", '
            f'signature="{signature}"')
    query = urlencode({"authorization": base64.b64encode(auth.encode()).decode(), "date": date, "host": host})
    return f"{parts.scheme}://{host}{path}?{query}"


def status_of(code) -> int:
    try:
        code = int(code)
    except (TypeError, ValueError):
        return 500
    return _STATUS.get(code, 500)


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                out.append(str(part.get("text") or ""))
            elif isinstance(part, dict) and part.get("type") == "image_url":
                raise ValueError("Xunfei Spark chat accepts text content only")
        return "".join(out)
    return "" if content is None else str(content)


def to_spark_request(req: dict, app_id: str, domain: str, user: str) -> dict:
    messages = []
    for msg in req.get("messages") or []:
        if not isinstance(msg, dict):
            raise ValueError("messages: every item must be an object")
        role = msg.get("role")
        if role == "developer":
            role = "system"
        if role not in ("system", "user", "assistant", "tool", "function"):
            raise ValueError(f"messages: unsupported role {role!r}")
        item = {"role": "user" if role in ("tool", "function") else role, "content": _text(msg.get("content"))}
        messages.append(item)
    if not messages:
        raise ValueError("messages: at least one message is required")
    chat: dict = {"domain": domain, "auditing": "default"}
    if req.get("temperature") is not None:
        chat["temperature"] = req["temperature"]
    if req.get("top_k") is not None:
        chat["top_k"] = req["top_k"]
    max_tokens = req.get("max_tokens") or req.get("max_completion_tokens")
    if max_tokens:
        chat["max_tokens"] = int(max_tokens)
    payload: dict = {"message": {"text": messages}}
    functions = [t["function"] for t in req.get("tools") or [] if isinstance(t, dict) and isinstance(t.get("function"), dict)]
    functions += [f for f in req.get("functions") or [] if isinstance(f, dict)]
    if functions:
        payload["functions"] = {"text": functions}
    return {"header": {"app_id": app_id, "uid": user[:32] or "oneapi"}, "parameter": {"chat": chat},
            "payload": payload}


def spark_usage(frame: dict) -> dict | None:
    usage = (((frame.get("payload") or {}).get("usage") or {}).get("text")) if isinstance(frame, dict) else None
    if not isinstance(usage, dict):
        return None
    prompt = int(usage.get("prompt_tokens") or 0)
    completion = int(usage.get("completion_tokens") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": int(usage.get("total_tokens") or prompt + completion)}


def frame_texts(frame: dict) -> list[dict]:
    choices = ((frame.get("payload") or {}).get("choices") or {}) if isinstance(frame, dict) else {}
    return [t for t in choices.get("text") or [] if isinstance(t, dict)]


def merge_frames(frames: list[dict]) -> dict:
    """All frames of one answer → one Spark-shaped response (the non-stream body)."""
    content, calls, last = [], [], frames[-1] if frames else {}
    for frame in frames:
        for text in frame_texts(frame):
            content.append(str(text.get("content") or ""))
            if isinstance(text.get("function_call"), dict):
                calls.append(text["function_call"])
    text: dict = {"role": "assistant", "content": "".join(content), "index": 0}
    if calls:
        text["function_call"] = calls[-1]
    out = {"header": last.get("header") or {}, "payload": {"choices": {"status": 2, "seq": 0, "text": [text]}}}
    usage = ((last.get("payload") or {}).get("usage"))
    if usage:
        out["payload"]["usage"] = usage
    return out
