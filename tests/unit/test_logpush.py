import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from oneapi.logpush import PushHandler, redact


def test_redact_masks_keys():
    assert redact("bad key sk-abcdef123456 and Bearer abcdefghij") == "bad key sk-*** and Bearer ***"


def test_error_records_are_pushed_once_per_second():
    received = []
    got = threading.Event()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            got.set()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        handler = PushHandler(f"http://127.0.0.1:{server.server_port}/hook", "webhook", "tok")
        logger = logging.getLogger("test.logpush")
        logger.addHandler(handler)
        logger.propagate = False
        logger.error("upstream failed with key sk-secretsecret")
        logger.error("second error within the same second is dropped")
        logger.warning("warnings are not pushed")
        assert got.wait(5)
        assert len(received) == 1
        assert received[0]["type"] == "webhook" and received[0]["token"] == "tok"
        assert "sk-***" in received[0]["message"] and "secretsecret" not in received[0]["message"]
    finally:
        server.shutdown()
