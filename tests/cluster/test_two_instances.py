"""Two gateway instances (separate gunicorn masters, separate temp dirs so they share nothing
on this host) on one PostgreSQL + Redis stay consistent: writes through instance A are seen by
instance B — a channel becomes routable, an option shows up, a ban refuses the key at once."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.mocks.gateway import free_port
from tests.mocks.openai_upstream import start_mock

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _pg_dsn() -> str:
    base = os.environ.get("TEST_PG_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not base or not redis_url:
        if os.environ.get("CI"):
            pytest.fail("TEST_PG_URL / TEST_REDIS_URL missing: `make test` starts PostgreSQL and Redis")
        pytest.skip("needs TEST_PG_URL and TEST_REDIS_URL (run through `make test`)")
    name = f"oneapi_cluster_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return "postgres://" + base.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name


class Instance:
    def __init__(self, tmp: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        tmp.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, **env, "PORT": str(self.port), "TMPDIR": str(tmp)}
        self.log = open(tmp / "gunicorn.log", "wb")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-k", "oneapi.serving.GeventWorker", "-w", "2", "-b", f"127.0.0.1:{self.port}",
             "-c", str(ROOT / "oneapi" / "gunicorn_conf.py"), "--graceful-timeout", "5", "--no-control-socket",
             "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/api/status", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("instance did not start")

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def _eventually(check, timeout=5.0):
    deadline = time.time() + timeout
    while True:
        if check():
            return True
        if time.time() > deadline:
            return False
        time.sleep(0.1)


def test_instances_share_state_through_postgres_and_redis(tmp_path):
    dsn = _pg_dsn()
    env = {"SQL_DSN": dsn, "REDIS_CONN_STRING": os.environ["TEST_REDIS_URL"], "SESSION_SECRET": "cluster",
           "RATE_LIMIT_DISABLED": "true", "SYNC_FREQUENCY": "60"}
    subprocess.run([str(BIN / "oneapi"), "migrate"], cwd=ROOT, env={**os.environ, **env}, check=True,
                   timeout=120, capture_output=True)
    upstream = start_mock()
    a = b = None
    try:
        a = Instance(tmp_path / "a", env)
        b = Instance(tmp_path / "b", {**env, "NODE_TYPE": "slave"})
        admin = requests.Session()
        assert admin.post(a.url + "/api/user/login", json={"username": "root", "password": "123456"}).json()["success"]
        r = admin.post(a.url + "/api/user/", json={"username": "carol", "password": "password123", "quota": 10**9})
        assert r.json()["success"], r.text
        user = requests.Session()
        assert user.post(b.url + "/api/user/login", json={"username": "carol", "password": "password123"}).json()["success"]
        r = user.post(b.url + "/api/token/", json={"name": "k", "unlimited_quota": True, "expired_time": -1})
        assert r.json()["success"], r.text
        tokens = user.get(b.url + "/api/token/?p=0").json()["data"]
        key = tokens[0]["key"]
        key = key if key.startswith("sk-") else "sk-" + key
        body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}
        headers = {"Authorization": f"Bearer {key}"}
        # warm B's caches: no channel yet
        assert requests.post(b.url + "/v1/chat/completions", json=body, headers=headers).status_code == 503
        r = admin.post(a.url + "/api/channel/", json={"type": 1, "name": "up", "key": "sk-up", "base_url": upstream.url,
                                                       "models": "gpt-3.5-turbo", "group": "default"})
        assert r.json()["success"], r.text
        assert _eventually(lambda: requests.post(b.url + "/v1/chat/completions", json=body,
                                                 headers=headers).status_code == 200)
        # an option written through A is served by B
        assert admin.put(a.url + "/api/option/", json={"key": "SystemName", "value": "Cluster API"}).json()["success"]
        assert _eventually(lambda: requests.get(b.url + "/api/status").json()["data"]["system_name"] == "Cluster API")
        # a ban through A refuses the key on B
        r = admin.post(a.url + "/api/user/manage", json={"username": "carol", "action": "disable"})
        assert r.json()["success"], r.text
        assert _eventually(lambda: requests.post(b.url + "/v1/chat/completions", json=body,
                                                 headers=headers).status_code == 403, timeout=3)
    finally:
        for inst in (a, b):
            if inst is not None:
                inst.stop()
        upstream.stop()
