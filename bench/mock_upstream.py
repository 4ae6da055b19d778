"""Fast mock OpenAI upstream for the benchmark.

A raw asyncio Protocol HTTP/1.1 keep-alive server (uvloop when installed) that
answers every POST with a fixed Chat Completions response, or, when the body
asks for ``"stream": true``, with an SSE stream of a fixed number of chunks
whose last chunk carries usage. GET requests answer a fixed model list.

All responses are precomputed bytes, so the server does almost no work per
request and is never the bottleneck (``bench/run.py`` measures it directly).

Usage: python bench/mock_upstream.py --port 18000 [--chunks 100] [--chunk-delay-ms 0]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal

MODEL = "gpt-3.5-turbo"
PROMPT_TOKENS = 12
COMPLETION_TOKENS = 100
USAGE = {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": COMPLETION_TOKENS,
         "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS}


def _completion_body() -> bytes:
    return json.dumps({
        "id": "chatcmpl-bench0001", "object": "chat.completion", "created": 1700000000,
        "model": MODEL, "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant",
                                 "content": "Hello! This is a fixed benchmark answer."}}],
        "usage": USAGE,
    }, separators=(",", ":")).encode()


def _chunk(delta: dict, finish=None, usage=None, choices=True) -> bytes:
    obj = {"id": "chatcmpl-bench0001", "object": "chat.completion.chunk",
           "created": 1700000000, "model": MODEL, "system_fingerprint": "fp_bench",
           "choices": ([{"index": 0, "delta": delta, "logprobs": None,
                         "finish_reason": finish}] if choices else [])}
    if usage is not None:
        obj["usage"] = usage
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def stream_events(n_chunks: int) -> list[bytes]:
    """SSE events: role chunk, n-2 content chunks, finish chunk, usage chunk, [DONE].

    n_chunks counts the events that carry choices; the usage chunk and [DONE]
    follow, as OpenAI sends them with stream_options.include_usage.
    """
    n = max(2, n_chunks)
    ev = [_chunk({"role": "assistant", "content": ""})]
    ev += [_chunk({"content": "tok%d " % i}) for i in range(n - 2)]
    ev.append(_chunk({}, finish="stop"))
    ev.append(_chunk({}, usage=USAGE, choices=False))
    ev.append(b"data: [DONE]\n\n")
    return ev


def _chunked(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class Responses:
    def __init__(self, n_chunks: int):
        body = _completion_body()
        self.json = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\nConnection: keep-alive\r\n\r\n" % len(body)) + body
        models = json.dumps({"object": "list", "data": [
            {"id": MODEL, "object": "model", "created": 1700000000, "owned_by": "openai"}]}).encode()
        self.models = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\nConnection: keep-alive\r\n\r\n" % len(models)) + models
        self.stream_head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                            b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n"
                            b"Connection: keep-alive\r\n\r\n")
        self.events = [_chunked(e) for e in stream_events(n_chunks)]
        self.stream_all = self.stream_head + b"".join(self.events) + b"0\r\n\r\n"
        self.bad = (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                    b"Connection: close\r\n\r\n")


class MockProtocol(asyncio.Protocol):
    __slots__ = ("r", "delay", "buf", "transport", "busy")

    def __init__(self, responses: Responses, delay: float):
        self.r = responses
        self.delay = delay
        self.buf = b""
        self.transport = None
        self.busy = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data: bytes):
        self.buf += data
        if not self.busy:
            self._process()

    def _process(self):
        while True:
            buf = self.buf
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = buf[:end]
            low = head.lower()
            length = 0
            i = low.find(b"\r\ncontent-length:")
            if i >= 0:
                j = low.find(b"\r\n", i + 2)
                length = int(low[i + 17:j if j >= 0 else len(low)].strip() or 0)
            start = end + 4
            if b"\r\ntransfer-encoding: chunked" in low:
                body, consumed = _dechunk(buf, start)
                if body is None:
                    return
                self.buf = buf[consumed:]
            else:
                if len(buf) < start + length:
                    return
                body = buf[start:start + length]
                self.buf = buf[start + length:]
            if head.startswith(b"GET "):
                self.transport.write(self.r.models)
            elif head.startswith(b"POST "):
                if b'"stream":true' in body or b'"stream": true' in body:
                    if self.delay > 0:
                        self.busy = True
                        asyncio.ensure_future(self._slow_stream())
                        return
                    self.transport.write(self.r.stream_all)
                else:
                    self.transport.write(self.r.json)
            else:
                self.transport.write(self.r.bad)
                self.transport.close()
                return

    async def _slow_stream(self):
        t = self.transport
        t.write(self.r.stream_head)
        for ev in self.r.events:
            await asyncio.sleep(self.delay)
            if t.is_closing():
                return
            t.write(ev)
        t.write(b"0\r\n\r\n")
        self.busy = False
        if self.buf:
            self._process()


def _dechunk(buf: bytes, pos: int):
    out = []
    while True:
        j = buf.find(b"\r\n", pos)
        if j < 0:
            return None, 0
        size = int(buf[pos:j].split(b";")[0], 16)
        pos = j + 2
        if size == 0:
            k = buf.find(b"\r\n", pos)
            if k < 0:
                return None, 0
            return b"".join(out), k + 2
        if len(buf) < pos + size + 2:
            return None, 0
        out.append(buf[pos:pos + size])
        pos += size + 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18000)
    ap.add_argument("--chunks", type=int, default=100)
    ap.add_argument("--chunk-delay-ms", type=float, default=0.0)
    args = ap.parse_args()
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    responses = Responses(args.chunks)
    delay = args.chunk_delay_ms / 1000.0
    server = loop.run_until_complete(loop.create_server(
        lambda: MockProtocol(responses, delay), args.host, args.port, backlog=4096,
        reuse_address=True))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    print("mock upstream listening on %s:%d pid=%d" % (args.host, args.port, os.getpid()),
          flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
