"""A/B two gateway commands on one machine (developer tool, not part of ``make bench``).

Starts the mock and two gateways (``BENCH_GATEWAY_CMD``-style commands with ``{port}`` and
``{workers}``, or env ``A_ENV``/``B_ENV`` extra settings), then alternates wrk runs at c=1 and
c=50 and stream runs at c=50, printing each and the medians.

Usage: .venv/bin/python bench/ab.py [--a CMD] [--b CMD] [--a-env "K=V ..."] [--b-env ...] [--rounds 4]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import loadgen  # noqa: E402
import procs  # noqa: E402
import targets as tg  # noqa: E402


def start(name, tmp, mock_port, cmd, env):
    if cmd:
        os.environ["BENCH_GATEWAY_CMD"] = cmd
    else:
        os.environ.pop("BENCH_GATEWAY_CMD", None)
    extra = dict(kv.split("=", 1) for kv in (env or "").split() if "=" in kv)
    t = tg.start_gateway(name, tmp, procs.free_port(), mock_port, int(os.environ.get("AB_WORKERS", "2")), extra)
    assert tg.check_target(t) is None and tg.check_target(t, stream=True) is None
    return t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", default="")
    ap.add_argument("--b", default="")
    ap.add_argument("--a-env", default="")
    ap.add_argument("--b-env", default="")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=4)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="oneapi-ab-")
    res = {"A": {"c1": [], "c50": [], "cpu": [], "s50": []}, "B": {"c1": [], "c50": [], "cpu": [], "s50": []}}
    try:
        mock = tg.start_mock(tmp, procs.free_port(), 100)
        mport = int(mock.base.rsplit(":", 1)[1])
        ts = {"A": start("a", tmp, mport, args.a, args.a_env), "B": start("b", tmp, mport, args.b, args.b_env)}
        for t in ts.values():
            loadgen.wrk(t, 50, 2)
        for r in range(args.rounds):
            for name in (("A", "B") if r % 2 == 0 else ("B", "A")):
                t = ts[name]
                c1 = loadgen.wrk(t, 1, args.seconds)
                cpu0 = procs.tree_cpu(t.proc.pid)
                c50 = loadgen.wrk(t, 50, args.seconds)
                cpu = (procs.tree_cpu(t.proc.pid) - cpu0) * 1000 / max(1, c50["requests"])
                s50 = loadgen.stream(t, 50, args.seconds)
                res[name]["c1"].append(c1["p50_ms"])
                res[name]["c50"].append(c50["rps"])
                res[name]["cpu"].append(cpu)
                res[name]["s50"].append(s50["rps"])
                print("round %d %s: c1 p50 %.3f ms  c50 %.0f rps (p99 %.1f)  cpu/req %.3f ms  s50 %.0f streams/s"
                      " ttfb p50 %.1f p90 %.1f" % (r, name, c1["p50_ms"], c50["rps"], c50["p99_ms"], cpu,
                                                   s50["rps"], s50["ttfb_ms"]["p50"], s50["ttfb_ms"]["p90"]),
                      flush=True)
        for name in ("A", "B"):
            m = {k: statistics.median(v) for k, v in res[name].items()}
            print("%s median: c1 p50 %.3f ms  c50 %.0f rps  cpu/req %.3f ms  s50 %.0f streams/s" % (
                name, m["c1"], m["c50"], m["cpu"], m["s50"]))
    finally:
        procs.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
