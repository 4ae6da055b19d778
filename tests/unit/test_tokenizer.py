"""Offline tokenizer: real cl100k_base counts, one-api message overheads, image sizes."""

import base64
import hashlib
import logging
import shutil
import socket
import struct
import wave
import io

import pytest

from oneapi.relay import tokenizer as tk
from oneapi.relay.image_size import image_size, image_size_from_url


@pytest.fixture(autouse=True, scope="module")
def _loaded():
    tk.init_tokenizers()
    yield


# ------------------------------------------------------------------ image fixtures

def png_bytes(w, h):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\x00\x00\x00\x00"


def gif_bytes(w, h):
    return b"GIF89a" + struct.pack("<HH", w, h) + b"\x00" * 8


def jpeg_bytes(w, h):
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + bytes([1, 1, 0, 0, 1, 0, 1, 0, 0])
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(64)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, h, w, 3) + bytes(9)
    return b"\xff\xd8" + app0 + dqt + sof + b"\xff\xd9"


def webp_vp8x_bytes(w, h):
    body = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    body += (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def webp_vp8l_bytes(w, h):
    bits = (w - 1) | ((h - 1) << 14)
    body = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + bits.to_bytes(4, "little") + b"\x00" * 5
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def webp_vp8_bytes(w, h):
    frame = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", w, h) + bytes(4)
    body = b"VP8 " + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def data_url(raw, mime="image/png"):
    return f"data:{mime};base64," + base64.b64encode(raw).decode()


# ------------------------------------------------------------------ offline loading

def test_init_and_counting_never_touch_the_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr("tiktoken.load.read_file", refuse)
    tk.reset_tokenizers()
    try:
        status = tk.init_tokenizers()
        assert status["cl100k_base"] is True
        assert tk.count_text_tokens("hello world", "gpt-4o") == 2
        assert tk.count_messages_tokens([{"role": "user", "content": "hi"}], "o3") > 0
    finally:
        tk.reset_tokenizers()
        tk.init_tokenizers()


def test_lazy_init_on_first_use():
    tk.reset_tokenizers()
    try:
        assert tk.count_text_tokens("hello world", "gpt-3.5-turbo") == 2
    finally:
        tk.init_tokenizers()


def test_corrupt_o200k_in_cache_dir_is_skipped_for_the_bundled_copy(tmp_path, caplog):
    (tmp_path / "o200k_base.tiktoken").write_bytes(b"bm90IGEgcmVhbCBmaWxl 0\n")
    tk.reset_tokenizers()
    try:
        with caplog.at_level(logging.INFO, logger="oneapi.relay.tokenizer"):
            status = tk.init_tokenizers(str(tmp_path))
            assert status == {"cl100k_base": True, "o200k_base": False}  # loaded when needed
            assert tk.encoding_name_for_model("gpt-4o") == "o200k_base"
        assert tk.tokenizer_status() == {"cl100k_base": True, "o200k_base": True}
        assert "hash mismatch" in caplog.text
    finally:
        tk.reset_tokenizers()
        tk.init_tokenizers()


def test_without_any_valid_o200k_gpt4o_falls_back_to_cl100k(tmp_path, caplog, monkeypatch):
    (tmp_path / "o200k_base.tiktoken").write_bytes(b"bm90IGEgcmVhbCBmaWxl 0\n")
    monkeypatch.setattr(tk, "_bundled_o200k_path", lambda: None)
    tk.reset_tokenizers()
    try:
        with caplog.at_level(logging.INFO, logger="oneapi.relay.tokenizer"):
            tk.init_tokenizers(str(tmp_path))
            assert tk.encoding_name_for_model("gpt-4o") == "cl100k_base"
            assert tk.encoding_name_for_model("gpt-4o-mini") == "cl100k_base"
        assert tk.tokenizer_status() == {"cl100k_base": True, "o200k_base": False}
        assert caplog.text.count("o200k_base is not available offline") == 1  # tried once
    finally:
        monkeypatch.undo()
        tk.reset_tokenizers()
        tk.init_tokenizers()


def test_bundled_o200k_is_the_published_file():
    path = tk._bundled_o200k_path()
    assert path and path.endswith(".xz")
    data = tk._read(path)
    assert hashlib.sha256(data).hexdigest() == tk._SPECS["o200k_base"]["hash"]
    assert len(data.splitlines()) == 199998


def test_truncated_xz_is_rejected(tmp_path, monkeypatch, caplog):
    bad = tmp_path / "o200k_base.tiktoken.xz"
    bad.write_bytes(open(tk._bundled_o200k_path(), "rb").read()[:5000])
    monkeypatch.setattr(tk, "_bundled_o200k_path", lambda: str(bad))
    tk.reset_tokenizers()
    try:
        with caplog.at_level(logging.INFO, logger="oneapi.relay.tokenizer"):
            tk.init_tokenizers()
            assert tk.encoding_name_for_model("o3") == "cl100k_base"
        assert "ignoring" in caplog.text
    finally:
        monkeypatch.undo()
        tk.reset_tokenizers()
        tk.init_tokenizers()


def test_cl100k_loaded_from_tiktoken_cache_layout(tmp_path, monkeypatch):
    bundled = tk._bundled_cl100k_path()
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    shutil.copy(bundled, tmp_path / hashlib.sha1(url.encode()).hexdigest())
    monkeypatch.setattr(tk, "_bundled_cl100k_path", lambda: None)
    tk.reset_tokenizers()
    try:
        assert tk.init_tokenizers(str(tmp_path))["cl100k_base"] is True
        assert tk.count_text_tokens("hello world") == 2
    finally:
        monkeypatch.undo()
        tk.reset_tokenizers()
        tk.init_tokenizers()


def test_missing_cl100k_is_fatal(tmp_path, monkeypatch):
    monkeypatch.setattr(tk, "_bundled_cl100k_path", lambda: None)
    tk.reset_tokenizers()
    try:
        with pytest.raises(tk.TokenizerUnavailable):
            tk.init_tokenizers(str(tmp_path))
    finally:
        monkeypatch.undo()
        tk.reset_tokenizers()
        tk.init_tokenizers()


def test_o200k_loads_only_for_models_that_need_it(monkeypatch):
    loads = []
    real = tk._load_encoding
    monkeypatch.setattr(tk, "_load_encoding", lambda name, d: loads.append(name) or real(name, d))
    tk.reset_tokenizers()
    try:
        tk.init_tokenizers()
        tk.preload_for_models(["gpt-3.5-turbo", "claude-3-haiku", "text-embedding-ada-002"])
        assert tk.count_text_tokens("hello world", "gpt-4") == 2
        assert loads == ["cl100k_base"] and tk.tokenizer_status()["o200k_base"] is False
        tk.preload_for_models(["claude-3-haiku", "openai/gpt-4.1-mini"])
        assert loads == ["cl100k_base", "o200k_base"]
        tk.count_text_tokens("hello", "gpt-4o")
        assert loads == ["cl100k_base", "o200k_base"]
    finally:
        monkeypatch.undo()
        tk.reset_tokenizers()
        tk.init_tokenizers()


def test_encoding_choice_by_model():
    assert tk.encoding_name_for_model("gpt-3.5-turbo") == "cl100k_base"
    assert tk.encoding_name_for_model("gpt-4-turbo") == "cl100k_base"
    assert tk.encoding_name_for_model("some-unknown-model") == "cl100k_base"
    for m in ("gpt-4o", "gpt-4.1-mini", "o3-mini", "gpt-5", "openai/gpt-4o"):
        assert tk.encoding_name_for_model(m) == "o200k_base"


def test_known_o200k_counts():
    enc = tk.encoding_for_model("gpt-4o")
    # Token ids of the published o200k_base vocabulary.
    assert enc.encode("hello world, 你好") == [24912, 2375, 11, 220, 177519]
    assert tk.count_text_tokens("你好", "gpt-4o") == 1
    assert tk.count_text_tokens("你好", "gpt-4") == 2  # cl100k splits it
    assert enc.n_vocab == 200019


# ------------------------------------------------------------------ text & messages

def test_known_cl100k_counts():
    assert tk.count_text_tokens("hello world", "gpt-4") == 2
    assert tk.count_text_tokens("Hello, world!", "gpt-4") == 4
    assert tk.count_text_tokens("", "gpt-4") == 0
    assert tk.count_text_tokens(None, "gpt-4") == 0
    # special-token text is counted as ordinary text, never raises
    assert tk.count_text_tokens("<|endoftext|>", "gpt-4") > 1


def test_approximate_mode():
    assert tk.count_text_tokens("hello world", "gpt-4", approximate=True) == int(11 * 0.38)
    assert tk.count_tokens_by_length("abcdefghi") == 2
    assert tk.estimate_completion_tokens("hello world", "gpt-4") == 2


def test_message_overheads():
    msgs = [{"role": "user", "content": "hello world"}]
    # 3 per message + 2 content + 1 role + 3 priming
    assert tk.count_messages_tokens(msgs, "gpt-4") == 9
    named = [{"role": "user", "name": "bob", "content": "hello world"}]
    # + 1 per name + 1 ("bob")
    assert tk.count_messages_tokens(named, "gpt-4") == 11
    # gpt-3.5-turbo-0301: 4 per message, -1 per name
    assert tk.count_messages_tokens(named, "gpt-3.5-turbo-0301") == 4 + 2 + 1 - 1 + 1 + 3
    assert tk.count_messages_tokens([], "gpt-4") == 3


def test_tool_calls_and_tools_not_counted_for_chat():
    base = [{"role": "assistant", "content": None}]
    with_calls = [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"a\":1}"}}]}]
    assert tk.count_messages_tokens(base, "gpt-4") == tk.count_messages_tokens(with_calls, "gpt-4")


def test_multipart_content_text_and_image():
    msgs = [{"role": "user", "content": [
        {"type": "text", "text": "hello world"},
        {"type": "image_url", "image_url": {"url": data_url(png_bytes(512, 512)), "detail": "low"}},
    ]}]
    assert tk.count_messages_tokens(msgs, "gpt-4o") == 3 + 2 + 85 + 1 + 3


def test_audio_part_uses_wav_duration():
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 8000 * 2)  # 2.0 s
    part = {"type": "input_audio", "input_audio": {
        "data": base64.b64encode(buf.getvalue()).decode(), "format": "wav"}}
    assert tk.audio_duration_seconds(buf.getvalue()) == pytest.approx(2.0)
    msgs = [{"role": "user", "content": [part]}]
    assert tk.count_messages_tokens(msgs, "gpt-4o-audio-preview") == 3 + 1 + 3 + 20


def test_count_input_tokens_modes():
    assert tk.count_input_tokens({"model": "gpt-4", "messages": [
        {"role": "user", "content": "hello world"}]}, "chat") == 9
    assert tk.count_input_tokens({"model": "gpt-3.5-turbo-instruct",
                                  "prompt": "hello world"}, "completions") == 2
    assert tk.count_input_tokens({"model": "x", "prompt": ["hello", " world"]},
                                 "completions") == 2
    assert tk.count_input_tokens({"model": "x", "prompt": [1, 2, 3]}, "completions") == 3
    assert tk.count_input_tokens({"model": "text-embedding-3-small",
                                  "input": ["hello world", "hello world"]}, "embeddings") == 4
    assert tk.count_input_tokens({"model": "e", "input": "hello world"}, "embeddings") == 2
    assert tk.count_input_tokens({"model": "e", "input": [[1, 2], [3]]}, "embeddings") == 3
    assert tk.count_input_tokens({"model": "omni-moderation-latest",
                                  "input": "hello world"}, "moderations") == 2
    assert tk.count_input_tokens({"model": "veo-3", "prompt": "a cat"}, "completions") == 80
    with pytest.raises(ValueError):
        tk.count_input_tokens({"model": "x"}, "rerank")


# ------------------------------------------------------------------ images

@pytest.mark.parametrize("raw,size", [
    (png_bytes(800, 600), (800, 600)),
    (gif_bytes(320, 200), (320, 200)),
    (jpeg_bytes(1920, 1080), (1920, 1080)),
    (webp_vp8x_bytes(3000, 2000), (3000, 2000)),
    (webp_vp8l_bytes(640, 480), (640, 480)),
    (webp_vp8_bytes(1024, 768), (1024, 768)),
])
def test_image_header_sizes(raw, size):
    assert image_size(raw) == size
    assert image_size_from_url(data_url(raw)) == size


def test_image_size_unknown_cases():
    assert image_size(b"not an image") is None
    assert image_size_from_url("https://example.com/cat.png") is None
    assert image_size_from_url("data:image/png;base64,!!!!") is None
    assert image_size_from_url("data:text/plain,hello") is None


def test_image_tokens_formula():
    # 1024x1024 high: shortest side -> 768 => 768x768 => 4 tiles
    assert tk.image_tokens_for_size(1024, 1024, "gpt-4o") == 4 * 170 + 85
    # 2048x4096: fit 2048 -> 1024x2048; shortest 768 -> 768x1536 => 2x3 tiles
    assert tk.image_tokens_for_size(2048, 4096, "gpt-4o") == 6 * 170 + 85
    # small image: no scaling, 1 tile
    assert tk.image_tokens_for_size(500, 300, "gpt-4.1") == 170 + 85
    assert tk.image_tokens_for_size(500, 300, "gpt-4o-mini") == 5667 + 2833
    assert tk.image_tokens_for_size(500, 300, "gpt-5-mini") == 140 + 70
    assert tk.image_tokens_for_size(500, 300, "o3") == 150 + 75
    assert tk.image_tokens_for_size(500, 300, "computer-use-preview") == 129 + 65
    assert tk.image_tokens_for_size(500, 300, "gpt-4o", "low") == 85
    assert tk.image_tokens_for_size(500, 300, "gpt-5", "low") == 70
    assert tk.image_tokens_for_size(500, 300, "gpt-4o", "auto") == 255
    # Claude: longest edge <= 1568, round(w*h/750)
    assert tk.image_tokens_for_size(1000, 1000, "claude-sonnet-4-5") == round(1_000_000 / 750)
    assert tk.image_tokens_for_size(3136, 1568, "claude-3-5-haiku") == round(1568 * 784 / 750)
    with pytest.raises(ValueError):
        tk.image_tokens_for_size(10, 10, "gpt-4o", "ultra")


def test_count_image_tokens_inputs():
    url = data_url(jpeg_bytes(1920, 1080), "image/jpeg")
    # 1920x1080 -> shortest 768 => int(1920*768/1080)=1365 x 768 => 3x2 tiles
    assert tk.count_image_tokens({"url": url}, "gpt-4o") == 6 * 170 + 85
    assert tk.count_image_tokens({"url": url, "detail": "low"}, "gpt-4o") == 85
    # remote URL: never fetched, assumed 1024x1024
    assert tk.count_image_tokens("https://example.com/x.png", "gpt-4o") == 765
    assert tk.count_image_tokens({"url": url, "detail": "bogus"}, "gpt-4o") == 0
    assert tk.count_image_tokens({"url": url}, "deepseek-v4-flash-vision-exp") == 384


# ------------------------------------------------------------------ Claude / Response fronts

def test_claude_messages_estimate():
    req = {"model": "claude-sonnet-4-5", "system": "hello world",
           "messages": [{"role": "user", "content": "hello world"},
                        {"role": "user", "content": [
                            {"type": "image", "source": {"type": "file", "file_id": "f1"}}]}],
           "tools": [{"name": "get", "description": "hello world", "input_schema": {}},
                     {"name": "lazy", "description": "x" * 100, "defer_loading": True}]}
    system = 3 + 1 + 2
    msg1 = 3 + 1 + 2
    msg2 = 3 + 1 + 853
    tools = tk.count_text_tokens("gethello world{}")
    assert tk.count_claude_messages_tokens(req) == system + msg1 + msg2 + tools + 3
    assert tk.count_claude_messages_tokens(req, body_size=(1 << 20) + 4) == ((1 << 20) + 4) // 4


def test_response_input_estimate():
    assert tk.count_response_input_tokens({"model": "gpt-4o", "input": "hi"}) == 10
    long_text = "hello world " * 20
    req = {"model": "gpt-4o", "instructions": long_text,
           "input": [{"role": "user", "content": [{"type": "input_text", "text": long_text}]},
                     {"type": "function_call", "name": "f", "arguments": "{}"},
                     {"type": "function_call_output", "call_id": "c", "output": "ok"}]}
    n = tk.count_text_tokens(long_text, "gpt-4o")
    expected = n + (3 + n + 1) + tk.count_text_tokens("f{}", "gpt-4o") + \
        tk.count_text_tokens("ok", "gpt-4o")
    assert tk.count_response_input_tokens(req) == expected


def test_concurrent_first_use_loads_once(monkeypatch):
    import threading
    calls = []
    real = tk._load_encoding

    def counting(name, cache_dir):
        calls.append(name)
        return real(name, cache_dir)

    monkeypatch.setattr(tk, "_load_encoding", counting)
    tk.reset_tokenizers()
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        tk.count_text_tokens("hello world", "gpt-4"))) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert results == [2] * 8
        assert calls.count("cl100k_base") == 1
        calls.clear()
        threads = [threading.Thread(target=lambda: results.append(
            tk.count_text_tokens("你好", "gpt-4o"))) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert results[8:] == [1] * 8
        assert calls == ["o200k_base"]
    finally:
        monkeypatch.undo()
        tk.reset_tokenizers()
        tk.init_tokenizers()
