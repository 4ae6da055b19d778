"""Images, audio and rerank through the real pipeline against a loopback OpenAI media server."""
from __future__ import annotations

import io
import struct

import orjson

from oneapi.extensions import db
from oneapi.models import Log, Token, User, UserRequestCost


def _log(app, rid):
    with app.app_context():
        rows = db.session.execute(db.select(Log).filter_by(request_id=rid)).scalars().all()
        assert len(rows) == 1, rows
        return rows[0]


def _post(client, *args, **kwargs):
    """POST and close (settlement runs when the response closes, like under a WSGI server)."""
    resp = client.post(*args, **kwargs)
    resp.get_data()
    resp.close()
    return resp


def _user_quota(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).quota


def wav_bytes(seconds: float, rate: int = 16000) -> bytes:
    frames = int(seconds * rate)
    data = b"\x00\x00" * frames
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(data)) + data


# ------------------------------------------------------------------------- images

def test_dalle3_generation_billed_per_image_size_quality(app, client, media_setup, media_upstream):
    user, token, channel, headers = media_setup
    resp = _post(client, "/v1/images/generations", headers=headers,
                       json={"model": "dall-e-3", "prompt": "a cat", "size": "1792x1024", "quality": "hd"})
    body = resp.get_json()
    assert resp.status_code == 200, body
    assert body["data"][0]["url"].startswith("https://img.example/")
    sent = media_upstream.requests[-1]
    assert sent["path"] == "/v1/images/generations"
    assert sent["headers"]["Authorization"] == "Bearer sk-upstream"
    assert orjson.loads(sent["body"])["quality"] == "hd"
    rid = resp.headers["X-Oneapi-Request-Id"]
    log = _log(app, rid)
    assert log.quota == 60000  # $0.04 × 3 (hd 1792x1024) × 500000
    assert log.model_name == "dall-e-3" and log.channel_id == channel.id
    assert _user_quota(app, user.id) == 10_000_000 - 60000
    with app.app_context():
        assert db.session.execute(db.select(UserRequestCost).filter_by(request_id=rid)).scalar_one().quota == 60000
        assert db.session.get(Token, token.id).used_quota == 60000


def test_dalle2_n_images_and_default_model(app, client, media_setup, media_upstream):
    user, _token, _channel, headers = media_setup
    resp = _post(client, "/v1/images/generations", headers=headers,
                       json={"prompt": "two dogs", "n": 2, "size": "512x512"})
    assert resp.status_code == 200, resp.get_json()
    assert len(resp.get_json()["data"]) == 2
    assert orjson.loads(media_upstream.requests[-1]["body"])["model"] == "dall-e-2"
    assert _log(app, resp.headers["X-Oneapi-Request-Id"]).quota == 18000  # ceil(.016×1.125×500000)×2


def test_gpt_image_1_billed_from_upstream_token_usage(app, client, media_setup):
    _user, _token, _channel, headers = media_setup
    resp = _post(client, "/v1/images/generations", headers=headers,
                 json={"model": "gpt-image-1", "prompt": "x", "size": "auto", "quality": "high"})
    assert resp.status_code == 200, resp.get_json()
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    # text 40 × $5 + image 10 × $10 + out 1000 × $40 per 1M = $0.0403
    assert log.quota == 20150
    assert (log.prompt_tokens, log.completion_tokens) == (50, 1000)


def test_image_validation_errors_are_400_and_free(app, client, media_setup, media_upstream):
    user, _token, _channel, headers = media_setup
    cases = [({"model": "dall-e-3"}, "prompt"),
             ({"model": "dall-e-3", "prompt": "a", "n": 2}, "n must be between 1 and 1"),
             ({"model": "dall-e-3", "prompt": "a", "size": "999x999"}, "not supported"),
             ({"model": "dall-e-2", "prompt": "a" * 1001}, "too long")]
    for payload, needle in cases:
        resp = _post(client, "/v1/images/generations", headers=headers, json=payload)
        assert resp.status_code == 400, (payload, resp.get_json())
        assert needle in resp.get_json()["error"]["message"]
    assert media_upstream.requests == []
    assert _user_quota(app, user.id) == 10_000_000


def test_image_edit_multipart_forwards_files(app, client, media_setup, media_upstream):
    _user, _token, _channel, headers = media_setup
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    resp = _post(client, "/v1/images/edits", headers=headers, content_type="multipart/form-data",
                       data={"model": "dall-e-2", "prompt": "add a hat", "size": "256x256",
                             "image": (io.BytesIO(png), "cat.png", "image/png")})
    assert resp.status_code == 200, resp.get_json()
    sent = media_upstream.requests[-1]
    assert sent["path"] == "/v1/images/edits"
    assert sent["fields"]["prompt"] == "add a hat" and sent["fields"]["model"] == "dall-e-2"
    assert sent["files"]["image"] == ("cat.png", png, "image/png")
    assert _log(app, resp.headers["X-Oneapi-Request-Id"]).quota == 8000  # .016 × 500000 × 1
    resp = _post(client, "/v1/images/edits", headers=headers, content_type="multipart/form-data",
                       data={"model": "dall-e-2", "prompt": "no image"})
    assert resp.status_code == 400 and "image file is required" in resp.get_json()["error"]["message"]


def test_upstream_error_refunds_and_passes_message(app, client, media_setup, media_upstream):
    user, _token, _channel, headers = media_setup
    media_upstream.fail_status = 400
    resp = _post(client, "/v1/images/generations", headers=headers, json={"model": "dall-e-3", "prompt": "a"})
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert "mock media failure 400" in err["message"] and "request id" in err["message"]
    assert _user_quota(app, user.id) == 10_000_000
    with app.app_context():
        assert db.session.execute(db.select(Log).filter_by(request_id=resp.headers["X-Oneapi-Request-Id"])).first() is None


# ------------------------------------------------------------------------- audio

def test_speech_streams_binary_and_bills_input_bytes(app, client, media_setup, media_upstream):
    from tests.mocks.media_mock import AUDIO_BYTES

    _user, _token, _channel, headers = media_setup
    resp = client.post("/v1/audio/speech", headers=headers, buffered=False,  # noqa
                      
                       json={"model": "tts-1", "input": "héllo", "voice": "alloy"})
    assert resp.status_code == 200
    assert resp.mimetype == "audio/mpeg"
    data = b"".join(resp.response)
    resp.close()
    assert data == AUDIO_BYTES
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert log.quota == 45  # 6 UTF-8 bytes × ratio 7.5
    assert log.prompt_tokens == 45 and log.content.startswith("model rate 7.50, group rate 1.00")


def test_speech_input_too_long_is_400(client, media_setup, media_upstream):
    *_, headers = media_setup
    resp = _post(client, "/v1/audio/speech", headers=headers, json={"model": "tts-1", "input": "x" * 4097})
    assert resp.status_code == 400 and "too long" in resp.get_json()["error"]["message"]
    resp = _post(client, "/v1/audio/speech", headers=headers, json={"model": "tts-1"})
    assert resp.status_code == 400


def test_transcription_wav_billed_by_exact_duration(app, client, media_setup, media_upstream):
    _user, _token, _channel, headers = media_setup
    wav = wav_bytes(2.0)
    resp = _post(client, "/v1/audio/transcriptions", headers=headers, content_type="multipart/form-data",
                       data={"model": "whisper-1", "response_format": "json",
                             "file": (io.BytesIO(wav), "a.wav", "audio/wav")})
    assert resp.status_code == 200, resp.get_data()
    assert resp.get_json() == {"text": "hello world"}
    sent = media_upstream.requests[-1]
    assert sent["files"]["file"][1] == wav and sent["fields"]["response_format"] == "json"
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert log.quota == 60  # 2 s × 10 tokens/s × ratio 3


def test_transcription_text_formats_pass_through(app, client, media_setup, media_upstream):
    *_, headers = media_setup
    for fmt, needle, mime in (("text", b"hello world\n", "text/plain"), ("srt", b"00:00:00,000 -->", "text/plain"),
                              ("vtt", b"WEBVTT", "text/vtt")):
        resp = _post(client, "/v1/audio/transcriptions", headers=headers, content_type="multipart/form-data",
                           data={"model": "whisper-1", "response_format": fmt,
                                 "file": (io.BytesIO(wav_bytes(1.0)), "a.wav", "audio/wav")})
        assert resp.status_code == 200
        assert needle in resp.get_data() and resp.mimetype == mime
    resp = _post(client, "/v1/audio/transcriptions", headers=headers, content_type="multipart/form-data",
                       data={"model": "whisper-1", "response_format": "xml",
                             "file": (io.BytesIO(wav_bytes(1.0)), "a.wav", "audio/wav")})
    assert resp.status_code == 400


def test_translation_non_wav_uses_verbose_json_duration(app, client, media_setup, media_upstream):
    *_, headers = media_setup
    media_upstream.duration = 12.5
    resp = _post(client, "/v1/audio/translations", headers=headers, content_type="multipart/form-data",
                       data={"response_format": "verbose_json",
                             "file": (io.BytesIO(b"\x00garbage-audio" * 10), "a.mp3", "audio/mpeg")})
    assert resp.status_code == 200, resp.get_data()
    assert resp.get_json()["task"] == "translate"
    assert media_upstream.requests[-1]["path"] == "/v1/audio/translations"
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert log.quota == 375 and log.model_name == "whisper-1"  # ceil(12.5 × 10) × 3


def test_transcription_requires_multipart_and_file(client, media_setup):
    *_, headers = media_setup
    resp = _post(client, "/v1/audio/transcriptions", headers=headers, json={"model": "whisper-1"})
    assert resp.status_code == 400 and "multipart" in resp.get_json()["error"]["message"]
    resp = _post(client, "/v1/audio/transcriptions", headers=headers, content_type="multipart/form-data",
                       data={"model": "whisper-1"})
    assert resp.status_code == 400 and "file is required" in resp.get_json()["error"]["message"]


# ------------------------------------------------------------------------- rerank

def _rerank_channel(make_channel, media_upstream):
    """Type 50 (OpenAI compatible) with rerank enabled; the OpenAI type-1 channel has no rerank."""
    return make_channel(type=50, base_url=media_upstream.url, models="rerank-v3.5,jina-reranker-v2", priority=5,
                        config='{"supported_endpoints": ["rerank"]}')


def test_rerank_per_call_price(app, client, media_setup, media_upstream, make_channel):
    *_, headers = media_setup
    _rerank_channel(make_channel, media_upstream)
    resp = _post(client, "/v1/rerank", headers=headers,
                       json={"model": "rerank-v3.5", "query": "q", "documents": ["a", "b", "c"], "top_n": 2})
    assert resp.status_code == 200, resp.get_json()
    assert [r["index"] for r in resp.get_json()["results"]] == [0, 1]
    assert media_upstream.requests[-1]["path"] == "/v1/rerank"
    assert _log(app, resp.headers["X-Oneapi-Request-Id"]).quota == 1000  # $0.002 per call


def test_rerank_token_priced_uses_upstream_usage(app, client, media_setup, set_option, make_channel,
                                                 media_upstream):
    *_, headers = media_setup
    _rerank_channel(make_channel, media_upstream)
    set_option("ModelRatio", '{"jina-reranker-v2": 2}')
    resp = _post(client, "/v1/rerank", headers=headers,
                       json={"model": "jina-reranker-v2", "query": "q", "documents": [{"text": "a"}]})
    assert resp.status_code == 200
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert (log.prompt_tokens, log.quota) == (42, 84)
    resp = _post(client, "/v1/rerank", headers=headers, json={"model": "jina-reranker-v2", "query": "q"})
    assert resp.status_code == 400 and "documents" in resp.get_json()["error"]["message"]


def test_v2_rerank_path_is_the_same_endpoint(app, client, media_setup, media_upstream, make_channel):
    *_, headers = media_setup
    _rerank_channel(make_channel, media_upstream)
    resp = _post(client, "/v2/rerank", headers=headers, json={"model": "rerank-v3.5", "query": "q", "documents": ["a"]})
    assert resp.status_code == 200, resp.get_json()
    assert _log(app, resp.headers["X-Oneapi-Request-Id"]).quota == 1000
    resp = _post(client, "/v2/rerank", headers=headers, json={"model": "rerank-v3.5"})
    assert resp.status_code == 400 and "query" in resp.get_json()["error"]["message"]


def mp3_bytes(frames: int) -> bytes:
    """MPEG-1 Layer III, 64 kbit/s, 44.1 kHz: 208-byte frames of 1152 samples."""
    return (b"\xff\xfb\x50\x00" + b"\x00" * 204) * frames


def test_audio_seconds_exact_for_wav_and_mp3():
    from oneapi.relay.front_media import audio_seconds

    assert audio_seconds(wav_bytes(2.5)) == 2.5
    # CBR without a Xing header: length from the frame bitrate (2.6 s), not the 128 kbit/s guess (1.3 s)
    assert abs(audio_seconds(mp3_bytes(100), "a.mp3") - 100 * 1152 / 44100) < 0.05
    assert audio_seconds(b"\x00" * 16000, "x.bin") == 1.0  # unknown: 128 kbit/s estimate


def test_transcription_mp3_billed_by_frame_duration(app, client, media_setup, media_upstream):
    *_, headers = media_setup
    resp = _post(client, "/v1/audio/transcriptions", headers=headers, content_type="multipart/form-data",
                 data={"model": "whisper-1", "file": (io.BytesIO(mp3_bytes(400)), "a.mp3", "audio/mpeg")})
    assert resp.status_code == 200, resp.get_data()
    # 83200 bytes at 64 kbit/s = 10.4 s → 104 tokens × ratio 3
    assert _log(app, resp.headers["X-Oneapi-Request-Id"]).quota == 312


def test_gpt_image_stream_forwards_events_and_bills_usage(app, client, media_setup, media_upstream):
    *_, headers = media_setup
    resp = client.post("/v1/images/generations", headers=headers, buffered=False,
                       json={"model": "gpt-image-1", "prompt": "x", "stream": True, "partial_images": 1})
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    data = b"".join(resp.response)
    resp.close()
    assert b"event: image_generation.partial_image\ndata: " in data
    assert b"event: image_generation.completed\ndata: " in data and b'"ZnVsbA=="' in data
    assert orjson.loads(media_upstream.requests[-1]["body"])["stream"] is True
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert log.quota == 20150 and log.is_stream  # token usage of the completed event


def test_transcription_stream_relays_events(app, client, media_setup, media_upstream):
    *_, headers = media_setup
    resp = client.post("/v1/audio/transcriptions", headers=headers, buffered=False,
                       content_type="multipart/form-data",
                       data={"model": "whisper-1", "stream": "true",
                             "file": (io.BytesIO(wav_bytes(2.0)), "a.wav", "audio/wav")})
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    data = b"".join(resp.response)
    resp.close()
    assert data.count(b"transcript.text.delta") == 2 and b"transcript.text.done" in data
    assert media_upstream.requests[-1]["fields"]["stream"] == "true"
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert log.quota == 60 and log.is_stream  # still billed by duration (2 s)


def test_speech_client_disconnect_still_settles(app, client, media_setup, media_upstream):
    *_, headers = media_setup
    resp = client.post("/v1/audio/speech", headers=headers, buffered=False,
                       json={"model": "tts-1", "input": "hello", "voice": "alloy"})
    assert resp.status_code == 200
    first = next(iter(resp.response))
    assert first
    resp.close()  # the client goes away after the first chunk
    log = _log(app, resp.headers["X-Oneapi-Request-Id"])
    assert log.quota == 38  # TTS is priced by its input, delivered or not
    assert orjson.loads(log.metadata_)["stream_end"] == "client_gone"
