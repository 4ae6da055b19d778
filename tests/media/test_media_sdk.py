"""End-to-end under gunicorn + gevent: the official openai SDK against images, audio, models."""
from __future__ import annotations

import io

import openai
import pytest

from oneapi.models import User
from tests.media.test_media_endpoints import wav_bytes
from tests.mocks.gateway import Gateway
from tests.mocks.media_mock import AUDIO_BYTES, start_media_mock

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def media():
    server = start_media_mock()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, media):
    gw = Gateway(tmp_path_factory.mktemp("gwm")).start()
    gw.add_channel(media.url, models="dall-e-3,gpt-image-1,tts-1,whisper-1")
    yield gw
    gw.stop()


def _settled(gateway, request_id):
    return gateway.wait_for(lambda: gateway.logs(request_id=request_id))


def test_sdk_images_audio_and_models(gateway, media):
    user_id = gateway.add_user(quota=5_000_000)
    key = gateway.add_token(user_id)
    client = openai.OpenAI(base_url=gateway.url + "/v1", api_key=f"sk-{key}", max_retries=0, timeout=60)

    raw = client.images.with_raw_response.generate(model="dall-e-3", prompt="a red fox", size="1024x1024")
    image = raw.parse()
    assert image.data[0].url.startswith("https://img.example/")
    assert _settled(gateway, raw.headers["X-Oneapi-Request-Id"])[0]["quota"] == 20000

    with client.audio.speech.with_streaming_response.create(model="tts-1", voice="alloy", input="hello") as resp:
        audio = resp.read()
        speech_id = resp.headers["X-Oneapi-Request-Id"]
    assert audio == AUDIO_BYTES
    assert _settled(gateway, speech_id)[0]["quota"] == 38  # 5 bytes × 7.5

    raw = client.audio.transcriptions.with_raw_response.create(
        model="whisper-1", file=("clip.wav", io.BytesIO(wav_bytes(3.0)), "audio/wav"))
    assert raw.parse().text == "hello world"
    assert _settled(gateway, raw.headers["X-Oneapi-Request-Id"])[0]["quota"] == 90  # 3 s × 10 × 3
    text = client.audio.translations.create(model="whisper-1", response_format="text",
                                            file=("clip.wav", io.BytesIO(wav_bytes(1.0)), "audio/wav"))
    assert "hello world (en)" in text

    models = sorted(m.id for m in client.models.list())
    assert models == ["dall-e-3", "gpt-image-1", "tts-1", "whisper-1"]
    assert client.models.retrieve("tts-1").id == "tts-1"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-unknown")

    used = gateway.wait_for(lambda: gateway.row(User, user_id)["used_quota"] == 20000 + 38 + 90 + 30 and
                            gateway.row(User, user_id))
    assert used and used["quota"] == 5_000_000 - used["used_quota"]


def test_proxy_streams_under_gunicorn(gateway, media):
    import requests

    from oneapi.models import Role

    admin = gateway.add_user(quota=1000, role=int(Role.ADMIN))
    key = gateway.add_token(admin)
    channel_id = gateway.add_channel(media.url, models="proxy-only-model")
    with requests.post(f"{gateway.url}/v1/oneapi/proxy/{channel_id}/v1/audio/speech", stream=True, timeout=30,
                       headers={"Authorization": f"Bearer sk-{key}"}, json={"input": "x"}) as resp:
        assert resp.status_code == 200 and resp.headers["Content-Type"] == "audio/mpeg"
        body = b"".join(resp.iter_content(4096))
        rid = resp.headers["X-Oneapi-Request-Id"]
    assert body == AUDIO_BYTES
    assert media.requests[-1]["headers"]["Authorization"] == "Bearer sk-upstream"
    rows = gateway.wait_for(lambda: gateway.logs(request_id=rid))
    assert rows[0]["model_name"] == "proxy" and rows[0]["quota"] == 0
