"""A ``requests`` transport adapter that talks Spark's WebSocket protocol and answers with a
synthetic HTTP response, so the relay pipeline treats Spark like any HTTP upstream.

URLs ``spark+wss://...`` / ``spark+ws://...`` (the signed Spark URL with a ``spark+`` prefix)
are mounted on the relay session (``transport.mount``). The request body (a Spark request JSON)
is sent as one text message. The first answer frame decides the status: ``header.code != 0``
→ an error response (status mapped from the Spark code, body = the frame). Otherwise:

* header ``X-Spark-Stream: 1`` → ``text/event-stream``; every frame becomes ``data: {frame}``,
  the socket is read lazily as the pipeline reads the body, until ``header.status == 2``;
* else all frames are read and merged into one JSON body (``protocol.merge_frames``).

``websocket-client`` is pure Python on the ``socket`` module, so it cooperates with gevent.
"""
from __future__ import annotations

import io
from types import SimpleNamespace

import orjson
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from .protocol import merge_frames, status_of

PREFIXES = ("spark+wss://", "spark+ws://")
STREAM_HEADER = "X-Spark-Stream"


def _is_last(frame: dict) -> bool:
    header = frame.get("header") or {}
    choices = (frame.get("payload") or {}).get("choices") or {}
    return header.get("status") == 2 or choices.get("status") == 2


class _FrameReader(io.RawIOBase):
    """File-like body: each ``read`` returns the next frame as an SSE event (b"" at the end)."""

    def __init__(self, ws, first: dict):
        super().__init__()
        self._ws = ws
        self._pending: list[dict] = [first]
        self._done = _is_last(first)
        self._buf = b""
        self._connection = SimpleNamespace(sock=getattr(ws, "sock", None))  # transport aborts via this

    def readable(self) -> bool:
        return True

    def _next(self) -> bytes:
        if self._pending:
            frame = self._pending.pop(0)
        elif self._done:
            return b""
        else:
            try:
                raw = self._ws.recv()
            except Exception as err:  # websocket-client errors → a broken upstream read
                raise OSError(f"spark websocket read failed: {err}") from err
            if not raw:
                self._done = True
                return b""
            try:
                frame = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise OSError("spark websocket sent a non-JSON frame") from None
            if _is_last(frame) or (frame.get("header") or {}).get("code"):
                self._done = True
        return b"data: " + orjson.dumps(frame) + b"\n\n"

    def read(self, amt: int | None = -1, decode_content=None) -> bytes:  # noqa: ARG002
        if not self._buf:
            self._buf = self._next()
        if amt is None or amt < 0:
            out = self._buf
            while True:
                more = self._next()
                if not more:
                    break
                out += more
            self._buf = b""
            return out
        out, self._buf = self._buf[:amt], self._buf[amt:]
        return out

    def close(self) -> None:
        if not self.closed:
            try:
                self._ws.close()
            except Exception:  # noqa: BLE001
                pass
        super().close()


class _Body(io.BytesIO):
    """A complete body that reads like urllib3's raw stream (``decode_content`` accepted)."""

    def read(self, amt: int | None = -1, decode_content=None) -> bytes:  # noqa: ARG002
        return super().read(-1 if amt is None else amt)


def _response(request, status: int, body, content_type: str) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp.reason = "OK" if status == 200 else "Error"
    resp.headers = CaseInsensitiveDict({"Content-Type": content_type})
    resp.raw = body if not isinstance(body, bytes) else _Body(body)
    resp.url = request.url
    resp.request = request
    resp.encoding = "utf-8"
    return resp


class SparkWebSocketAdapter(BaseAdapter):
    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        import websocket

        url = request.url
        for prefix in PREFIXES:
            if url.startswith(prefix):
                url = url[len("spark+"):]
        connect = timeout[0] if isinstance(timeout, tuple) else timeout
        read = timeout[1] if isinstance(timeout, tuple) else timeout
        try:
            ws = websocket.create_connection(url, timeout=connect or 30,
                                             sslopt=None if verify else {"cert_reqs": 0})
        except websocket.WebSocketBadStatusException as err:
            body = err.resp_body or orjson.dumps({"message": str(err)})
            return _response(request, int(err.status_code or 502), body, "application/json")
        except (OSError, websocket.WebSocketException) as err:
            raise requests.ConnectionError(f"spark websocket connect failed: {err}") from err
        try:
            ws.settimeout(read)
            body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
            ws.send(body.decode("utf-8"))
            raw = ws.recv()
            first = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            ws.close()
            return _response(request, 502, orjson.dumps({"message": "spark websocket sent a non-JSON frame"}),
                             "application/json")
        except (OSError, websocket.WebSocketException) as err:
            ws.close()
            raise requests.ConnectionError(f"spark websocket failed: {err}") from err
        code = (first.get("header") or {}).get("code") if isinstance(first, dict) else None
        if code:
            ws.close()
            return _response(request, status_of(code), orjson.dumps(first), "application/json")
        reader = _FrameReader(ws, first)
        if request.headers.get(STREAM_HEADER) == "1":
            return _response(request, 200, reader, "text/event-stream")
        frames = []
        try:
            for chunk in iter(reader._next, b""):
                frames.append(orjson.loads(chunk[len(b"data: "):].strip()))
        except OSError as err:
            raise requests.ConnectionError(str(err)) from err
        finally:
            reader.close()
        bad = next((f for f in frames if (f.get("header") or {}).get("code")), None)
        if bad is not None:
            return _response(request, status_of(bad["header"]["code"]), orjson.dumps(bad), "application/json")
        return _response(request, 200, orjson.dumps(merge_frames(frames)), "application/json")

    def close(self):
        pass


BRIDGE = SparkWebSocketAdapter()
