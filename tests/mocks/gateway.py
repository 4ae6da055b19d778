"""Run the real app under gunicorn + gevent workers on a free loopback port, and write fixtures
rows straight into its database (then bump the cache bus like the admin API does, so every
worker sees them at once).

The database is a SQLite file, or — with ``ONEAPI_TEST_DB=postgres`` and ``TEST_PG_URL`` set
(``make test-postgres``) — a fresh PostgreSQL database per gateway, handed to the app as
``SQL_DSN=postgres://…`` exactly like an operator would. Those databases are dropped when the
test process exits (tests may still read them after ``stop()``)."""
from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, delete, insert, make_url, select, text, update

from oneapi.config import dsn_to_uri
from oneapi.models import Ability, Channel, Log, Option, Token, User, UserRequestCost
from oneapi.services.cache_bus import CacheBus
from oneapi.services.security import new_token_key

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_created_pg: list[tuple[str, str]] = []  # (server URL, database name) to drop at exit


def _pg_server_url() -> str | None:
    if os.environ.get("ONEAPI_TEST_DB") == "postgres" and os.environ.get("TEST_PG_URL"):
        return os.environ["TEST_PG_URL"]
    return None


def create_pg_database(server_url: str) -> str:
    """A fresh database on the TEST_PG_URL server; returns its one-api ``SQL_DSN`` (postgres://)."""
    name = f"oneapi_gw_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    if not _created_pg:
        atexit.register(_drop_pg_databases)
    _created_pg.append((server_url, name))
    url = make_url(server_url).set(drivername="postgresql", database=name)
    return "postgres://" + url.render_as_string(hide_password=False).split("://", 1)[1]


def _drop_pg_databases() -> None:
    while _created_pg:
        server_url, name = _created_pg.pop()
        try:
            engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            engine.dispose()
        except Exception:  # noqa: BLE001 - cleanup at exit is best effort
            pass


class Gateway:
    def __init__(self, tmp_path: Path, env: dict | None = None, workers: int = 2):
        self.db_path = os.path.abspath(tmp_path / "gateway.db")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "SQLITE_PATH": self.db_path, "SESSION_SECRET": "gw-test",
                    "RATE_LIMIT_DISABLED": "true", "PORT": str(self.port), **(env or {})}
        self.env.pop("SQL_DSN", None)
        pg_server = _pg_server_url()
        if pg_server:
            self.backend = "postgres"
            self.sql_dsn = create_pg_database(pg_server)
            self.env["SQL_DSN"] = self.sql_dsn
            self.uri = dsn_to_uri(self.sql_dsn)  # what the app uses (cache-bus namespace too)
        else:
            self.backend = "sqlite"
            self.sql_dsn = ""
            self.uri = f"sqlite:///{self.db_path}"
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.log_path = tmp_path / "gunicorn.log"
        self.engine = None
        self.bus = None

    # -------------------------------------------------------------- process
    def start(self) -> "Gateway":
        subprocess.run([str(BIN / "oneapi"), "migrate"], cwd=ROOT, env=self.env, check=True, timeout=120,
                       capture_output=True)
        self.engine = create_engine(self.uri, connect_args={"timeout": 30} if self.backend == "sqlite" else {})
        self.bus = CacheBus(self.uri)
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-k", "oneapi.serving.GeventWorker", "-w", str(self.workers), "--worker-connections", "1000",
             "-b", f"127.0.0.1:{self.port}", "-c", str(ROOT / "oneapi" / "gunicorn_conf.py"),
             "--timeout", "0", "--graceful-timeout", "10", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.time() + 90  # generous: CI boxes under load start workers slowly
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/api/status", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.engine is not None:
            self.engine.dispose()
        if getattr(self, "_log", None):
            self._log.close()

    def logs_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    # -------------------------------------------------------------- data
    def _exec(self, stmt, topic: str | None = None):
        with self.engine.begin() as conn:
            result = conn.execute(stmt)
            pk = result.inserted_primary_key[0] if getattr(result, "is_insert", False) else None
        if topic:
            self.bus.bump(topic)
        return pk

    def add_user(self, quota: int = 10_000_000, role: int = 1, group: str = "default", status: int = 1) -> int:
        name = f"u{time.time_ns()}"
        return self._exec(insert(User).values(username=name, password="x", display_name=name, role=role,
                                              status=status, quota=quota, group=group, used_quota=0,
                                              request_count=0), "users")

    def add_token(self, user_id: int, remain_quota: int = 0, unlimited: bool = True, models: str | None = None) -> str:
        key = new_token_key()
        self._exec(insert(Token).values(user_id=user_id, key=key, name="gw", status=1, remain_quota=remain_quota,
                                        unlimited_quota=unlimited, used_quota=0, expired_time=-1,
                                        created_time=int(time.time()), models=models), "tokens")
        return key

    def add_channel(self, base_url: str, models: str = "gpt-3.5-turbo", type_: int = 1, priority: int = 0,
                    **fields) -> int:
        cid = self._exec(insert(Channel).values(type=type_, key="sk-upstream", status=1, name=f"c{time.time_ns()}",
                                                base_url=base_url, models=models, group="default", priority=priority,
                                                used_quota=0, weight=0, created_time=int(time.time()), **fields))
        with self.engine.begin() as conn:
            for model in models.split(","):
                conn.execute(insert(Ability).values(group="default", model=model, channel_id=cid, enabled=True,
                                                    priority=priority))
        self.bus.bump("channels")
        return cid

    def set_option(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(Option).where(Option.key == key))
            conn.execute(insert(Option).values(key=key, value=value))
        self.bus.bump("options")

    def update(self, model, row_id: int, topic: str, **values) -> None:
        self._exec(update(model).where(model.id == row_id).values(**values), topic)

    def row(self, model, row_id: int):
        with self.engine.connect() as conn:
            return conn.execute(select(model).where(model.id == row_id)).mappings().one()

    def logs(self, **where) -> list:
        with self.engine.connect() as conn:
            stmt = select(Log).filter_by(**where)
            return list(conn.execute(stmt).mappings())

    def costs(self, request_id: str) -> list:
        with self.engine.connect() as conn:
            return list(conn.execute(select(UserRequestCost).filter_by(request_id=request_id)).mappings())

    def wait_for(self, predicate, timeout: float = 15.0, interval: float = 0.1):
        deadline = time.time() + timeout
        while True:
            value = predicate()
            if value or time.time() > deadline:
                return value
            time.sleep(interval)
