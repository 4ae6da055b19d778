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


def test_plain_data_block_detection():
    from oneapi.relay.sse import is_plain_data_block

    assert is_plain_data_block(b'data: {"a":1}\n\n')
    assert is_plain_data_block(b'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n')
    for bad in (b'data: {"a":1}\n', b'data: {"a":1}\n\ndata: {"b"', b'data:{"a":1}\n\n',
                b'data: {"a":1}\n\ndata:{"b":2}\n\n', b'data: {"a":1}\r\n\r\n',
                b'data: {"a":1}\n\n: ping\n\n', b'event: x\ndata: {"a":1}\n\n',
                b'data: {"a":1}\ndata: {"b":2}\n\n', b'data: {"a":1}\n\n\n\ndata: {"b":2}\n\n',
                b'data: {"a":1}\n\nid: 3\n\n', b'{"a":1}\n\n', b"", b"\n\n"):
        assert not is_plain_data_block(bad), bad


def test_plain_data_blocks_are_exactly_their_reencoded_events():
    """Whatever passes the check is made of the very events the parser finds (up to spaces
    after ``data:``, which the parser drops and verbatim forwarding keeps), nothing else."""
    import random

    from oneapi.relay.sse import encode_data, is_plain_data_block, plain_block_payloads

    rng = random.Random(7)
    alphabet = [b"data: ", b"data:", b"\n", b"\n\n", b"\r", b": c", b"event: e", b"x", b"{}", b" "]
    hits = 0
    for _ in range(20000):
        chunk = b"data: " + b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) + b"\n\n"
        if not is_plain_data_block(chunk):
            continue
        hits += 1
        parser = SSEParser()
        parsed = [e.data for e in parser.feed(chunk)]
        assert parser.at_boundary()
        verbatim = plain_block_payloads(chunk)
        assert b"".join(encode_data(p) for p in verbatim) == chunk
        assert [p.lstrip(b" ") for p in verbatim] == parsed, chunk
    assert hits > 500
