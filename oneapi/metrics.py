"""Prometheus metrics at ``/metrics`` (``ENABLE_PROMETHEUS_METRICS``, bearer ``METRICS_TOKEN``).

Under ``oneapi serve`` the gunicorn workers share ``PROMETHEUS_MULTIPROC_DIR`` so a scrape sees
every worker; elsewhere each process reports its own figures."""
from __future__ import annotations

import hmac
import time
from types import SimpleNamespace

from flask import Blueprint, Flask, Response, g, request

_metrics: SimpleNamespace | None = None


def _build() -> SimpleNamespace:
    from prometheus_client import Counter, Histogram

    buckets = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
    return SimpleNamespace(
        http_requests=Counter("oneapi_http_requests_total", "HTTP requests", ["group", "method", "status"]),
        http_seconds=Histogram("oneapi_http_request_duration_seconds", "HTTP request duration",
                               ["group"], buckets=buckets),
        relay_requests=Counter("oneapi_relay_requests_total", "Relay requests settled",
                               ["model", "channel_id", "status"]),
        relay_quota=Counter("oneapi_relay_quota_total", "Quota charged by relay requests", ["model"]),
        relay_tokens=Counter("oneapi_relay_tokens_total", "Tokens relayed", ["model", "kind"]),
    )


def metrics() -> SimpleNamespace | None:
    return _metrics


def _path_group(path: str) -> str:
    if path.startswith("/v1/"):
        return "relay"
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/dashboard/"):
        return "dashboard"
    return "web"


def record_relay(model: str, channel_id: int, status: int, quota: int, prompt_tokens: int,
                 completion_tokens: int) -> None:
    """Called by the relay pipeline once per settled request."""
    m = _metrics
    if m is None:
        return
    m.relay_requests.labels(model, str(channel_id), str(status)).inc()
    if quota:
        m.relay_quota.labels(model).inc(quota)
    if prompt_tokens:
        m.relay_tokens.labels(model, "prompt").inc(prompt_tokens)
    if completion_tokens:
        m.relay_tokens.labels(model, "completion").inc(completion_tokens)


def init_metrics(app: Flask) -> None:
    global _metrics
    settings = app.config["SETTINGS"]
    if not settings.enable_prometheus_metrics:
        return
    if _metrics is None:
        _metrics = _build()
    bp = Blueprint("metrics", __name__)

    @bp.get("/metrics")
    def scrape():
        token = settings.metrics_token
        given = request.headers.get("Authorization", "")
        if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response("forbidden\n", status=403, mimetype="text/plain")
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        if settings.prometheus_multiproc_dir:  # set by `oneapi serve` (cli.py)
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            data = generate_latest(registry)
        else:
            data = generate_latest()
        return Response(data, mimetype=CONTENT_TYPE_LATEST)

    app.register_blueprint(bp)

    @app.before_request
    def _start_timer():
        g.metrics_started = time.perf_counter()

    children: dict = {}  # label values -> (counter child, histogram child): no labels() lookup per request

    @app.after_request
    def _observe(response):
        started = g.get("metrics_started")
        if started is not None and _metrics is not None:
            key = (_path_group(request.path), request.method, response.status_code)
            pair = children.get(key)
            if pair is None:
                pair = (_metrics.http_requests.labels(key[0], key[1], str(key[2])),
                        _metrics.http_seconds.labels(key[0]))
                if len(children) < 256:
                    children[key] = pair
            pair[0].inc()
            pair[1].observe(time.perf_counter() - started)
        return response
