"""A real loopback server speaking OpenAI's media wire formats (and Jina/Cohere rerank).

Endpoints (any prefix; matched on the path suffix):
``/images/generations`` (JSON), ``/images/edits`` (multipart), ``/audio/speech`` (binary audio,
chunked), ``/audio/transcriptions`` and ``/audio/translations`` (multipart; every
``response_format``), ``/rerank`` (Jina style with ``usage``), ``/v2/rerank`` (Cohere v2 style
with ``meta.billed_units``).

``server.fail_status`` makes every request fail with an OpenAI error body. Requests are
recorded in ``server.requests`` as dicts: path, query, headers, raw body, and for multipart
``fields`` (name → value) and ``files`` (name → (filename, bytes, content type)).
"""
from __future__ import annotations

import email
import email.policy
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import orjson

AUDIO_BYTES = b"ID3\x03\x00\x00\x00" + bytes(range(256)) * 64  # fake MP3 payload, 16 KiB
GPT_IMAGE_USAGE = {"input_tokens": 50, "input_tokens_details": {"text_tokens": 40, "image_tokens": 10},
                   "output_tokens": 1000, "total_tokens": 1050}


def parse_multipart(content_type: str, body: bytes) -> tuple[dict, dict]:
    msg = email.message_from_bytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body,
                                   policy=email.policy.HTTP)
    fields, files = {}, {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if filename is not None:
            files[name] = (filename, payload, part.get_content_type())
        else:
            fields[name] = payload.decode()
    return fields, files


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "MediaMock"

    def log_message(self, *args):
        pass

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, obj) -> None:
        self._send(status, orjson.dumps(obj), "application/json")

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        path = parts.path
        record = {"path": path, "query": parts.query, "headers": dict(self.headers), "body": raw}
        ctype = self.headers.get("Content-Type", "")
        body: dict = {}
        if ctype.startswith("multipart/form-data"):
            record["fields"], record["files"] = parse_multipart(ctype, raw)
            body = record["fields"]
        elif raw:
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError:
                body = {}
        self.server.record(record)
        if self.server.fail_status:
            status = self.server.fail_status
            return self._json(status, {"error": {"message": f"mock media failure {status}",
                                                 "type": "server_error" if status >= 500 else "invalid_request_error",
                                                 "param": None, "code": None}})
        if path.endswith("/images/generations") or path.endswith("/images/edits"):
            return self._images(body)
        if path.endswith("/audio/speech"):
            return self._speech(body)
        if path.endswith("/audio/transcriptions") or path.endswith("/audio/translations"):
            return self._transcription(body, path.endswith("translations"))
        if path.endswith("/v2/rerank"):
            return self._cohere_rerank(body)
        if path.endswith("/rerank") or path.endswith("/rerankers"):
            return self._rerank(body)
        return self._json(404, {"error": {"message": f"no route {path}", "type": "invalid_request_error"}})

    do_PUT = do_POST  # noqa: N815

    def do_GET(self):  # noqa: N802
        parts = urlsplit(self.path)
        self.server.record({"path": parts.path, "query": parts.query, "headers": dict(self.headers), "body": b""})
        self._json(200, {"path": parts.path, "query": parts.query, "method": "GET",
                         "authorization": self.headers.get("Authorization")})

    def do_DELETE(self):  # noqa: N802
        self.do_GET()

    # ------------------------------------------------------------------ handlers
    def _images(self, body: dict):
        n = int(body.get("n") or 1)
        model = body.get("model") or "dall-e-2"
        if body.get("stream") in (True, "true"):
            return self._image_stream(body)
        if model.startswith("gpt-image"):
            return self._json(200, {"created": int(time.time()), "data": [{"b64_json": "aGVsbG8="}] * n,
                                    "usage": GPT_IMAGE_USAGE})
        return self._json(200, {"created": int(time.time()),
                                "data": [{"url": f"https://img.example/{i}.png", "revised_prompt": body.get("prompt")}
                                         for i in range(n)]})

    def _image_stream(self, body: dict):
        """gpt-image-* ``stream: true``: partial images then the completed event with usage."""
        kind = "image_edit" if "image" in (body.get("_files") or ()) else "image_generation"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        events = [{"type": f"{kind}.partial_image", "b64_json": "cGFydA==", "partial_image_index": 0},
                  {"type": f"{kind}.completed", "b64_json": "ZnVsbA==", "usage": GPT_IMAGE_USAGE}]
        for event in events:
            piece = b"event: " + event["type"].encode() + b"\ndata: " + orjson.dumps(event) + b"\n\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _speech(self, body: dict):
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(AUDIO_BYTES), 4096):
            piece = AUDIO_BYTES[i:i + 4096]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _transcription(self, body: dict, translation: bool):
        fmt = body.get("response_format") or "json"
        if body.get("stream") == "true":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for event in ({"type": "transcript.text.delta", "delta": "hello"},
                          {"type": "transcript.text.delta", "delta": " world"},
                          {"type": "transcript.text.done", "text": "hello world",
                           "usage": {"input_tokens": 14, "output_tokens": 2, "total_tokens": 16}}):
                piece = b"data: " + orjson.dumps(event) + b"\n\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            return
        text = "hello world" if not translation else "hello world (en)"
        if fmt == "text":
            return self._send(200, (text + "\n").encode(), "text/plain; charset=utf-8")
        if fmt == "srt":
            return self._send(200, f"1\n00:00:00,000 --> 00:00:01,000\n{text}\n\n".encode(), "text/plain; charset=utf-8")
        if fmt == "vtt":
            return self._send(200, f"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{text}\n\n".encode(), "text/vtt")
        if fmt == "verbose_json":
            return self._json(200, {"task": "translate" if translation else "transcribe", "language": "english",
                                    "duration": self.server.duration, "text": text, "segments": []})
        return self._json(200, {"text": text})

    def _rerank(self, body: dict):
        docs = body.get("documents") or []
        results = [{"index": i, "relevance_score": round(1.0 - i * 0.1, 3), "document": {"text": d}}
                   for i, d in enumerate(docs)][: body.get("top_n") or len(docs)]
        return self._json(200, {"model": body.get("model"), "results": results,
                                "usage": {"prompt_tokens": self.server.rerank_tokens,
                                          "total_tokens": self.server.rerank_tokens}})

    def _cohere_rerank(self, body: dict):
        docs = body.get("documents") or []
        results = [{"index": i, "relevance_score": round(0.9 - i * 0.1, 3)} for i in range(len(docs))]
        return self._json(200, {"id": "rr-1", "results": results[: body.get("top_n") or len(docs)],
                                "meta": {"api_version": {"version": "2"}, "billed_units": {"search_units": 1}}})


class MediaMock(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict] = []
        self.fail_status = 0
        self.duration = 12.5
        self.rerank_tokens = 42
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, item: dict) -> None:
        with self._lock:
            self.requests.append(item)

    def start(self) -> "MediaMock":
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def start_media_mock() -> MediaMock:
    return MediaMock().start()
