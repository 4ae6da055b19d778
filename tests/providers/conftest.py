"""Native provider tests: a scripted loopback vendor server and a relay helper."""
from __future__ import annotations

import orjson
import pytest

from oneapi.extensions import db
from oneapi.models import Log
from oneapi.services import relay_cache
from tests.mocks.vendor_mock import VendorMock


@pytest.fixture(autouse=True)
def _fresh_relay_caches():
    relay_cache.reset()
    yield
    relay_cache.reset()


@pytest.fixture
def vendor():
    server = VendorMock().start()
    yield server
    server.stop()


class Gateway:
    """Calls the gateway through the Flask test client and reads the resulting log row."""

    def __init__(self, app, client, headers):
        self.app, self.client, self.headers = app, client, headers

    def post(self, path: str, body: dict):
        resp = self.client.post(path, headers=self.headers, json=body, buffered=True)
        data = resp.get_data()
        resp.close()
        return resp, data

    def chat(self, body: dict):
        return self.post("/v1/chat/completions", body)

    def events(self, data: bytes) -> list:
        out = []
        for line in data.split(b"\n"):
            if line.startswith(b"data: "):
                payload = line[6:]
                out.append(payload if payload == b"[DONE]" else orjson.loads(payload))
        return out

    def log(self, resp) -> Log:
        with self.app.app_context():
            rows = db.session.execute(db.select(Log).filter_by(
                request_id=resp.headers["X-Oneapi-Request-Id"])).scalars().all()
            assert len(rows) == 1, rows
            return rows[0]


@pytest.fixture
def gateway(app, client, make_user, make_token):
    user = make_user(quota=50_000_000)
    token = make_token(user)
    return Gateway(app, client, {"Authorization": f"Bearer sk-{token.key}"})
