"""Streaming load client: time to first byte and total stream time.

wrk cannot time the first byte of a response, so this client does it: N
concurrent keep-alive connections (asyncio + uvloop, raw sockets) each send
the same streaming Chat Completions POST in a closed loop for a fixed
duration. For every request it records:

- ttfb: send -> first byte of the response (status line/headers),
- ttfd: send -> first SSE ``data:`` byte of the body (first token),
- total: send -> end of the response (chunked terminator, Content-Length or EOF).

A request counts as an error when the status is not 2xx, the connection
fails, or the body lacks ``data: [DONE]``. Requests started before ``--warmup`` seconds
are discarded; no request starts after the deadline, and the ones in flight
then are awaited (bounded by ``--timeout``) and counted, so slow targets still
yield samples. With --min-samples, requests keep starting past the deadline
until that many started in the window (bounded by --max-extra seconds), so a
target slower than the window still yields samples. Throughput = completed
requests / window (from the warm-up end to the last request start, at least
the duration). Prints one JSON object on stdout.

Usage: python bench/stream_client.py --url http://127.0.0.1:18000/v1/chat/completions \
          --key sk-x -c 50 -d 10 --warmup 2
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

BODY = (b'{"model":"gpt-3.5-turbo","stream":true,"messages":'
        b'[{"role":"user","content":"Say hello to the benchmark."}]}')


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


class Stats:
    def __init__(self):
        self.ttfb, self.ttfd, self.total = [], [], []
        self.started = 0  # requests started inside the measurement window
        self.completed_total = 0  # 2xx responses read to the end, warm-up included
        self.last_start = 0.0
        self.ok = 0
        self.errors = {"connect": 0, "status": 0, "incomplete": 0, "timeout": 0}
        self.bytes = 0


async def one_conn(host, port, request, deadline, hard_deadline, min_samples, warm_until,
                   stats, timeout):
    reader = writer = None
    now = time.perf_counter
    while now() < deadline or (stats.started < min_samples and now() < hard_deadline):
        if writer is None:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port), timeout)
            except (OSError, asyncio.TimeoutError):
                stats.errors["connect"] += 1
                await asyncio.sleep(0.05)
                continue
        t0 = now()
        if t0 >= warm_until:
            stats.started += 1
            stats.last_start = max(stats.last_start, t0)
        keep = True
        try:
            writer.write(request)
            buf = await asyncio.wait_for(reader.read(65536), timeout)
            if not buf:
                raise ConnectionError("closed before response")
            t_first = now()
            t_data = None
            while b"\r\n\r\n" not in buf:
                more = await asyncio.wait_for(reader.read(65536), timeout)
                if not more:
                    raise ConnectionError("closed in headers")
                buf += more
            hend = buf.index(b"\r\n\r\n")
            head = buf[:hend].lower()
            status = int(head[9:12])
            chunked = b"transfer-encoding: chunked" in head
            clen = None
            i = head.find(b"\r\ncontent-length:")
            if i >= 0:
                j = head.find(b"\r\n", i + 2)
                clen = int(head[i + 17:j if j >= 0 else len(head)].strip())
            if b"connection: close" in head:
                keep = False
            body = buf[hend + 4:]
            if b"data:" in body:
                t_data = now()
            while True:
                if chunked and body.endswith(b"0\r\n\r\n") and (
                        body == b"0\r\n\r\n" or body.endswith(b"\r\n0\r\n\r\n")):
                    break
                if clen is not None and len(body) >= clen:
                    break
                more = await asyncio.wait_for(reader.read(65536), timeout)
                if not more:
                    keep = False
                    if chunked or clen is not None:
                        raise ConnectionError("closed mid-body")
                    break
                body += more
                if t_data is None and b"data:" in body:
                    t_data = now()
            t_end = now()
        except asyncio.TimeoutError:
            if t0 >= warm_until:
                stats.errors["timeout"] += 1
            writer.close()
            writer = None
            continue
        except (OSError, ConnectionError, ValueError):
            if t0 >= warm_until:
                stats.errors["connect"] += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
            continue
        if not keep:
            writer.close()
            writer = None
        if 200 <= status < 300:
            stats.completed_total += 1
        if t0 < warm_until:
            continue
        stats.bytes += len(body)
        if not 200 <= status < 300:
            stats.errors["status"] += 1
            continue
        if b"data: [DONE]" not in body or t_data is None:
            stats.errors["incomplete"] += 1
            continue
        stats.ok += 1
        stats.ttfb.append(t_first - t0)
        stats.ttfd.append(t_data - t0)
        stats.total.append(t_end - t0)
    if writer is not None:
        writer.close()


async def run(args):
    u = urlsplit(args.url)
    host, port = u.hostname, u.port or 80
    path = u.path or "/"
    request = (b"POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
               b"Authorization: Bearer %s\r\nAccept: text/event-stream\r\n"
               b"Content-Length: %d\r\n\r\n" % (path.encode(), host.encode(), port,
                                                 args.key.encode(), len(BODY))) + BODY
    stats = Stats()
    start = time.perf_counter()
    warm_until = start + args.warmup
    deadline = warm_until + args.duration
    hard_deadline = deadline + args.max_extra
    await asyncio.gather(*[one_conn(host, port, request, deadline, hard_deadline,
                                    args.min_samples, warm_until, stats, args.timeout)
                           for _ in range(args.concurrency)])
    window = max(deadline, stats.last_start) - warm_until
    n_err = sum(stats.errors.values())
    ms = lambda v: None if v is None else round(v * 1000.0, 3)  # noqa: E731
    return {
        "concurrency": args.concurrency, "duration_s": round(window, 3),
        "requests": stats.ok, "errors": stats.errors, "error_count": n_err,
        "error_rate": (n_err / (stats.ok + n_err)) if (stats.ok + n_err) else 0.0,
        "rps": stats.ok / window,
        "ttfb_ms": {"p50": ms(pct(stats.ttfb, 50)), "p90": ms(pct(stats.ttfb, 90)),
                    "p99": ms(pct(stats.ttfb, 99))},
        "ttfd_ms": {"p50": ms(pct(stats.ttfd, 50)), "p90": ms(pct(stats.ttfd, 90)),
                    "p99": ms(pct(stats.ttfd, 99))},
        "total_ms": {"p50": ms(pct(stats.total, 50)), "p90": ms(pct(stats.total, 90)),
                     "p99": ms(pct(stats.total, 99))},
        "bytes": stats.bytes, "completed_total": stats.completed_total,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", default="sk-mock")
    ap.add_argument("-c", "--concurrency", type=int, default=50)
    ap.add_argument("-d", "--duration", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--min-samples", type=int, default=0,
                    help="keep starting requests past the deadline until this many "
                         "started in the window (slow targets), up to --max-extra s")
    ap.add_argument("--max-extra", type=float, default=45.0)
    args = ap.parse_args()
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    t = time.monotonic()
    res = asyncio.run(run(args))
    res["wall_s"] = round(time.monotonic() - t, 2)
    json.dump(res, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
