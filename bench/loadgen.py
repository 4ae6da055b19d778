"""Load generators: wrk (non-stream, Lua POST body) and the streaming TTFB client."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

from targets import BENCH_DIR, VENV_BIN, Target

WRK = shutil.which("wrk") or "/usr/bin/wrk"
LUA = os.path.join(BENCH_DIR, "wrk", "post.lua")


def wrk(t: Target, conns: int, seconds: float, threads: int | None = None,
        stream: bool = False, timeout_s: int = 10) -> dict:
    """Run wrk against a target; returns the parsed summary plus derived fields."""
    threads = threads or (1 if conns == 1 else 2)
    env = dict(os.environ, BENCH_KEY=t.key, BENCH_STREAM="1" if stream else "0")
    argv = [WRK, "-t%d" % threads, "-c%d" % conns, "-d%ds" % max(1, int(round(seconds))),
            "--timeout", "%ds" % timeout_s, "-s", LUA, t.url]
    r = subprocess.run(argv, env=env, capture_output=True, text=True,
                       timeout=seconds + timeout_s + 30)
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError("wrk gave no summary (rc=%d): %s %s" % (r.returncode, r.stdout[-500:],
                                                                  r.stderr[-500:]))
    s = json.loads(line[len("BENCHJSON "):])
    dur = s["duration_us"] / 1e6
    sock = s["connect"] + s["read"] + s["write"] + s["timeout"]
    errors = sock + s["status"]
    good = max(0, s["requests"] - s["status"])
    t.requests_sent += good
    return {
        "conns": conns, "threads": threads, "duration_s": round(dur, 3),
        "requests": s["requests"], "rps": good / dur if dur else 0.0,
        "rps_all": s["requests"] / dur if dur else 0.0,
        "non2xx": s["status"], "socket_errors": sock,
        "error_rate": errors / max(1, s["requests"] + s["connect"]),
        "p50_ms": s["p50_us"] / 1000.0, "p90_ms": s["p90_us"] / 1000.0,
        "p99_ms": s["p99_us"] / 1000.0, "mean_ms": s["mean_us"] / 1000.0,
        "max_ms": s["max_us"] / 1000.0,
    }


def stream(t: Target, conns: int, seconds: float, warmup: float = 1.0,
           min_samples: int | None = None, max_extra: float = 45.0) -> dict:
    """Run bench/stream_client.py (first byte and total stream time)."""
    if min_samples is None:
        min_samples = conns
    argv = [os.path.join(VENV_BIN, "python"), os.path.join(BENCH_DIR, "stream_client.py"),
            "--url", t.url, "--key", t.key, "-c", str(conns), "-d", str(seconds),
            "--warmup", str(warmup), "--timeout", "30", "--min-samples", str(min_samples),
            "--max-extra", str(max_extra)]
    r = subprocess.run(argv, capture_output=True, text=True,
                       timeout=seconds + warmup + max_extra + 90)
    if r.returncode != 0 or not r.stdout.strip():
        raise RuntimeError("stream client failed (rc=%d): %s" % (r.returncode, r.stderr[-800:]))
    res = json.loads(r.stdout.strip().splitlines()[-1])
    t.requests_sent += res["completed_total"]
    return res
