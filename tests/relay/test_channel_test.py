"""Channel test, test sweep, auto-enable/disable and balance queries against the mock upstream."""
from __future__ import annotations

import pytest

from oneapi.errors import BadRequest, Conflict
from oneapi.extensions import db
from oneapi.models import Channel, Log
from oneapi.services import channel_test
from tests.mocks.openai_upstream import start_mock


@pytest.fixture
def server():
    s = start_mock()
    yield s
    s.stop()


def test_passing_test_records_time_log_and_auto_enables(app, make_channel, server, set_option):
    set_option("AutomaticEnableChannelEnabled", "true")
    channel = make_channel(base_url=server.url, models="gpt-4o-mini,text-embedding-3-small", status=3)
    with app.app_context():
        result = channel_test.test_channel(channel.id)
        assert result["success"] and result["message"] == "Hello from mock" and result["model"] == "gpt-4o-mini"
        row = db.session.get(Channel, channel.id)
        assert row.status == 1 and row.test_time > 0
        logs = db.session.execute(db.select(Log).filter_by(type=5, channel_id=channel.id)).scalars().all()
        assert len(logs) == 1 and "passed" in logs[0].content
    sent = server.bodies()[-1]
    assert sent["model"] == "gpt-4o-mini" and sent["messages"][0]["content"]


def test_failing_test_auto_disables(app, make_channel, server, set_option):
    set_option("AutomaticDisableChannelEnabled", "true")
    server.fail_status = 401
    channel = make_channel(base_url=server.url)
    with app.app_context():
        result = channel_test.test_channel(channel.id, model="gpt-3.5-turbo")
        assert not result["success"] and "401" in result["message"]
        assert db.session.get(Channel, channel.id).status == 3


def test_sweep_runs_in_background_one_at_a_time(app, make_channel, server):
    first = make_channel(base_url=server.url)
    second = make_channel(base_url=server.url)
    server.default = {"first_delay": 0.3}
    thread = channel_test.test_all_channels(app, "all")
    with pytest.raises(Conflict):
        channel_test.test_all_channels(app, "all")
    thread.join(timeout=30)
    assert not channel_test.sweep_running()
    with app.app_context():
        assert all(db.session.get(Channel, c.id).test_time > 0 for c in (first, second))


def test_balance_openai_style(app, make_channel, server):
    channel = make_channel(base_url=server.url, type=1)
    server.balance_limit, server.balance_used_cents = 120.0, 2050.0
    with app.app_context():
        assert channel_test.update_balance(channel.id) == pytest.approx(99.5)
        assert db.session.get(Channel, channel.id).balance == pytest.approx(99.5)
    other = make_channel(base_url=server.url, type=14, models="claude-3-5-haiku-20241022")
    with app.app_context(), pytest.raises(BadRequest):
        channel_test.update_balance(other.id)


def test_admin_routes(root_client, make_channel, server):
    channel = make_channel(base_url=server.url)
    body = root_client.get(f"/api/channel/test/{channel.id}?model=gpt-3.5-turbo").get_json()
    assert body["success"] and body["modelName"] == "gpt-3.5-turbo" and body["time"] >= 0
    body = root_client.get(f"/api/channel/update_balance/{channel.id}").get_json()
    assert body["success"] and body["balance"] == 75.0
    body = root_client.get("/api/channel/test/999999").get_json()
    assert body["success"] is False
    assert root_client.get("/api/channel/test").get_json()["success"]
    import time
    from oneapi.services import channel_test
    deadline = time.time() + 20
    while channel_test.sweep_running() and time.time() < deadline:
        time.sleep(0.05)
