"""Aggregate benchmark rounds into a summary, the target checks and one table."""
from __future__ import annotations

import statistics


def med(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def _paired_added(rounds_t, rounds_d, get):
    """Median over rounds of (target - direct) measured in the same round."""
    diffs = []
    for a, b in zip(rounds_t, rounds_d):
        if a is None or b is None:
            continue
        va, vb = get(a), get(b)
        if va is not None and vb is not None:
            diffs.append(va - vb)
    return med(diffs)


def summarize(targets: dict, rss: dict) -> dict:
    """targets: name -> {"rounds": {test: [result per round]}}; direct must be present."""
    d = targets.get("direct", {}).get("rounds", {})
    out = {}
    for name, info in targets.items():
        r = info["rounds"]
        c1, c50 = r.get("c1", []), r.get("c50", [])
        s50, s1 = r.get("s50", []), r.get("s1", [])
        ttfd = lambda x: x["ttfd_ms"]["p50"]  # noqa: E731
        s = {
            "c1_p50_ms": med([x["p50_ms"] for x in c1]),
            "c1_p99_ms": med([x["p99_ms"] for x in c1]),
            "c1_added_p50_ms": _paired_added(c1, d.get("c1", []), lambda x: x["p50_ms"]),
            "c1_added_p99_ms": _paired_added(c1, d.get("c1", []), lambda x: x["p99_ms"]),
            "c50_rps": med([x["rps"] for x in c50]),
            "c50_p50_ms": med([x["p50_ms"] for x in c50]),
            "c50_p99_ms": med([x["p99_ms"] for x in c50]),
            "c50_error_rate": max([x["error_rate"] for x in c50], default=None),
            "c50_cpu_ms_per_req": med([x.get("cpu_ms_per_req") for x in c50]),
            "s50_cpu_ms_per_stream": med([x.get("cpu_ms_per_req") for x in s50]),
            "c50_errors": sum(x["non2xx"] + x["socket_errors"] for x in c50),
            "s50_ttfb_p50_ms": med([ttfd(x) for x in s50]),
            "s50_ttfb_p99_ms": med([x["ttfd_ms"]["p99"] for x in s50]),
            "s50_added_ttfb_p50_ms": _paired_added(s50, d.get("s50", []), ttfd),
            "s50_total_p50_ms": med([x["total_ms"]["p50"] for x in s50]),
            "s50_total_p99_ms": med([x["total_ms"]["p99"] for x in s50]),
            "s50_added_total_p50_ms": _paired_added(s50, d.get("s50", []),
                                                    lambda x: x["total_ms"]["p50"]),
            "s50_streams_per_s": med([x["rps"] for x in s50]),
            "s50_error_rate": max([x["error_rate"] for x in s50], default=None),
            "s1_ttfb_p50_ms": med([ttfd(x) for x in s1]),
            "s1_added_ttfb_p50_ms": _paired_added(s1, d.get("s1", []), ttfd),
            "s1_total_p50_ms": med([x["total_ms"]["p50"] for x in s1]),
        }
        if name in rss:
            s["rss_before_mb"] = rss[name].get("before")
            s["rss_after_mb"] = rss[name].get("after")
        out[name] = s
    return out


def ratios(summary: dict) -> dict:
    res = {}
    for name, s in summary.items():
        if not name.startswith("gateway"):
            continue
        rps = s.get("c50_rps")
        for ref in ("nginx", "litellm", "direct"):
            ref_rps = summary.get(ref, {}).get("c50_rps")
            if rps and ref_rps:
                res["%s/%s" % (name, ref)] = round(rps / ref_rps, 3)
    return res


def _max_rss(v):
    vals = [x for x in (v or {}).values() if x is not None]
    return max(vals) if vals else None


def checks(summary: dict, soak: dict | None) -> list:
    """The issue's targets, evaluated per gateway variant."""
    out = []
    lite = summary.get("litellm", {}).get("c50_rps")
    ngx = summary.get("nginx", {}).get("c50_rps")
    for name, s in summary.items():
        if not name.startswith("gateway"):
            continue
        rps = s.get("c50_rps")
        err = s.get("c50_error_rate")
        ok_err = err is not None and err <= 0.01

        def add(label, value, holds, note=""):
            out.append({"gateway": name, "target": label, "value": value,
                        "holds": holds, "note": note})
        add("throughput >= 10x LiteLLM", None if not (rps and lite) else round(rps / lite, 2),
            None if not (rps and lite) else (rps >= 10 * lite and ok_err),
            "" if lite else "LiteLLM not measured")
        add("throughput >= 25% of nginx", None if not (rps and ngx) else round(rps / ngx, 3),
            None if not (rps and ngx) else (rps >= 0.25 * ngx and ok_err))
        v = s.get("c1_added_p50_ms")
        add("added p50 at c=1 <= 2 ms", v, None if v is None else v <= 2.0)
        v = s.get("s50_added_ttfb_p50_ms")
        add("added TTFB p50 (streams, c=50) <= 3 ms", v, None if v is None else v <= 3.0,
            "c=1 added TTFB p50: %s ms" % _fmt(s.get("s1_added_ttfb_p50_ms")))
        m = _max_rss(s.get("rss_after_mb"))
        add("RSS per worker <= 150 MB", m, None if m is None else m <= 150.0)
        sk = (soak or {}).get(name)
        if sk and sk.get("growth_mb") is not None:
            g = sk["growth_mb"]
            add("RSS flat between request 50k and 100k (growth <= 5 MB/worker)", g, g <= 5.0)
        else:
            add("RSS flat between request 50k and 100k", None, None,
                (sk or {}).get("note") or "not measured: run with BENCH_SOAK=1")
    return out


def _fmt(v, nd=2):
    if v is None:
        return "-"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return "%.0f" % v
        if 0 < abs(v) < 0.1:
            return "%.3f" % v
        return ("%." + str(nd) + "f") % v
    return str(v)


def _rss_str(before, after):
    b, a = _max_rss(before), _max_rss(after)
    if b is None and a is None:
        return "-"
    n = len(after or before or {})
    return "%s->%s (x%d)" % (_fmt(b, 0), _fmt(a, 0), n)


COLUMNS = [
    ("target", 16), ("c1 p50", 8), ("c1 p99", 8), ("+p50", 7), ("+p99", 7),
    ("c50 rps", 8), ("c50 p99", 8), ("err%", 6), ("cpu/req", 7), ("s50 ttfb", 9), ("+ttfb", 7), ("s50 total", 9),
    ("+total", 8), ("s1 +ttfb", 8), ("RSS MB/worker", 16),
]


def table(summary: dict, order: list) -> str:
    lines = ["  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(COLUMNS))]
    lines.append("-" * len(lines[0]))
    for name in order:
        s = summary.get(name)
        if not s:
            continue
        err = s.get("c50_error_rate")
        cells = [name, _fmt(s["c1_p50_ms"]), _fmt(s["c1_p99_ms"]),
                 _fmt(s["c1_added_p50_ms"]), _fmt(s["c1_added_p99_ms"]),
                 _fmt(s["c50_rps"], 0), _fmt(s.get("c50_p99_ms"), 0), "-" if err is None else "%.2f" % (100 * err),
                 _fmt(s["c50_cpu_ms_per_req"], 3),
                 _fmt(s["s50_ttfb_p50_ms"]), _fmt(s["s50_added_ttfb_p50_ms"]),
                 _fmt(s["s50_total_p50_ms"]), _fmt(s["s50_added_total_p50_ms"]),
                 _fmt(s["s1_added_ttfb_p50_ms"]),
                 _rss_str(s.get("rss_before_mb"), s.get("rss_after_mb"))]
        lines.append("  ".join(c.rjust(w) if i else c.ljust(w)
                               for i, (c, (_, w)) in enumerate(zip(cells, COLUMNS))))
    lines.append("")
    lines.append("Latencies in ms (medians over interleaved rounds). '+' = added over direct in the "
                 "same round. c1 = 1 connection, c50 = 50 connections non-stream (wrk);")
    lines.append("s50 = 100-chunk SSE streams at 50 connections, ttfb = first SSE data byte; "
                 "s1 +ttfb = same at 1 connection. c50 p99 = wrk's p99 latency at c50; err% = non-2xx + socket errors at c50;")
    lines.append("cpu/req = CPU ms (user+system, all processes of the target) per request at c50.")
    return "\n".join(lines)


def checks_text(chk: list, rat: dict) -> str:
    lines = ["Ratios: " + (", ".join("%s = %s" % kv for kv in sorted(rat.items())) or "-"), "",
             "Targets (issue 6):"]
    for c in chk:
        mark = {True: "HOLDS", False: "FAILS", None: "n/a  "}[c["holds"]]
        lines.append("  [%s] %-22s %-58s value=%s%s" % (
            mark, c["gateway"], c["target"], _fmt(c["value"]),
            ("  (" + c["note"] + ")") if c["note"] else ""))
    return "\n".join(lines)
