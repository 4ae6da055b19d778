"""CHANNEL_TEST_FREQUENCY: one sweep per host at a time (file lock), channels get tested."""
from __future__ import annotations

import fcntl

from oneapi.extensions import db
from oneapi.models import Channel
from oneapi.services import scheduler
from tests.mocks.openai_upstream import start_mock


def test_due_sweep_tests_channels_and_skips_when_another_process_holds_the_lock(app, make_channel, tmp_path):
    server = start_mock()
    try:
        channel = make_channel(base_url=server.url)
        lock_path = str(tmp_path / "sweep.lock")
        with open(lock_path, "a+") as other:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # "another worker" is sweeping
            assert scheduler.run_due_sweep(app, lock_path) is False
        with app.app_context():
            assert (db.session.get(Channel, channel.id).test_time or 0) == 0
        assert scheduler.run_due_sweep(app, lock_path) is True
        with app.app_context():
            assert db.session.get(Channel, channel.id).test_time > 0
    finally:
        server.stop()


def test_loop_off_when_frequency_is_zero(app):
    assert scheduler.start_channel_test_loop(app, 0) is None
