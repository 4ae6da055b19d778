"""GLOBAL_RELAY_RATE_LIMIT (per key) and GLOBAL_WEB_RATE_LIMIT (per IP) on a dedicated app."""
from oneapi import create_app
from oneapi.config import from_env


def _app(database_url, **env):
    base = {"SESSION_SECRET": "x", "RATE_LIMIT_DISABLED": "false"}
    base.update(env)
    return create_app({"SETTINGS": from_env(base), "SQLALCHEMY_DATABASE_URI": database_url})


def test_relay_limit_is_per_key_and_answers_openai_429(app, database_url):
    c = _app(database_url, GLOBAL_RELAY_RATE_LIMIT="2").test_client()
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}
    first = [c.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-aaaa"})
             for _ in range(2)]
    assert all(r.status_code == 401 for r in first)
    limited = c.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-aaaa"})
    assert limited.status_code == 429
    assert "error" in limited.get_json()
    assert limited.headers["X-Oneapi-Request-Id"] in limited.get_json()["error"]["message"]
    # another key has its own budget
    other = c.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-bbbb"})
    assert other.status_code == 401


def test_web_limit_per_ip(app, database_url):
    c = _app(database_url, GLOBAL_WEB_RATE_LIMIT="2").test_client()
    codes = [c.get("/some/spa/page").status_code for _ in range(3)]
    assert codes[2] == 429
    assert c.get("/api/status").status_code == 200  # the API has its own budget


def test_relay_limit_is_shared_through_redis(app, database_url):
    """With REDIS_CONN_STRING two app instances (two workers or hosts) share one budget per key."""
    import os
    import secrets

    import pytest

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("TEST_REDIS_URL missing: `make test` starts Redis")
        pytest.skip("TEST_REDIS_URL not set")
    a = _app(database_url, GLOBAL_RELAY_RATE_LIMIT="3", REDIS_CONN_STRING=url).test_client()
    b = _app(database_url, GLOBAL_RELAY_RATE_LIMIT="3", REDIS_CONN_STRING=url).test_client()
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}
    key = {"Authorization": "Bearer sk-" + secrets.token_hex(8)}  # fresh key: a fresh window
    codes = [c.post("/v1/chat/completions", json=body, headers=key).status_code for c in (a, b, a, b)]
    assert codes == [401, 401, 401, 429]
