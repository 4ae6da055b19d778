"""Command line: ``oneapi migrate``, ``oneapi serve`` (console script) and ``flask oneapi …``."""
from __future__ import annotations

import argparse
import os
import sys

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.group("oneapi")
    def group():
        """One API maintenance commands."""

    @group.command("migrate")
    def migrate_cmd():
        """Apply migrations (adopting a Go one-api database) and create root if needed."""
        from .services.dbsetup import migrate_database

        migrate_database(app)
        click.echo("database is up to date")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oneapi", description="One API gateway")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations and bootstrap the root user")
    serve = sub.add_parser("serve", help="run under gunicorn with gevent workers")
    serve.add_argument("--workers", type=int, default=None)
    serve.add_argument("--bind", default=None)
    args = parser.parse_args(argv)

    from . import config as config_mod

    try:
        settings = config_mod.from_env()
    except config_mod.ConfigError as err:
        print(f"configuration error: {err}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        from .app import create_app
        from .services.dbsetup import migrate_database

        migrate_database(create_app({"SETTINGS": settings, "ONEAPI_SKIP_RUNTIME": True}))
        print("database is up to date")
        return 0
    bind = args.bind or f"0.0.0.0:{settings.port}"
    workers = args.workers or settings.workers
    if settings.enable_prometheus_metrics and not settings.prometheus_multiproc_dir:
        # gunicorn workers share one directory so a scrape of /metrics sees all of them
        import tempfile

        path = tempfile.mkdtemp(prefix="oneapi-prometheus-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    gunicorn_args = [
        "gunicorn", "-k", "oneapi.serving.GeventWorker", "-w", str(workers), "--worker-connections", "1000",
        "-b", bind, "-c", os.path.join(os.path.dirname(__file__), "gunicorn_conf.py"),
        "--graceful-timeout", str(settings.shutdown_timeout), "--timeout", "0", "--no-control-socket",
        "wsgi:app",
    ]
    os.execvp(gunicorn_args[0], gunicorn_args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
