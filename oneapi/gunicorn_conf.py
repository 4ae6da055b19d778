"""gunicorn settings for ``oneapi serve`` (gevent workers)."""
# Apply the patches before anything imports socket/ssl or the database drivers.
worker_class = "oneapi.serving.GeventWorker"  # gevent + pywsgi (see oneapi/serving.py)
keepalive = 75
# gunicorn 27 opens a control socket at one fixed path per user: several instances per host
# (tests, blue/green deploys) would fight over it.
control_socket_disable = True
accesslog = None


def post_fork(server, worker):  # noqa: ARG001 - gunicorn hook signature
    try:
        from psycogreen.gevent import patch_psycopg

        patch_psycopg()
    except ImportError:
        pass


def worker_exit(server, worker):  # noqa: ARG001 - flush batched quota counters (never lost)
    try:
        from oneapi.services.settle_writer import flush_all as flush_settlements

        flush_settlements()
    except Exception:  # noqa: BLE001
        pass
    try:
        from oneapi.services.batch import flush_all

        flush_all()
    except Exception:  # noqa: BLE001
        pass
