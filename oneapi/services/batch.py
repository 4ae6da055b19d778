"""``BATCH_UPDATE_ENABLED``: quota counters aggregated in memory and flushed every
``BATCH_UPDATE_INTERVAL`` seconds and at worker shutdown (never lost: a failed flush keeps the
deltas for the next one). Only additive counters are batched; reservations stay immediate."""
from __future__ import annotations

import logging
import threading
from collections import defaultdict

from sqlalchemy import update

from ..extensions import db
from ..models import Channel, Token, User

log = logging.getLogger(__name__)

_TABLES = {"user": User, "token": Token, "channel": Channel}


class BatchUpdater:
    def __init__(self):
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._app = None

    def add(self, kind: str, row_id: int, **deltas: int) -> None:
        with self._lock:
            bucket = self._pending[(kind, row_id)]
            for column, value in deltas.items():
                if value:
                    bucket[column] += value

    def pending(self) -> dict:
        with self._lock:
            return {k: dict(v) for k, v in self._pending.items()}

    def flush(self, app=None) -> int:
        """Apply every pending delta in one transaction; returns the number of rows touched."""
        with self._lock:
            work, self._pending = self._pending, defaultdict(lambda: defaultdict(int))
        if not work:
            return 0
        app = app or self._app
        try:
            with app.app_context():
                # one lock order everywhere (tokens, users, channels; ids ascending), the order
                # pre-consume uses, so concurrent writers never deadlock on PostgreSQL/MySQL
                for (kind, row_id), deltas in sorted(work.items(), key=lambda kv: (_LOCK_ORDER[kv[0][0]], kv[0][1])):
                    model = _TABLES[kind]
                    values = {col: getattr(model, col) + value for col, value in deltas.items() if value}
                    if values:
                        db.session.execute(update(model).where(model.id == row_id).values(**values))
                db.session.commit()
        except Exception:
            log.exception("batch update flush failed; keeping %d rows for the next flush", len(work))
            with self._lock:
                for key, deltas in work.items():
                    bucket = self._pending[key]
                    for column, value in deltas.items():
                        bucket[column] += value
            return 0
        return len(work)

    def start(self, app, interval: int) -> None:
        self._app = app
        if self._thread is not None:
            return
        self._stop.clear()

        def run():
            while not self._stop.wait(max(interval, 1)):
                self.flush()

        self._thread = threading.Thread(target=run, name="oneapi-batch-updater", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.flush()


_updater: BatchUpdater | None = None


def updater() -> BatchUpdater:
    global _updater
    if _updater is None:
        _updater = BatchUpdater()
    return _updater


_LOCK_ORDER = {"token": 0, "user": 1, "channel": 2}


def flush_all() -> None:
    """Shutdown hook (gunicorn ``worker_exit``, ``atexit``)."""
    if _updater is not None and _updater._app is not None:
        _updater.stop()
