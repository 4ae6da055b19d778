"""Relay fixtures: a mock OpenAI upstream on 127.0.0.1 and a ready user/token/channel."""
from __future__ import annotations

import pytest

from oneapi.services import relay_cache
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
def relay_setup(make_user, make_token, make_channel, upstream):
    """(user, token, channel, auth headers) with a quota of 10M and an unlimited key."""
    user = make_user(quota=10_000_000)
    token = make_token(user)
    channel = make_channel(base_url=upstream.url, models="gpt-3.5-turbo,gpt-4o,text-embedding-3-small")
    headers = {"Authorization": f"Bearer sk-{token.key}"}
    return user, token, channel, headers
