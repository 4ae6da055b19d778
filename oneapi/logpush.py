"""``LOG_PUSH_API``: push every ERROR log record to an alert webhook, at most one per second.

The POST body is ``{"type": LOG_PUSH_TYPE, "token": LOG_PUSH_TOKEN, "title", "message",
"logger", "time"}``. Sending happens on a background thread so a slow webhook never holds a
request; secrets that look like keys are masked before leaving the process."""
from __future__ import annotations

import logging
import queue
import re
import threading
import time

import requests

_SECRET = re.compile(r"(sk-|Bearer\s+)[A-Za-z0-9_\-]{6,}")


def redact(text: str) -> str:
    return _SECRET.sub(lambda m: m.group(1) + "***", text)


class PushHandler(logging.Handler):
    def __init__(self, url: str, push_type: str, token: str, min_interval: float = 1.0):
        super().__init__(level=logging.ERROR)
        self.url, self.push_type, self.token = url, push_type, token
        self.min_interval = min_interval
        self._last = 0.0
        self._queue: queue.Queue = queue.Queue(maxsize=100)
        self._thread = threading.Thread(target=self._run, name="oneapi-logpush", daemon=True)
        self._thread.start()

    def emit(self, record: logging.LogRecord) -> None:
        now = time.monotonic()
        if now - self._last < self.min_interval:
            return
        self._last = now
        try:
            message = redact(self.format(record))
            self._queue.put_nowait({
                "type": self.push_type, "token": self.token, "title": f"One API {record.levelname}",
                "message": message, "logger": record.name, "time": int(record.created),
            })
        except queue.Full:
            pass

    def _run(self) -> None:
        session = requests.Session()
        while True:
            body = self._queue.get()
            try:
                session.post(self.url, json=body, timeout=5)
            except requests.RequestException:
                pass


def install_log_push(settings) -> PushHandler | None:
    if not settings.log_push_api:
        return None
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, PushHandler):
            return handler
    handler = PushHandler(settings.log_push_api, settings.log_push_type, settings.log_push_token)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return handler
