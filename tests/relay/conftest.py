"""Relay fixtures: a mock OpenAI upstream on 127.0.0.1 and a ready user/token/channel."""
from __future__ import annotations

import pytest

from oneapi.extensions import db
from oneapi.models import Option
from oneapi.services import cache_bus, relay_cache
from tests.mocks.openai_upstream import start_mock


@pytest.fixture(autouse=True)
def _fresh_relay_caches():
    relay_cache.reset()
    yield
    relay_cache.reset()


@pytest.fixture
def upstream():
    server = start_mock()
    yield server
    server.stop()


@pytest.fixture
def set_option(app):
    def setter(key: str, value: str) -> None:
        with app.app_context():
            row = db.session.get(Option, key)
            if row is None:
                db.session.add(Option(key=key, value=value))
            else:
                row.value = value
            cache_bus.touch(db.session, "options")
            db.session.commit()

    return setter


@pytest.fixture
def relay_setup(make_user, make_token, make_channel, upstream):
    """(user, token, channel, auth headers) with a quota of 10M and an unlimited key."""
    user = make_user(quota=10_000_000)
    token = make_token(user)
    channel = make_channel(base_url=upstream.url, models="gpt-3.5-turbo,gpt-4o,text-embedding-3-small")
    headers = {"Authorization": f"Bearer sk-{token.key}"}
    return user, token, channel, headers
