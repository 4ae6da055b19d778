"""Start the benchmark targets: mock upstream, nginx, LiteLLM proxy, the gateway."""
from __future__ import annotations

import http.cookiejar
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

from procs import Proc, start, wait_http

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
VENV_BIN = os.path.join(REPO, ".venv", "bin")
LITELLM_BIN = os.path.join(BENCH_DIR, ".litellm-venv", "bin", "litellm")
CHAT_PATH = "/v1/chat/completions"
# Where the gateway code is run from: the working tree, or a snapshot of HEAD.
GATEWAY_SRC = REPO
MODEL = "gpt-3.5-turbo"


class Target:
    """One thing under load: a base URL plus the bearer key to use."""

    def __init__(self, name: str, base: str, key: str, proc: Proc | None = None,
                 kind: str = "", note: str = ""):
        self.name, self.base, self.key, self.proc = name, base, key, proc
        self.kind, self.note = kind, note
        self.requests_sent = 0

    @property
    def url(self) -> str:
        return self.base + CHAT_PATH


def start_mock(tmp: str, port: int, chunks: int) -> Target:
    py = os.path.join(VENV_BIN, "python")
    p = start("mock", [py, os.path.join(BENCH_DIR, "mock_upstream.py"), "--port", str(port),
                       "--chunks", str(chunks)], tmp)
    wait_http("http://127.0.0.1:%d/v1/models" % port, p, 15)
    return Target("direct", "http://127.0.0.1:%d" % port, "sk-mock", p, "direct")


NGINX_CONF = """
daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/nginx-client;
  proxy_temp_path {tmp}/nginx-proxy;
  fastcgi_temp_path {tmp}/nginx-fastcgi;
  uwsgi_temp_path {tmp}/nginx-uwsgi;
  scgi_temp_path {tmp}/nginx-scgi;
  keepalive_requests 1000000;
  upstream mock {{ server 127.0.0.1:{mock_port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port} backlog=4096;
    location / {{
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }}
  }}
}}
"""


def start_nginx(tmp: str, port: int, mock_port: int) -> Target:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, port=port, mock_port=mock_port))
    p = start("nginx", [nginx, "-p", tmp, "-c", conf, "-e", os.path.join(tmp, "nginx-error.log")],
              tmp)
    wait_http("http://127.0.0.1:%d/v1/models" % port, p, 15)
    return Target("nginx", "http://127.0.0.1:%d" % port, "sk-mock", p, "nginx",
                  "nginx 1 worker, upstream keepalive 64")


LITELLM_CONF = """
model_list:
  - model_name: {model}
    litellm_params:
      model: openai/{model}
      api_base: http://127.0.0.1:{mock_port}/v1
      api_key: sk-mock
general_settings:
  master_key: {master}
litellm_settings:
  drop_params: true
  telemetry: false
"""


def start_litellm(tmp: str, port: int, mock_port: int, workers: int = 2):
    """Launch LiteLLM proxy (slow to boot); returns a function that waits for it and
    gives a Target, or a string saying why it was skipped."""
    if not os.path.exists(LITELLM_BIN):
        return lambda: ("LiteLLM not installed (bench/.litellm-venv missing; "
                        "`make bench` tries to install it)")
    master = "sk-bench-litellm-master"
    conf = os.path.join(tmp, "litellm.yaml")
    with open(conf, "w") as f:
        f.write(LITELLM_CONF.format(model=MODEL, mock_port=mock_port, master=master))
    env = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_TELEMETRY": "False",
           "LITELLM_LOG": "ERROR", "DISABLE_SCHEMA_UPDATE": "true",
           "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    p = start("litellm", [LITELLM_BIN, "--config", conf, "--host", "127.0.0.1", "--port",
                          str(port), "--num_workers", str(workers),
                          # uvicorn kills workers that miss a 5 s health ping; on a loaded
                          # machine their import takes longer and they restart forever.
                          "--timeout_worker_healthcheck", "120"], tmp, env=env)

    def wait():
        try:
            wait_http("http://127.0.0.1:%d/health/liveliness" % port, p, 300)
        except RuntimeError as e:
            p.stop()
            return "LiteLLM failed to start: %s" % str(e)[-600:]
        version = ""
        try:
            out = subprocess.run([os.path.join(os.path.dirname(LITELLM_BIN), "python"), "-c",
                                  "import importlib.metadata as m;print(m.version('litellm'))"],
                                 capture_output=True, text=True, timeout=60)
            version = out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
        return Target("litellm", "http://127.0.0.1:%d" % port, master, p, "litellm",
                      "LiteLLM %s proxy, %d workers, no DB" % (version, workers))
    return wait


def _api(opener, method: str, url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with opener.open(req, timeout=30) as r:
        out = json.loads(r.read() or b"{}")
    if isinstance(out, dict) and out.get("success") is False:
        raise RuntimeError("%s %s failed: %s" % (method, url, out.get("message")))
    return out


def use_snapshot(tmp: str) -> str:
    """Extract the committed HEAD (not the live working tree) and run the gateway from it."""
    global GATEWAY_SRC
    dest = os.path.join(tmp, "src")
    os.makedirs(dest, exist_ok=True)
    archive = subprocess.run(["git", "-C", REPO, "archive", "--format=tar", "HEAD"],
                             capture_output=True, timeout=120, check=True).stdout
    subprocess.run(["tar", "-x", "-C", dest], input=archive, timeout=120, check=True)
    GATEWAY_SRC = dest
    return dest


def gateway_cmd(port: int, workers: int) -> list[str]:
    """The production command: `oneapi serve` (gunicorn, gevent workers, gunicorn_conf.py)."""
    custom = os.environ.get("BENCH_GATEWAY_CMD")
    if custom:
        return custom.replace("{port}", str(port)).replace("{workers}", str(workers)).split()
    oneapi = os.path.join(VENV_BIN, "oneapi")
    if os.path.exists(oneapi):
        return [oneapi, "serve", "--workers", str(workers), "--bind", "127.0.0.1:%d" % port]
    return [os.path.join(VENV_BIN, "gunicorn"), "-k", "oneapi.serving.GeventWorker", "-w", str(workers),
            "--worker-connections", "1000", "-b", "127.0.0.1:%d" % port, "wsgi:app"]


def start_gateway(name: str, tmp: str, port: int, mock_port: int, workers: int,
                  extra_env: dict) -> Target:
    """Migrate, start gunicorn (gevent), then add a channel and a token like a user."""
    gdir = os.path.join(tmp, name)
    os.makedirs(gdir, exist_ok=True)
    env = {"SQLITE_PATH": os.path.join(gdir, "one-api.db"),
           "SESSION_SECRET": "bench-session-secret", "PORT": str(port),
           "PYTHONPATH": GATEWAY_SRC, "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
           "INITIAL_ROOT_TOKEN": "benchroottoken0000000000000000000000000000000000",
           # All load comes from 127.0.0.1: keep the per-IP limiters on (their cost is part
           # of the path) but far above what one IP sends here.
           "GLOBAL_RELAY_RATE_LIMIT": "100000000", "GLOBAL_API_RATE_LIMIT": "100000000"}
    env.update(extra_env)
    oneapi = os.path.join(VENV_BIN, "oneapi")
    if os.path.exists(oneapi):
        full = dict(os.environ, **env)
        r = subprocess.run([oneapi, "migrate"], cwd=GATEWAY_SRC, env=full, capture_output=True,
                           text=True, timeout=180)
        if r.returncode != 0:
            raise RuntimeError("oneapi migrate failed (rc=%d):\n%s" % (
                r.returncode, (r.stdout + r.stderr)[-1500:]))
    p = start(name, gateway_cmd(port, workers), tmp, env=env, cwd=GATEWAY_SRC)
    base = "http://127.0.0.1:%d" % port
    wait_http(base + "/api/status", p, 90)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _api(opener, "POST", base + "/api/user/login", {"username": "root", "password": "123456"})
    _api(opener, "POST", base + "/api/channel/", {
        "type": 1, "name": "bench", "key": "sk-mock", "base_url": "http://127.0.0.1:%d" % mock_port,
        "models": MODEL, "group": "default"})
    _api(opener, "POST", base + "/api/token/", {
        "name": "bench", "unlimited_quota": True, "remain_quota": 0, "expired_time": -1})
    data = _api(opener, "GET", base + "/api/token/?p=0").get("data")
    items = data.get("items", data.get("data", [])) if isinstance(data, dict) else (data or [])
    keys = [t.get("key") for t in items if t.get("name") == "bench" and t.get("key")]
    if not keys:
        raise RuntimeError("could not read the bench token key from GET /api/token/?p=0: %r"
                           % (data,))
    key = keys[0] if keys[0].startswith("sk-") else "sk-" + keys[0]
    note = "gunicorn gevent -w %d; %s" % (workers, ", ".join(
        "%s=%s" % kv for kv in sorted(extra_env.items())) or "SQLite default")
    return Target(name, base, key, p, "gateway", note)


def check_target(t: Target, stream: bool = False) -> str | None:
    """One real request; returns None when it answers 200 with a completion, else an error."""
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    if stream:
        body["stream"] = True
    req = urllib.request.Request(t.url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + t.key})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            if r.status != 200:
                return "HTTP %d: %s" % (r.status, raw[:300])
            t.requests_sent += 1
            if stream and b"[DONE]" not in raw:
                return "stream without [DONE]: %s" % raw[-300:]
            if not stream and b"chat.completion" not in raw:
                return "unexpected body: %s" % raw[:300]
            return None
    except urllib.error.HTTPError as e:
        return "HTTP %d: %s" % (e.code, e.read()[:300])
    except OSError as e:
        return "request failed: %s" % e


if __name__ == "__main__":
    print("targets helper; run bench/run.py", file=sys.stderr)
