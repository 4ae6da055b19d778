"""Cross-process cache invalidation.

Every gunicorn worker keeps in-process caches (options, channels, tokens, users). A write in one
worker must reach the others at once (a banned user is refused everywhere immediately), so
writers ``bump(topic)`` and readers compare ``generation(topic)`` with the value their cache was
built at. On one host the counters live in a small memory-mapped file shared by all workers (a
read costs well under a microsecond); with Redis enabled they also live in Redis, so several
hosts stay consistent.
"""
from __future__ import annotations

import hashlib
import mmap
import os
import struct
import tempfile
import threading
import time

TOPICS = ("options", "channels", "tokens", "users")
_SLOT = 8
_OFFSETS = {topic: i * _SLOT for i, topic in enumerate(TOPICS)}
_unpack_from = struct.Struct("<q").unpack_from


class CacheBus:
    def __init__(self, namespace: str, redis_client=None, redis_poll_seconds: float = 1.0):
        digest = hashlib.sha1(namespace.encode()).hexdigest()[:16]
        path = os.path.join(tempfile.gettempdir(), f"oneapi-cachebus-{digest}")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < _SLOT * len(TOPICS):
                os.ftruncate(fd, _SLOT * len(TOPICS))
            self._map = mmap.mmap(fd, _SLOT * len(TOPICS))
        finally:
            os.close(fd)
        self._lock = threading.Lock()
        self._redis = redis_client
        self._redis_poll = redis_poll_seconds
        self._redis_seen: dict[str, tuple[float, int]] = {}

    def _offset(self, topic: str) -> int:
        return _OFFSETS[topic]

    def _local(self, topic: str) -> int:
        return _unpack_from(self._map, _OFFSETS[topic])[0]

    def bump(self, topic: str) -> None:
        off = self._offset(topic)
        with self._lock:
            # fcntl-free increment: workers rarely write at the same instant and a lost
            # increment still changes the value, which is all readers compare.
            value = struct.unpack_from("<q", self._map, off)[0] + 1 + (os.getpid() % 7)
            struct.pack_into("<q", self._map, off, value)
        if self._redis is not None:
            try:
                self._redis.incr(f"oneapi:gen:{topic}")
            except Exception:  # Redis down: local invalidation still happened
                pass

    def generation(self, topic: str) -> int:
        local = self._local(topic)
        if self._redis is None:
            return local
        now = time.monotonic()
        seen = self._redis_seen.get(topic)
        if seen is None or now - seen[0] >= self._redis_poll:
            try:
                remote = int(self._redis.get(f"oneapi:gen:{topic}") or 0)
            except Exception:
                remote = seen[1] if seen else 0
            seen = (now, remote)
            self._redis_seen[topic] = seen
        return local * 1_000_003 + seen[1]


_bus: CacheBus | None = None


def init_bus(namespace: str, redis_client=None) -> CacheBus:
    global _bus
    _bus = CacheBus(namespace, redis_client)
    return _bus


def bus() -> CacheBus:
    if _bus is None:
        raise RuntimeError("cache bus not initialised: create_app() must run first")
    return _bus


def bump(topic: str) -> None:
    bus().bump(topic)


def generation(topic: str) -> int:
    return bus().generation(topic)


def touch(session, topic: str) -> None:
    """Mark ``topic`` changed by the transaction of ``session``: the bump happens right after
    that transaction commits (never before, so no worker can cache pre-commit rows)."""
    session.info.setdefault("oneapi_bump", set()).add(topic)


def install_session_hooks(session_cls) -> None:
    from sqlalchemy import event

    @event.listens_for(session_cls, "after_commit")
    def _after_commit(session):
        topics = session.info.pop("oneapi_bump", None)
        if topics and _bus is not None:
            for topic in topics:
                _bus.bump(topic)

    @event.listens_for(session_cls, "after_rollback")
    def _after_rollback(session):
        session.info.pop("oneapi_bump", None)
