"""In-process cost of one relay request, without gunicorn or a load generator.

A developer tool next to ``make bench-profile``: it builds the app like a gevent worker
(monkey-patched, settlement writer on), points a channel at the bench mock upstream, then
calls the WSGI app directly N times (non-stream chat completion) and prints the wall time
per request; with ``--profile`` also the cProfile top functions, with ``--gc`` the latency
percentiles and the garbage collector's pauses per generation (as the app runs them).

Usage: .venv/bin/python bench/inproc.py [-n 3000] [--profile] [--stream] [--gc]
"""
from __future__ import annotations

import os
import sys

sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

from gevent import monkey  # noqa: E402

monkey.patch_all()

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environ(path: str, body: bytes, key: str, method: str = "POST") -> dict:
    return {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
        "RAW_URI": path, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "3000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": "127.0.0.1:3000",
        "HTTP_AUTHORIZATION": "Bearer " + key, "HTTP_ACCEPT": "*/*",
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }


def call(app, env) -> tuple[str, bytes]:
    status = []

    def start_response(s, headers, exc_info=None):
        status.append(s)

    it = app(env, start_response)
    try:
        out = b"".join(it)
    finally:
        close = getattr(it, "close", None)
        if close:
            close()
    return status[0], out


def gc_recorder():
    """Record every collection's duration per generation (gc.callbacks)."""
    import gc

    class Rec:
        by_gen: dict[int, list[float]] = {}
        start = 0.0

        @classmethod
        def callback(cls, phase, info):
            if phase == "start":
                cls.start = time.perf_counter()
            else:
                cls.by_gen.setdefault(info["generation"], []).append(time.perf_counter() - cls.start)

    gc.callbacks.append(Rec.callback)
    return Rec


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=3000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--stream", action="store_true")
    ap.add_argument("--gc", action="store_true", help="latency percentiles and GC pauses")
    ap.add_argument("--top", type=int, default=45)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="oneapi-inproc-")
    port = free_port()
    mock = subprocess.Popen([sys.executable, os.path.join(HERE, "mock_upstream.py"), "--port", str(port)])
    try:
        os.environ.update({"SQLITE_PATH": os.path.join(tmp, "one-api.db"), "SESSION_SECRET": "x" * 16,
                           "SETTLE_WRITER": "true", "GLOBAL_RELAY_RATE_LIMIT": "100000000",
                           "GLOBAL_API_RATE_LIMIT": "100000000"})
        subprocess.run([os.path.join(ROOT, ".venv/bin/oneapi"), "migrate"], check=True, cwd=ROOT,
                       capture_output=True)
        from oneapi import create_app

        app = create_app()
        client = app.test_client()
        assert client.post("/api/user/login", json={"username": "root", "password": "123456"}).json["success"]
        r = client.post("/api/channel/", json={"type": 1, "name": "m", "key": "sk-mock", "models": "gpt-3.5-turbo",
                                               "base_url": "http://127.0.0.1:%d" % port, "group": "default"})
        assert r.json["success"], r.json
        client.post("/api/token/", json={"name": "bench", "unlimited_quota": True, "remain_quota": 0,
                                         "expired_time": -1})
        items = client.get("/api/token/?p=0").json["data"]
        items = items.get("items", items) if isinstance(items, dict) else items
        key = "sk-" + items[0]["key"].removeprefix("sk-")
        body = {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]}
        if args.stream:
            body["stream"] = True
        raw = json.dumps(body).encode()
        time.sleep(0.5)
        for _ in range(200):  # warm-up
            s, out = call(app, environ("/v1/chat/completions", raw, key))
            assert s.startswith("200"), (s, out[:300])
        prof = cProfile.Profile() if args.profile else None
        pauses = gc_recorder() if args.gc else None
        lat: list[float] = []
        t0 = time.perf_counter()
        c0 = time.process_time()
        if prof:
            prof.enable()
        for _ in range(args.n):
            t = time.perf_counter()
            call(app, environ("/v1/chat/completions", raw, key))
            lat.append(time.perf_counter() - t)
        if prof:
            prof.disable()
        wall = (time.perf_counter() - t0) / args.n * 1000
        cpu = (time.process_time() - c0) / args.n * 1000
        print("%d requests: %.3f ms wall, %.3f ms CPU per request (stream=%s)" % (args.n, wall, cpu, args.stream))
        if pauses is not None:
            import gc

            gc.callbacks.remove(pauses.callback)
            lat.sort()
            print("latency ms: p50 %.3f p99 %.3f p99.9 %.3f max %.3f" % tuple(
                lat[min(len(lat) - 1, int(len(lat) * q))] * 1000 for q in (0.5, 0.99, 0.999, 1.0)))
            for gen, ds in sorted(pauses.by_gen.items()):
                print("gc gen%d: %d collections, %.1f ms total, max %.2f ms" % (
                    gen, len(ds), sum(ds) * 1000, max(ds) * 1000))
            print("gc tracked objects now: %d (frozen %d)" % (len(gc.get_objects()), gc.get_freeze_count()))
        if prof:
            st = pstats.Stats(prof)
            if os.environ.get("INPROC_DUMP"):
                st.dump_stats(os.environ["INPROC_DUMP"])
            st.sort_stats("tottime").print_stats(args.top)
            st.sort_stats("cumulative").print_stats(args.top)
        from oneapi.services import settle_writer

        settle_writer.flush_all()
    finally:
        mock.terminate()
        mock.wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
