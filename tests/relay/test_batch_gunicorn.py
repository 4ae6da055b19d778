"""BATCH_UPDATE_ENABLED under gunicorn: counters are flushed on the interval and on shutdown."""
from __future__ import annotations

import concurrent.futures

import pytest
import requests
from sqlalchemy import create_engine, select

from oneapi.models import Channel, Log, Token, User
from tests.mocks.gateway import Gateway
from tests.mocks.openai_upstream import start_mock

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _chat(gw, key, i):
    body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": f"hi {i}"}], "stream": bool(i % 2)}
    with requests.post(f"{gw.url}/v1/chat/completions", json=body, stream=True, timeout=30,
                       headers={"Authorization": f"Bearer sk-{key}"}) as resp:
        b"".join(resp.iter_content(None))
        return resp.status_code


def test_batched_counters_flush_on_interval_and_shutdown(tmp_path):
    upstream = start_mock()
    gw = Gateway(tmp_path, env={"BATCH_UPDATE_ENABLED": "true", "BATCH_UPDATE_INTERVAL": "1"}).start()
    try:
        channel_id = gw.add_channel(upstream.url)
        user_id = gw.add_user(quota=10_000_000)
        key = gw.add_token(user_id, remain_quota=5_000_000, unlimited=False)
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            assert set(pool.map(lambda i: _chat(gw, key, i), range(40))) == {200}

        def flushed():
            logs = gw.logs(user_id=user_id, type=2)
            total = sum(entry["quota"] for entry in logs)
            user = gw.row(User, user_id)
            return len(logs) == 40 and user["used_quota"] == total and total

        total = gw.wait_for(flushed, timeout=15)
        assert total and 10_000_000 - gw.row(User, user_id)["quota"] == total
        assert gw.row(Channel, channel_id)["used_quota"] == total
        # a second burst, then stop at once: worker_exit flushes what the interval did not
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            assert set(pool.map(lambda i: _chat(gw, key, i), range(10))) == {200}
    finally:
        gw.stop()
        upstream.stop()
    engine = create_engine(gw.uri)  # the gateway's engine is disposed: read the file afresh
    with engine.connect() as conn:
        quotas = list(conn.execute(select(Log.quota).where(Log.user_id == user_id, Log.type == 2)).scalars())
        user = conn.execute(select(User).where(User.id == user_id)).mappings().one()
        token = conn.execute(select(Token).where(Token.user_id == user_id)).mappings().one()
    engine.dispose()
    assert len(quotas) == 50
    assert user["used_quota"] == sum(quotas) == 10_000_000 - user["quota"]
    assert user["request_count"] == 50
    assert 5_000_000 - token["remain_quota"] == sum(quotas) == token["used_quota"]
