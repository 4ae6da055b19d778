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
