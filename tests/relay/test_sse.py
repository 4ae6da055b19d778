"""SSE splitting: any chunking, CRLF, comments, bare JSON lines, NDJSON, huge lines."""
from __future__ import annotations

from oneapi.relay.sse import SSEParser


def _feed_all(parser, data: bytes, step: int):
    out = []
    for i in range(0, len(data), step):
        out += parser.feed(data[i:i + step])
    return out + parser.flush()


def test_events_survive_any_chunking():
    data = (b": keep-alive\r\n\r\nevent: message_start\r\ndata: {\"a\":1}\r\n\r\n"
            b"data:{\"b\":2}\n\ndata: [DONE]\n\n")
    for step in (1, 2, 3, 7, 64, len(data)):
        events = _feed_all(SSEParser(), data, step)
        assert [e.data for e in events] == [b'{"a":1}', b'{"b":2}', b"[DONE]"]
        assert events[0].event == "message_start" and events[1].event is None
        assert events[-1].is_done


def test_missing_blank_lines_and_bare_json():
    events = _feed_all(SSEParser(), b'data: {"a":1}\ndata: {"b":2}\n{"c":3}\n', 5)
    assert [e.data for e in events] == [b'{"a":1}', b'{"b":2}', b'{"c":3}']


def test_ndjson_and_trailing_line_without_newline():
    events = _feed_all(SSEParser(ndjson=True), b'{"a":1}\n\n{"b":2}', 4)
    assert [e.data for e in events] == [b'{"a":1}', b'{"b":2}']


def test_ten_megabyte_line_is_linear():
    payload = b'{"x":"' + b"y" * (10 * 1024 * 1024) + b'"}'
    parser = SSEParser()
    events = []
    for i in range(0, len(payload), 65536):
        chunk = payload[i:i + 65536]
        events += parser.feed((b"data: " if i == 0 else b"") + chunk)
    events += parser.feed(b"\n\n")
    assert len(events) == 1 and len(events[0].data) == len(payload)
