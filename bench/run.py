"""One benchmark run: direct mock vs nginx vs the gateway (2 variants) vs LiteLLM.

Everything listens on 127.0.0.1, every run is bounded in time, and everything
started here is stopped at the end (process groups, in a finally block and on
SIGTERM/SIGINT). See bench/README.md.

Environment knobs:
  BENCH_QUICK=1      1 short round (about 2 minutes)
  BENCH_SOAK=1       afterwards, drive the gateway to 100k requests and compare
                     worker RSS at request 50k and 100k (BENCH_SOAK_TARGETS, default
                     "gateway"; BENCH_SOAK_SECONDS limit per target, default 900)
  BENCH_ROUNDS=N     interleaved rounds (default 3)
  BENCH_WORKERS=N    gunicorn workers (default 2)
  BENCH_CHUNKS=N     SSE chunks per stream (default 100)
  BENCH_TARGETS=a,b  subset of direct,nginx,gateway,gateway-batch,litellm
  BENCH_GATEWAY_CMD  override the gunicorn command ({port}, {workers} substituted)
  BENCH_SNAPSHOT=1   run the gateway from `git archive HEAD` (the committed code) instead of
                     the live working tree
  BENCH_NICE=N       run the bench and everything it starts at niceness N (e.g. -10 on a
                     machine shared with other jobs; needs root for negative values)
"""
from __future__ import annotations

import atexit
import datetime
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import loadgen  # noqa: E402
import procs  # noqa: E402
import report  # noqa: E402
import targets as tg  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK") == "1"
SOAK = os.environ.get("BENCH_SOAK") == "1"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if QUICK else "3"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
CHUNKS = int(os.environ.get("BENCH_CHUNKS", "100"))
ALL = ["direct", "nginx", "gateway", "gateway-batch", "litellm"]
WANT = [x.strip() for x in os.environ.get("BENCH_TARGETS", ",".join(ALL)).split(",") if x.strip()]
# seconds: c=1 wrk, c=50 wrk, c=50 streams, c=1 streams, warm-up per target
DUR = dict(c1=2, c50=3, s50=2, s1=1, warm=2) if QUICK else dict(c1=5, c50=8, s50=6, s1=3, warm=4)
GATEWAY_VARIANTS = {"gateway": {}, "gateway-batch": {"BATCH_UPDATE_ENABLED": "true"}}


def log(msg: str) -> None:
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def _on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def run_test(test: str, t: tg.Target) -> dict:
    if test == "c1":
        return loadgen.wrk(t, 1, DUR["c1"])
    if test == "c50":
        return loadgen.wrk(t, 50, DUR["c50"])
    if test == "s50":
        # A target slower than the window still gets >= 10 samples, at most 20 s more.
        return loadgen.stream(t, 50, DUR["s50"], warmup=0.5 if QUICK else 1.0,
                              min_samples=10, max_extra=15 if QUICK else 20)
    if test == "s1":
        return loadgen.stream(t, 1, DUR["s1"], warmup=0.5, min_samples=5)
    raise ValueError(test)


def soak(t: tg.Target, limit_s: float) -> dict:
    """Drive t with c=50 non-stream load until it has answered 100k requests in total
    (the rounds count too); worker RSS when passing 50k and at 100k. When the rounds already
    went past 50k, the first sample is taken at once and the load goes on for 50k requests more,
    so the compared window is always at least 50k requests long."""
    start = time.monotonic()
    res = {"rss_at_50k": None, "rss_at_100k": None, "requests_at_start": t.requests_sent}
    goal = 100_000
    if t.requests_sent >= 50_000:
        res["rss_at_50k"], res["requests_at_50k"] = procs.worker_rss(t.proc.pid), t.requests_sent
        goal = t.requests_sent + 50_000
    while t.requests_sent < goal and time.monotonic() - start < limit_s:
        loadgen.wrk(t, 50, 5)
        if t.requests_sent >= 50_000 and res["rss_at_50k"] is None:
            res["rss_at_50k"] = procs.worker_rss(t.proc.pid)
            res["requests_at_50k"] = t.requests_sent
            goal = max(goal, t.requests_sent + 50_000)
    res["rss_at_100k"], res["requests_at_100k"] = procs.worker_rss(t.proc.pid), t.requests_sent
    res["seconds"] = round(time.monotonic() - start, 1)
    a, b = res["rss_at_50k"] or {}, res["rss_at_100k"] or {}
    growth = [b[k] - a[k] for k in b if k in a and a[k] is not None and b[k] is not None]
    done = t.requests_sent >= goal
    res["growth_mb"] = max(growth) if growth and done else None
    if not done:
        res["note"] = "stopped at %d requests after %ds (time limit)" % (t.requests_sent, limit_s)
    return res


def count_log_rows(db: str) -> int | None:
    """Consume log rows (type 2) in a stopped gateway's SQLite database."""
    import sqlite3
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM logs WHERE type = 2").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None


def main() -> int:
    t_start = time.monotonic()
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    atexit.register(procs.stop_all)
    tmp = tempfile.mkdtemp(prefix="oneapi-bench-")
    commit = _git_commit()  # HEAD when the run starts (and the snapshot is taken)
    if os.environ.get("BENCH_NICE"):
        os.setpriority(os.PRIO_PROCESS, 0, int(os.environ["BENCH_NICE"]))
        procs.set_autogroup_nice(os.getpid())
        log("running at niceness %d (inherited by every process started here)"
            % os.getpriority(os.PRIO_PROCESS, 0))
    load_before = os.getloadavg()
    if load_before[0] > 1.0:
        log("warning: load average %.2f before the run: other processes compete for the "
            "CPU, numbers will be lower and noisier" % load_before[0])
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    skipped, active, rss, soak_res, log_rows = {}, [], {}, {}, {}
    data = {t: {"rounds": {}} for t in WANT}
    try:
        if os.environ.get("BENCH_SNAPSHOT") == "1":
            log("gateway code: snapshot of HEAD %s in %s" % (commit, tg.use_snapshot(tmp)))
        mock = tg.start_mock(tmp, procs.free_port(), CHUNKS)
        mock_port = int(mock.base.rsplit(":", 1)[1])
        log("mock upstream on %s (pid %d), logs in %s" % (mock.base, mock.proc.pid, tmp))
        lite_wait = None
        if "litellm" in WANT:
            lite_wait = tg.start_litellm(tmp, procs.free_port(), mock_port)
        if "direct" in WANT:
            active.append(mock)
        if "nginx" in WANT:
            active.append(tg.start_nginx(tmp, procs.free_port(), mock_port))
        variants = [(n, e) for n, e in GATEWAY_VARIANTS.items() if n in WANT]
        with ThreadPoolExecutor(max_workers=max(1, len(variants))) as pool:
            futs = [(n, pool.submit(tg.start_gateway, n, tmp, procs.free_port(), mock_port,
                                    WORKERS, e)) for n, e in variants]
            for name, fut in futs:
                try:
                    g = fut.result()
                    active.append(g)
                    log("%s up on %s (%s)" % (name, g.base, g.note))
                except Exception as e:  # noqa: BLE001 - report and carry on with the others
                    skipped[name] = "gateway failed to start/set up: %s" % str(e)[-1500:]
                    log(skipped[name])
        if lite_wait is not None:
            r = lite_wait()
            if isinstance(r, str):
                skipped["litellm"] = r
                log(r)
            else:
                active.append(r)
                log("litellm up on %s (%s)" % (r.base, r.note))
        for t in list(active):
            err = tg.check_target(t) or tg.check_target(t, stream=True)
            if err:
                skipped[t.name] = "sanity request failed: " + err
                log("%s: %s" % (t.name, skipped[t.name]))
                active.remove(t)
        for t in active:
            if t.kind == "gateway":
                rss[t.name] = {"before": procs.worker_rss(t.proc.pid)}
        log("warm-up (excluded): %s" % ", ".join(t.name for t in active))
        for t in active:
            loadgen.wrk(t, 50, DUR["warm"])
            loadgen.stream(t, 10, 1, warmup=0.2, min_samples=0)
        tests = ["c1", "c50", "s50", "s1"]
        for rnd in range(ROUNDS):
            for test in tests:
                k = rnd % len(active) if active else 0
                order = active[k:] + active[:k]
                for t in order:
                    cpu0 = procs.tree_cpu(t.proc.pid)
                    res = run_test(test, t)
                    done = res["requests"]
                    res["cpu_s"] = round(procs.tree_cpu(t.proc.pid) - cpu0, 3)
                    res["cpu_ms_per_req"] = (1000.0 * res["cpu_s"] / done) if done else None
                    data[t.name]["rounds"].setdefault(test, []).append(res)
                    brief = ("p50=%.2fms rps=%.0f err=%.4f" % (res["p50_ms"], res["rps"],
                                                               res["error_rate"])
                             if test.startswith("c") else
                             "ttfb p50=%sms total p50=%sms streams/s=%.0f err=%.4f" % (
                                 res["ttfd_ms"]["p50"], res["total_ms"]["p50"], res["rps"],
                                 res["error_rate"]))
                    log("round %d/%d %-4s %-14s %s" % (rnd + 1, ROUNDS, test, t.name, brief))
        for t in active:
            if t.kind == "gateway":
                rss[t.name]["after"] = procs.worker_rss(t.proc.pid)
                rss[t.name]["requests_sent"] = t.requests_sent
        if SOAK:
            soak_names = os.environ.get("BENCH_SOAK_TARGETS", "gateway").split(",")
            for t in active:
                if t.kind == "gateway" and t.name in soak_names:
                    log("soak %s to 100k requests" % t.name)
                    soak_res[t.name] = soak(t, float(os.environ.get("BENCH_SOAK_SECONDS", "900")))
                    log("soak %s: %s" % (t.name, soak_res[t.name]))
        for t in active:
            if t.kind == "gateway":
                t.proc.stop(timeout=30)
                log_rows[t.name] = {"requests_sent": t.requests_sent,  # 2xx answered
                                    "consume_log_rows_after_shutdown": count_log_rows(
                                        os.path.join(tmp, t.name, "one-api.db"))}
    except KeyboardInterrupt:
        log("interrupted; stopping everything")
        procs.stop_all()
        return 130
    finally:
        procs.stop_all()

    names = [t for t in ALL if t in data and data[t]["rounds"]]
    measured = {n: data[n] for n in names}
    summary = report.summarize(measured, rss)
    rat = report.ratios(summary)
    chk = report.checks(summary, soak_res)
    result = {
        "timestamp": stamp,
        "machine": {"nproc": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "git_commit": commit,
        "gateway_source": "HEAD snapshot" if tg.GATEWAY_SRC != tg.REPO else (
            "working tree" + (" (uncommitted changes)" if _git_dirty() else "")),
        "config": {"quick": QUICK, "soak": SOAK, "rounds": ROUNDS, "workers": WORKERS,
                   "nice": os.getpriority(os.PRIO_PROCESS, 0),
                   "chunks": CHUNKS, "durations_s": DUR},
        "notes": {t.name: t.note for t in active}, "skipped": skipped,
        "summary": summary, "ratios": rat, "checks": chk, "rss": rss, "soak": soak_res,
        "log_rows": log_rows, "raw": measured,
        "wall_seconds": round(time.monotonic() - t_start, 1),
    }
    out_dir = os.path.join(tg.BENCH_DIR, "results")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, stamp + ".json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    print()
    print(report.table(summary, names))
    print()
    print(report.checks_text(chk, rat))
    for n in names:
        for test, rounds in measured[n]["rounds"].items():
            worst = max((r.get("error_rate") or 0.0) for r in rounds)
            if worst > 0:
                print("WARNING: %s had errors in test %s (worst round %.1f%%: non-2xx, socket "
                      "errors, timeouts or incomplete streams; see the JSON)" % (
                          n, test, 100 * worst))
    for n, why in skipped.items():
        print("Skipped %s: %s" % (n, why.splitlines()[0][:300]))
    for n, v in log_rows.items():
        rows = v["consume_log_rows_after_shutdown"]
        verdict = ("no row lost" if rows is not None and rows >= v["requests_sent"] else
                   "ROWS MISSING" if rows is not None else "could not read the logs table")
        print("%s: %s relay requests answered 2xx, %s consume log rows after shutdown (%s)" % (
            n, v["requests_sent"], rows, verdict))
    print("Load average before the run: %.2f (1 min); after: %.2f" % (
        load_before[0], result["machine"]["loadavg_after"][0]))
    print("\nWrote %s (%.0f s)" % (os.path.relpath(path, tg.REPO), result["wall_seconds"]))
    gw_wanted = [n for n in GATEWAY_VARIANTS if n in WANT]
    if gw_wanted and not any(n in summary for n in gw_wanted):
        return 2
    return 0


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "-C", tg.REPO, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _git_dirty() -> bool:
    try:
        return bool(subprocess.run(["git", "-C", tg.REPO, "status", "--porcelain", "--",
                                    "oneapi", "wsgi.py", "migrations"],
                                   capture_output=True, text=True, timeout=30).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return False


if __name__ == "__main__":
    sys.exit(main())
