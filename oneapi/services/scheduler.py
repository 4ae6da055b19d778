"""Periodic channel test sweep (``CHANNEL_TEST_FREQUENCY`` minutes, 0 = off).

Every gunicorn worker starts the loop, but a sweep only runs in the worker that holds an
exclusive, non-blocking file lock for this database, so one host tests each channel once per
period."""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
import threading
import time

from flask import Flask

log = logging.getLogger(__name__)


def _lock_path(app: Flask) -> str:
    digest = hashlib.sha1(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"oneapi-channel-sweep-{digest}.lock")


def run_due_sweep(app: Flask, lock_path: str) -> bool:
    """Run one sweep if no other process on this host is sweeping; True when it ran."""
    from . import channel_test
    from ..errors import Conflict

    with open(lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        try:
            thread = channel_test.test_all_channels(app, "all")
        except Conflict:  # a manual sweep is already running in this worker
            return False
        thread.join()
        return True


def start_channel_test_loop(app: Flask, every_minutes: int) -> threading.Thread | None:
    if every_minutes <= 0:
        return None
    lock_path = _lock_path(app)

    def loop():
        while True:
            time.sleep(every_minutes * 60)
            try:
                run_due_sweep(app, lock_path)
            except Exception:  # noqa: BLE001 - the loop must survive a failed sweep
                log.exception("scheduled channel test sweep failed")

    thread = threading.Thread(target=loop, name="oneapi-channel-test-loop", daemon=True)
    thread.start()
    log.info("channel test sweep every %d minutes", every_minutes)
    return thread
