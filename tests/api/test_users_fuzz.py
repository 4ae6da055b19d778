"""Hostile inputs on every user/auth/option write: a clear envelope error, never a 500."""
from __future__ import annotations

import itertools

ROUTES = {
    ("post", "/api/user/login"): ("username", "password"),
    ("post", "/api/user/register"): ("username", "password", "email", "display_name", "aff_code",
                                     "verification_code"),
    ("post", "/api/user/reset"): ("email", "token", "password"),
    ("put", "/api/user/self"): ("username", "display_name", "password"),
    ("post", "/api/user/"): ("username", "password", "display_name", "email", "quota", "group", "role"),
    ("put", "/api/user/"): ("id", "username", "display_name", "email", "password", "group", "quota", "role",
                            "status"),
    ("post", "/api/user/manage"): ("username", "action"),
    ("put", "/api/option/"): ("key", "value", "clear"),
}
FIELDS = sorted({f for fields in ROUTES.values() for f in fields})
WEIRD = [None, True, 1.5, "x" * 5000, [], {}, 10**40, "\x00", "😀" * 30]
BASE = {"username": "fz", "password": "password123", "id": 1, "key": "SystemName", "value": "x",
        "action": "enable", "email": "a@b.co", "token": "t"}


def _crashed(resp) -> bool:
    body = resp.get_json(silent=True) or {}
    return resp.status_code >= 500 or body.get("message") == "internal server error" or "success" not in body


def test_no_input_crashes_a_write_route(root_client):
    bad = []
    for (method, path), fields in ROUTES.items():
        send = getattr(root_client, method)
        for value in WEIRD:  # every field at once
            resp = send(path, json={f: value for f in FIELDS})
            if _crashed(resp):
                bad.append((path, "all", repr(value)[:20], resp.status_code))
        for field, value in itertools.product(fields, (10**40, "\x00", [])):  # one field at a time
            resp = send(path, json={**BASE, field: value})
            if _crashed(resp):
                bad.append((path, field, repr(value)[:20], resp.status_code))
        for raw in ("null", "[]", "1", '"s"', "{", ""):
            resp = send(path, data=raw, content_type="application/json")
            if _crashed(resp):
                bad.append((path, raw, resp.status_code))
    assert not bad, bad[:10]


def test_no_query_crashes_a_read_route(root_client):
    for path in ("/api/user/search?keyword=%00", "/api/user/?sort=id&order=zzz", "/api/user/?p=-5&size=-1",
                 "/api/user/dashboard?from_date=%00", "/api/verification?email=%00@x.co",
                 "/api/reset_password?email=a%00@x.co", "/api/oauth/github?code=%00&state=%00",
                 "/api/oauth/email/bind?email=%00&code=%00", "/api/user/dashboard?user_id=%00"):
        assert not _crashed(root_client.get(path)), path
