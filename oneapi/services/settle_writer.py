"""Per-worker settlement writer: logs + cost rows + balance counters off the response path.

``billing.settle`` computes the exact quota and adjusts the in-memory auth cache at once, then
hands the rows to this writer. A background (green) thread drains the queue and writes
everything queued in one transaction (group commit: under load many settlements share one
commit; idle, a settlement is written within ``interval`` seconds). Counters are summed per
row, logs and cost rows go through ``executemany``.

Never lost: a failed batch is retried row by row (a poison row is logged and dropped alone),
and ``flush_all`` (gunicorn ``worker_exit``, ``atexit``) writes whatever is still queued.
Enabled in gunicorn workers (``gunicorn_conf.post_fork``); elsewhere settlement stays inline.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time

log = logging.getLogger(__name__)


class SettleItem:
    __slots__ = ("user", "token_limited", "token_used", "channel", "log", "cost")

    def __init__(self, user, token_limited, token_used, channel, log_row, cost):
        self.user = user                    # (user_id, delta, quota, count) or None
        self.token_limited = token_limited  # (token_id, delta) or None
        self.token_used = token_used        # (token_id, used) or None
        self.channel = channel              # (channel_id, quota) or None
        self.log = log_row                  # params of the consume log or None
        self.cost = cost                    # params of the user_request_costs row


class SettleWriter:
    def __init__(self, engine, interval: float = 0.02):
        self.engine = engine
        self.interval = interval
        self._lock = threading.Lock()
        self._queue: list[SettleItem] = []
        self._wake = threading.Event()
        self._stop = False
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="oneapi-settle-writer", daemon=True)
        self._thread.start()

    def submit(self, item: SettleItem) -> None:
        with self._lock:
            self._queue.append(item)
        self._wake.set()

    def pending(self) -> int:
        return len(self._queue)

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(1.0)
            self._wake.clear()
            if self._queue:
                if self.interval:
                    time.sleep(self.interval)  # gather the settlements of this tick into one commit
                self.flush()

    def flush(self) -> int:
        with self._lock:
            work, self._queue = self._queue, []
        if not work:
            return 0
        try:
            write_batch(self.engine, work)
        except Exception:  # noqa: BLE001 - fall back to one transaction per row
            log.exception("settlement batch of %d rows failed; retrying row by row", len(work))
            for item in work:
                try:
                    write_batch(self.engine, [item])
                except Exception:  # noqa: BLE001
                    log.exception("settlement row dropped after failure: %r", item.cost)
        return len(work)

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=30)  # let a batch already taken by the thread commit first
        self.flush()


def write_batch(engine, items: list[SettleItem]) -> None:
    from .billing import (_SQL_CHANNEL_USED, _SQL_COST, _SQL_LOG, _SQL_TOKEN_LIMITED, _SQL_TOKEN_USED,
                          _SQL_USER_SETTLE)

    users: dict[int, list[int]] = {}
    limited: dict[int, int] = {}
    used: dict[int, int] = {}
    channels: dict[int, int] = {}
    logs = []
    costs = []
    for item in items:
        if item.user is not None:
            uid, delta, quota, count = item.user
            acc = users.get(uid)
            if acc is None:
                users[uid] = [delta, quota, count]
            else:
                acc[0] += delta
                acc[1] += quota
                acc[2] += count
        if item.token_limited is not None:
            limited[item.token_limited[0]] = limited.get(item.token_limited[0], 0) + item.token_limited[1]
        if item.token_used is not None:
            used[item.token_used[0]] = used.get(item.token_used[0], 0) + item.token_used[1]
        if item.channel is not None:
            channels[item.channel[0]] = channels.get(item.channel[0], 0) + item.channel[1]
        if item.log is not None:
            logs.append(item.log)
        costs.append(item.cost)
    # lock order = pre-consume's (tokens, then users, then channels; ids ascending): concurrent
    # reservations and settlements never wait on each other in a cycle (PostgreSQL deadlocks)
    with engine.begin() as conn:
        dialect = conn.dialect

        def run(clause, rows) -> None:
            if rows:
                conn.exec_driver_sql(driver_sql(clause, dialect), rows)

        if limited:
            run(_SQL_TOKEN_LIMITED, [{"delta": d, "id": tid} for tid, d in sorted(limited.items()) if d])
        if used:
            run(_SQL_TOKEN_USED, [{"used": u, "id": tid} for tid, u in sorted(used.items()) if u])
        if users:
            run(_SQL_USER_SETTLE, [{"delta": d, "quota": q, "count": c, "id": uid}
                                   for uid, (d, q, c) in sorted(users.items())])
        if channels:
            run(_SQL_CHANNEL_USED, [{"quota": q, "id": cid} for cid, q in sorted(channels.items()) if q])
        run(_SQL_LOG, logs)
        run(_SQL_COST, costs)


_driver_sql: dict = {}


def driver_sql(clause, dialect) -> str:
    """``clause`` (a ``text()`` with ``:name`` parameters) in the DB driver's own parameter style,
    for ``exec_driver_sql``: the rows of a batch go straight to the driver's ``executemany``
    without SQLAlchemy's per-row parameter processing (most of a batch's cost)."""
    key = (clause.text, dialect.paramstyle, dialect.name)
    sql = _driver_sql.get(key)
    if sql is None:
        if dialect.paramstyle in ("pyformat", "format"):
            sql = re.sub(r":(\w+)", r"%(\1)s", clause.text.replace("%", "%%"))
        elif dialect.paramstyle in ("named", "qmark") and dialect.name == "sqlite":
            sql = clause.text  # sqlite3 takes :name with mapping parameters in either style
        else:
            raise ValueError(f"unsupported DB-API paramstyle {dialect.paramstyle!r}")
        _driver_sql[key] = sql
    return sql


_enabled = False
_writer: SettleWriter | None = None
_writer_lock = threading.Lock()


def enable(on: bool = True) -> None:
    global _enabled
    if on and not _enabled:
        import atexit

        atexit.register(flush_all)
    _enabled = on


def enabled() -> bool:
    return _enabled


def writer(engine) -> SettleWriter:
    global _writer
    w = _writer
    if w is None or w._pid != os.getpid() or w.engine is not engine:
        with _writer_lock:
            w = _writer
            if w is None or w._pid != os.getpid() or w.engine is not engine:
                if w is not None and w._pid == os.getpid():
                    w.close()
                w = _writer = SettleWriter(engine)
    return w


def flush_all() -> None:
    """Shutdown hook: write everything still queued (gunicorn ``worker_exit``, ``atexit``)."""
    w = _writer
    if w is not None and w._pid == os.getpid():
        w.close()


__all__ = ["SettleItem", "SettleWriter", "enable", "enabled", "flush_all", "writer", "write_batch"]
