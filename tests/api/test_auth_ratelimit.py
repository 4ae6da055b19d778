"""Rate limits with Flask-Limiter on a dedicated app (the shared test app runs without them)."""
from __future__ import annotations

import pytest

from oneapi import create_app
from oneapi.extensions import limiter
from oneapi.services import cache_bus, options
from tests.conftest import make_settings


@pytest.fixture
def limited_app(app, database_url):
    saved = (options._store, cache_bus._bus, limiter.enabled)
    settings = make_settings(database_url, rate_limit_disabled=False, critical_rate_limit=3,
                             global_api_rate_limit=5)
    limited = create_app({"SETTINGS": settings, "SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    try:
        yield limited
    finally:
        options._store, cache_bus._bus, limiter.enabled = saved
        limiter.init_app(app)  # back to the shared app's (disabled) settings


def test_critical_limit_on_login(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        resp = client.post("/api/user/login", json={"username": "root", "password": "bad-password"})
        assert resp.status_code == 200
    resp = client.post("/api/user/login", json={"username": "root", "password": "123456"})
    assert resp.status_code == 429
    assert resp.get_json()["success"] is False
    # other critical routes share the budget
    assert client.get("/api/oauth/state").status_code == 429


def test_global_api_limit(limited_app):
    client = limited_app.test_client()
    codes = [client.get("/api/user/self").status_code for _ in range(5)]
    assert codes == [401] * 5
    assert client.get("/api/group/").status_code == 429  # shared across /api blueprints


def test_shared_app_stays_unlimited(limited_app, client):
    for _ in range(10):
        assert client.post("/api/user/login", json={"username": "root", "password": "x"}).status_code == 200
