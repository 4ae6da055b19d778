"""The gunicorn worker class of ``oneapi serve``: gevent, serving HTTP with ``gevent.pywsgi``.

gunicorn's plain ``gevent`` worker parses requests with gunicorn's pure-Python parser and lets
a keep-alive connection whose next request is already buffered run again before the others:
measured on a 2-core box with a trivial WSGI app, it used 0.18 ms CPU per request and at 50
keep-alive connections served some clients after 1.2 s while the mean was 9 ms. The pywsgi
handler (gunicorn's ``gevent_pywsgi`` worker) took 0.14 ms, with a 250 ms worst case.

On top of gunicorn's ``GeventPyWSGIWorker`` this adds what its handler lacks:

* an idle limit: a connection that sends no request line for ``keepalive`` seconds
  (gunicorn's ``--keep-alive``, 75 in ``gunicorn_conf.py``) is closed, so idle clients cannot
  pin the worker's ``worker_connections`` slots (also bounds a slow request line);
* no access-log bookkeeping per request unless an access log is configured;
* the client socket at ``environ["gunicorn.socket"]`` like gunicorn's own workers (the relay
  checks it for a closed client while streaming);
* fair turns: before the next request of a keep-alive connection the handler yields for one
  loop turn (when the worker has other connections). gevent (any of gunicorn's gevent
  workers) otherwise serves a fast client's next request straight from the socket again and
  again; on a saturated 2-worker box with 50 wrk connections and a 1 ms CPU-bound app that
  gave p50 1.2 ms but p99 1.16 s (event-loop timers late by up to 3 s). With the yield: p50 33 ms, p99 181 ms. On the gateway at c=50 it cut p99
  from 1.1-2.1 s to 0.2-0.28 s for 3-10% more CPU per request (an extra poll round each).
"""
from __future__ import annotations

from gevent import Timeout
from gevent.socket import wait_write
from gunicorn.workers.ggevent import GeventPyWSGIWorker, PyWSGIHandler


class Handler(PyWSGIHandler):
    keepalive: float = 75.0
    access_log = False
    _served = False

    def read_requestline(self):
        pool = getattr(self.server, "pool", None)
        fair = self._served and (pool is None or len(pool) > 1)  # alone: nobody to let in
        self._served = True
        timer = Timeout(self.keepalive, False) if self.keepalive and self.keepalive > 0 else None
        if timer is not None:
            timer.start()
        try:
            if fair:
                # Back of the line before the next request of this keep-alive connection: a
                # client that answers fast would otherwise find its next request already in
                # the socket and be served again and again while the other connections wait
                # (on a saturated worker: 1.2 ms p50 but 1 s p99 at 50 connections). The socket
                # is writable, so the loop's next poll reports it at once, together with the
                # I/O of every other ready connection (no sleep, no timer: a short timer makes
                # libev's epoll wait a whole millisecond when nothing else is pending).
                wait_write(self.socket.fileno())
            return super().read_requestline()
        except Timeout as err:
            if timer is None or err is not timer:
                raise
            return None  # idle too long: handle_one_request closes the connection
        finally:
            if timer is not None:
                timer.close()

    def get_environ(self):
        env = super().get_environ()
        env["gunicorn.socket"] = self.socket
        return env

    def log_request(self):
        if self.access_log:
            super().log_request()


class GeventWorker(GeventPyWSGIWorker):
    wsgi_handler = Handler

    def init_process(self):
        cfg = self.cfg
        Handler.keepalive = float(cfg.keepalive or 0)
        Handler.access_log = bool(cfg.accesslog or cfg.logconfig or cfg.logconfig_dict
                                  or getattr(cfg, "logconfig_json", None) or cfg.syslog)
        super().init_process()
