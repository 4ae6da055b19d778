"""Profile a gateway worker under load with py-spy (``make bench-profile``).

Starts the mock upstream and the gateway (gunicorn gevent, 1 worker by
default so one profile sees all the load), sets it up like the benchmark, then
runs py-spy against the worker while wrk drives non-stream load at c=50, then
while the streaming client drives 100-chunk streams at c=50 (CPU samples), then
wall-clock samples (--idle) at c=1 to see where one request's latency goes
(kind c50wall, not in the default list: the same at c=50). Writes
speedscope files to bench/results/profile-<ts>-<kind>.speedscope.json (open at
speedscope.app or any speedscope viewer) plus a text summary of the hottest
functions (self and inclusive % of samples) to the matching .txt file.

Environment: BENCH_SNAPSHOT=1 (profile the committed HEAD), BENCH_PROFILE_SECONDS (default 20), BENCH_WORKERS (default 1),
BENCH_PROFILE_KINDS (default "nonstream,stream"), BENCH_PROFILE_ENV
(extra gateway env, e.g. "BATCH_UPDATE_ENABLED=true").
"""
from __future__ import annotations

import collections
import datetime
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import loadgen  # noqa: E402
import procs  # noqa: E402
import targets as tg  # noqa: E402

SECONDS = int(os.environ.get("BENCH_PROFILE_SECONDS", "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
KINDS = [k for k in os.environ.get("BENCH_PROFILE_KINDS", "nonstream,stream,c1wall").split(",")
         if k]
PYSPY = os.path.join(tg.VENV_BIN, "py-spy")


def hot_spots(path: str, top: int = 25, thread: int | None = None) -> str:
    """Self and inclusive share of samples per function (name + file) from a speedscope file;
    only the given thread id (the worker's main thread) when set."""
    with open(path) as f:
        doc = json.load(f)
    frames = doc["shared"]["frames"]

    def label(i):
        fr = frames[i]
        fn = fr.get("file") or ""
        for marker in ("site-packages/", "/work/main/", "/src/", "lib/python3.11/"):
            if marker in fn:
                fn = fn.split(marker, 1)[1]
        return "%s (%s)" % (fr.get("name"), fn)
    labels = [label(i) for i in range(len(frames))]
    self_c, incl_c = collections.Counter(), collections.Counter()
    total = 0
    for prof in doc["profiles"]:
        if thread is not None and "Thread %d " % thread not in prof.get("name", "") + " ":
            continue
        for stack in prof["samples"]:
            total += 1
            if not stack:
                continue
            self_c[labels[stack[-1]]] += 1
            for lab in {labels[i] for i in stack}:
                incl_c[lab] += 1
    project = collections.Counter({k: v for k, v in incl_c.items() if "(oneapi/" in k})
    lines = ["samples: %d (%.1f s sampled at 200 Hz)" % (total, total / 200.0), "",
             "Top %d functions by self time (%% of samples):" % top]
    for lab, c in self_c.most_common(top):
        lines.append("  %5.1f%%  %s" % (100.0 * c / max(1, total), lab))
    lines += ["", "Top %d project functions (oneapi/) by inclusive time:" % top]
    for lab, c in project.most_common(top):
        lines.append("  %5.1f%%  %s" % (100.0 * c / max(1, total), lab))
    lines += ["", "Top %d functions by inclusive time (all code):" % top]
    for lab, c in incl_c.most_common(top):
        lines.append("  %5.1f%%  %s" % (100.0 * c / max(1, total), lab))
    return "\n".join(lines)


def _on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main() -> int:
    signal.signal(signal.SIGTERM, _on_signal)
    if not os.path.exists(PYSPY):
        print("py-spy missing: run `make bench-profile` (installs bench/requirements-bench.txt)")
        return 1
    tmp = tempfile.mkdtemp(prefix="oneapi-profile-")
    if os.environ.get("BENCH_NICE"):
        os.setpriority(os.PRIO_PROCESS, 0, int(os.environ["BENCH_NICE"]))
        procs.set_autogroup_nice(os.getpid())
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = os.path.join(tg.BENCH_DIR, "results")
    os.makedirs(out_dir, exist_ok=True)
    extra = dict(kv.split("=", 1) for kv in os.environ.get("BENCH_PROFILE_ENV", "").split()
                 if "=" in kv)
    written = []
    try:
        if os.environ.get("BENCH_SNAPSHOT") == "1":
            print("gateway code: snapshot of HEAD in", tg.use_snapshot(tmp))
        mock = tg.start_mock(tmp, procs.free_port(), 100)
        mock_port = int(mock.base.rsplit(":", 1)[1])
        gw = tg.start_gateway("gateway", tmp, procs.free_port(), mock_port, WORKERS, extra)
        for stream in (False, True):
            err = tg.check_target(gw, stream=stream)
            if err:
                raise RuntimeError("gateway sanity request failed: " + err)
        workers = procs.children(gw.proc.pid)
        if not workers:
            raise RuntimeError("no gunicorn worker found under pid %d" % gw.proc.pid)
        loadgen.wrk(gw, 50, 3)  # warm-up
        for kind in KINDS:
            base = os.path.join(out_dir, "profile-%s-%s" % (stamp, kind))
            out = base + ".speedscope.json"
            # c1wall: one connection, wall-clock samples (--idle): where a single request's
            # latency goes, including waits (locks, I/O) that CPU profiles do not show.
            idle = ["--idle"] if kind.endswith("wall") else []
            spy = subprocess.Popen([PYSPY, "record", "-p", str(workers[0]), "-f", "speedscope",
                                    "-o", out, "-d", str(SECONDS), "-r", "200", "--nonblocking"]
                                   + idle,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True)
            time.sleep(1.0)
            load_res = {}

            def drive():
                if kind == "stream":
                    load_res["r"] = loadgen.stream(gw, 50, SECONDS - 2, warmup=0.5)
                elif kind == "c1wall":
                    load_res["r"] = loadgen.wrk(gw, 1, SECONDS - 1)
                elif kind == "c50wall":
                    load_res["r"] = loadgen.wrk(gw, 50, SECONDS - 1)
                else:
                    load_res["r"] = loadgen.wrk(gw, 50, SECONDS - 1)
            th = threading.Thread(target=drive)
            th.start()
            th.join(SECONDS + 120)
            try:
                spy_out, _ = spy.communicate(timeout=SECONDS + 60)
            except subprocess.TimeoutExpired:
                os.killpg(spy.pid, signal.SIGKILL)
                spy_out, _ = spy.communicate()
            if not os.path.exists(out):
                raise RuntimeError("py-spy wrote nothing: %s" % spy_out.decode()[-800:])
            summary = hot_spots(out, thread=workers[0] if idle else None)
            r = load_res.get("r", {})
            head = ("gateway worker pid %d, %d worker(s), %s load at c=%d for %ds (%s): %s\n" % (
                workers[0], WORKERS, kind, 1 if kind.startswith("c1") else 50, SECONDS,
                "wall-clock samples incl. idle" if idle else "CPU samples",
                json.dumps({k: r.get(k) for k in ("rps", "error_rate", "p50_ms", "p99_ms",
                                                  "ttfd_ms", "total_ms") if k in r})))
            with open(base + ".txt", "w") as f:
                f.write(head + "\n" + summary + "\n")
            written += [out, base + ".txt"]
            print(head)
            print(summary)
            print()
    except KeyboardInterrupt:
        return 130
    finally:
        procs.stop_all()
    for w in written:
        print("wrote", os.path.relpath(w, tg.REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
