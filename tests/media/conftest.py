"""Media fixtures: loopback media upstream, fresh relay caches, a user/key/channel."""
from __future__ import annotations

import pytest

from oneapi.services import relay_cache
from tests.mocks.media_mock import start_media_mock


@pytest.fixture(autouse=True)
def _fresh_relay_caches():
    relay_cache.reset()
    yield
    relay_cache.reset()


@pytest.fixture
def media_upstream():
    server = start_media_mock()
    yield server
    server.stop()


MEDIA_MODELS = "dall-e-2,dall-e-3,gpt-image-1,tts-1,whisper-1,rerank-v3.5,jina-reranker-v2"


@pytest.fixture
def media_setup(make_user, make_token, make_channel, media_upstream):
    user = make_user(quota=10_000_000)
    token = make_token(user)
    channel = make_channel(base_url=media_upstream.url, models=MEDIA_MODELS)
    headers = {"Authorization": f"Bearer sk-{token.key}"}
    return user, token, channel, headers
