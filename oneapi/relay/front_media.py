"""Media fronts: ``/v1/images/generations``, ``/v1/images/edits``, ``/v1/audio/speech``,
``/v1/audio/transcriptions``, ``/v1/audio/translations`` and ``/v1/rerank``.

They run through the real pipeline (``pipeline.Relay``: routing, retries, health, pre-consume,
settle, logs) with three differences handled by :class:`MediaRelay`:

* the channel's adapter comes from ``providers.openai_media.media_adapter`` (a native adapter
  declaring the mode, else the OpenAI-wire media adapter);
* the price is not token-based: per image × size/quality (gpt-image-* usage-based when the
  upstream reports tokens), per UTF-8 byte of TTS input, per second of audio for whisper,
  per call or per token for rerank. The front computes it once the channel is bound and hands
  it to billing through ``ctx.extra`` (``quota_estimate`` / ``fixed_quota`` / ``log_content``);
* the upstream answer is forwarded as it is (JSON, text/srt/vtt, binary audio streamed).
"""
from __future__ import annotations

import io
import logging
import math
import time

import orjson
import requests
from flask import Response, request

from ..errors import InvalidRequest, OneAPIError
from ..providers.base import UpstreamErrorInfo
from ..providers.openai_media import FORMAT_MEDIA, MULTIPART_KEY, Multipart, OpenAIMedia, media_adapter
from ..services import billing, pricing, routing
from . import tokenizer, transport
from .context import RelayContext
from .modes import RelayMode
from .sse import encode_json
from .pipeline import Relay, _client_ip, _parse_body, _short, build_context
from .auth import authenticate, check_model_allowed
from .usage import Usage

log = logging.getLogger(__name__)

TTS_INPUT_LIMIT = 4096
POLL_LIMIT_SECONDS = 300
AUDIO_RESPONSE_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
# gpt-image family token buckets, USD per 1M tokens: text in, cached text, image in, cached image, out
GPT_IMAGE_TOKEN_USD = {
    "gpt-image-1": (5.0, 1.25, 10.0, 2.5, 40.0),
    "gpt-image-1-mini": (2.0, 0.2, 2.5, 0.25, 8.0),
    "gpt-image-1.5": (5.0, 1.25, 8.0, 2.0, 32.0),
    "chatgpt-image-latest": (5.0, 1.25, 8.0, 2.0, 32.0),
}


def _invalid(message: str, param: str | None = None, code: str = "invalid_request") -> InvalidRequest:
    return InvalidRequest(message, code=code, param=param)


def _int_field(value, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise _invalid(f"{name} must be an integer", name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _invalid(f"{name} must be an integer", name) from None


def audio_seconds(data: bytes, filename: str = "") -> float:
    """Duration of an uploaded clip: WAV exact from its header, other containers via mutagen
    (MP3 frames, MP4/M4A, OGG, FLAC ...), else the tokenizer's bitrate estimate."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return tokenizer.audio_duration_seconds(data)
    import mutagen
    from mutagen.mp3 import MP3

    for opener in (mutagen.File, MP3):  # sniffed containers, then bare MPEG audio frames
        try:
            parsed = opener(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - not this container
            continue
        length = getattr(getattr(parsed, "info", None), "length", None)
        if length and length > 0:
            return float(length)
    return tokenizer.audio_duration_seconds(data, filename.rsplit(".", 1)[-1] if "." in filename else "")


class MediaFront:
    """Shared Front behaviour; subclasses validate and price one endpoint."""

    format = FORMAT_MEDIA
    multipart = False
    default_model = ""

    def __init__(self, mode: RelayMode):
        self.mode = mode

    # -- Front protocol (request)
    def model_of(self, body: dict) -> str:
        model = body.get("model")
        if isinstance(model, str) and model:
            return model
        return self.default_model

    def is_stream(self, body: dict) -> bool:
        return False

    def decode_request(self, ctx: RelayContext, body: dict) -> dict:
        return body

    def prompt_tokens(self, ctx: RelayContext, body: dict) -> int:
        return 0

    def max_tokens(self, body: dict) -> int:
        return 0

    # -- pricing hooks
    def fixed_quota(self, ctx: RelayContext, price: pricing.Price, group_ratio: float) -> int | None:
        """Quota known once the channel (and so the price) is bound; None = token-based."""
        return None

    def final_quota(self, ctx: RelayContext, price, group_ratio: float, data: dict | None) -> tuple[int | None, Usage]:
        """(quota, usage for the log) once the upstream answered."""
        quota = ctx.extra.get("fixed_quota")
        return quota, Usage(0, 0)

    # -- Front protocol (response)
    def passthrough_response(self, ctx: RelayContext) -> bool:
        return True

    def encode_response(self, ctx: RelayContext, hub: dict) -> bytes:
        return orjson.dumps(hub)

    def encode_chunk(self, ctx: RelayContext, chunk: dict) -> bytes:
        return encode_json(chunk)  # streamed images decoded by a non-media adapter

    def encode_done(self, ctx: RelayContext, usage) -> bytes:
        return b""

    def encode_error(self, ctx: RelayContext, status: int, error: dict) -> bytes:
        return orjson.dumps({"error": _with_request_id(error, ctx.request_id)})

    def encode_stream_error(self, ctx: RelayContext, error: dict) -> bytes:
        return b""


def _with_request_id(error: dict, request_id: str) -> dict:
    message = str(error.get("message") or "")
    if request_id and request_id not in message:
        message = f"{message} (request id: {request_id})"
    return {"message": message, "type": error.get("type") or "upstream_error",
            "param": error.get("param"), "code": error.get("code")}


# ---------------------------------------------------------------------------- images

class ImageFront(MediaFront):
    default_model = "dall-e-2"

    def __init__(self, mode: RelayMode):
        super().__init__(mode)
        self.multipart = mode == RelayMode.IMAGES_EDITS

    def _field(self, body: dict, name: str):
        mp = body.get(MULTIPART_KEY)
        return mp.get(name) if isinstance(mp, Multipart) else body.get(name)

    def model_of(self, body: dict) -> str:
        return self._field(body, "model") or self.default_model

    def is_stream(self, body: dict) -> bool:
        """gpt-image-* stream partial images as SSE (``stream: true``)."""
        value = self._field(body, "stream")
        return value is True or (isinstance(value, str) and value.lower() == "true")

    def decode_request(self, ctx: RelayContext, body: dict) -> dict:
        prompt = self._field(body, "prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise _invalid("prompt is required", "prompt", "invalid_image_request")
        model = ctx.origin_model
        lo, hi, limit = pricing.image_limits(model)
        if len(prompt) > limit:
            raise _invalid(f"prompt is too long: {len(prompt)} characters (limit {limit})", "prompt",
                           "invalid_image_request")
        n = _int_field(self._field(body, "n"), "n", 1)
        if n < lo or n > hi:
            raise _invalid(f"n must be between {lo} and {hi} for {model}", "n", "invalid_image_request")
        for name in ("size", "quality"):
            value = self._field(body, name)
            if value is not None and not isinstance(value, str):
                raise _invalid(f"{name} must be a string", name, "invalid_image_request")
        if self.multipart:
            mp = body[MULTIPART_KEY]
            if not any(f[0] in ("image", "image[]") for f in mp.files):
                raise _invalid("image file is required", "image", "invalid_image_request")
        ctx.extra["image_n"] = n
        return body

    def fixed_quota(self, ctx, price, group_ratio):
        body = ctx.extra["body"]
        size = self._field(body, "size") or None
        if size == "auto":  # gpt-image-*: the upstream picks; estimate at the default size
            size = None
        try:
            return pricing.image_quota(ctx.actual_model, group_ratio, ctx.extra.get("image_n", 1),
                                       size, self._field(body, "quality") or None, price=price)
        except ValueError as err:
            raise _invalid(str(err), "size", "invalid_image_request") from None

    def final_quota(self, ctx, price, group_ratio, data):
        usage = data.get("usage") if isinstance(data, dict) else None
        buckets = GPT_IMAGE_TOKEN_USD.get(ctx.actual_model)
        if buckets and isinstance(usage, dict) and (usage.get("input_tokens") or usage.get("output_tokens")):
            details = usage.get("input_tokens_details") if isinstance(usage.get("input_tokens_details"), dict) else {}
            inp = int(usage.get("input_tokens") or 0)
            out = int(usage.get("output_tokens") or 0)
            image_in = int(details.get("image_tokens") or 0)
            text_in = int(details.get("text_tokens") or max(inp - image_in, 0))
            cached = int(details.get("cached_tokens") or 0)
            cached_text = min(cached, text_in)
            usd = ((text_in - cached_text) * buckets[0] + cached_text * buckets[1]
                   + image_in * buckets[2] + out * buckets[4]) / 1_000_000
            quota = max(math.ceil(round(usd * pricing.QUOTA_PER_USD * group_ratio, 9)), 1)
            ctx.extra["log_content"] = (f"gpt-image token usage: text in {text_in} (cached {cached_text}), "
                                        f"image in {image_in}, out {out}, group rate {group_ratio:.2f}")
            return quota, Usage(inp, out, cached_text)
        return ctx.extra.get("fixed_quota"), Usage(0, 0)


# ---------------------------------------------------------------------------- audio

class SpeechFront(MediaFront):
    def decode_request(self, ctx, body):
        text = body.get("input")
        if not isinstance(text, str) or not text:
            raise _invalid("input is required", "input", "invalid_audio_request")
        if len(text.encode("utf-8")) > TTS_INPUT_LIMIT:
            raise _invalid(f"input is too long (max {TTS_INPUT_LIMIT} bytes)", "input", "invalid_audio_request")
        if body.get("voice") is not None and not isinstance(body.get("voice"), str):
            raise _invalid("voice must be a string", "voice", "invalid_audio_request")
        return body

    def fixed_quota(self, ctx, price, group_ratio):
        quota = pricing.tts_quota(price, group_ratio, ctx.extra["body"]["input"])
        ctx.extra["log_content"] = pricing.format_audio_log_content(price, group_ratio)
        return quota

    def final_quota(self, ctx, price, group_ratio, data):
        quota = ctx.extra.get("fixed_quota")
        return quota, Usage(int(quota or 0), 0)


class TranscriptionFront(MediaFront):
    multipart = True
    default_model = "whisper-1"

    def model_of(self, body):
        mp = body.get(MULTIPART_KEY)
        return (mp.get("model") if isinstance(mp, Multipart) else None) or self.default_model

    def is_stream(self, body: dict) -> bool:
        """gpt-4o-transcribe style ``stream=true``: transcript events relayed as they come."""
        mp = body.get(MULTIPART_KEY)
        return isinstance(mp, Multipart) and (mp.get("stream") or "").lower() == "true"

    def decode_request(self, ctx, body):
        mp: Multipart = body[MULTIPART_KEY]
        files = [f for f in mp.files if f[0] == "file"]
        if not files or not files[0][2]:
            raise _invalid("file is required", "file", "invalid_audio_request")
        fmt = mp.get("response_format") or "json"
        if fmt not in AUDIO_RESPONSE_FORMATS:
            raise _invalid(f"response_format must be one of {', '.join(AUDIO_RESPONSE_FORMATS)}",
                           "response_format", "invalid_audio_request")
        _name, filename, data, _mime = files[0]
        ctx.extra["audio_seconds"] = audio_seconds(data, filename)
        ctx.extra["audio_exact"] = data[:4] == b"RIFF"
        return body

    def fixed_quota(self, ctx, price, group_ratio):
        ctx.extra["log_content"] = pricing.format_audio_log_content(price, group_ratio)
        return pricing.audio_transcription_quota(price, group_ratio, ctx.extra["audio_seconds"])

    def final_quota(self, ctx, price, group_ratio, data):
        quota = ctx.extra.get("fixed_quota")
        duration = data.get("duration") if isinstance(data, dict) else None
        if not ctx.extra.get("audio_exact") and isinstance(duration, (int, float)) and duration > 0:
            quota = pricing.audio_transcription_quota(price, group_ratio, float(duration))
        return quota, Usage(int(quota or 0), 0)


# ---------------------------------------------------------------------------- rerank

class RerankFront(MediaFront):
    def decode_request(self, ctx, body):
        query = body.get("query")
        if not isinstance(query, str) or not query:
            raise _invalid("query is required", "query", "invalid_rerank_request")
        docs = body.get("documents")
        if not isinstance(docs, list) or not docs:
            raise _invalid("documents must be a non-empty list", "documents", "invalid_rerank_request")
        top_n = body.get("top_n")
        if top_n is not None and (not isinstance(top_n, int) or isinstance(top_n, bool) or top_n < 0):
            raise _invalid("top_n must be a non-negative integer", "top_n", "invalid_rerank_request")
        return body

    def prompt_tokens(self, ctx, body):
        parts = [body.get("query") or ""]
        for doc in body.get("documents") or ():
            if isinstance(doc, str):
                parts.append(doc)
            elif isinstance(doc, dict):
                parts.append(str(doc.get("text") or orjson.dumps(doc).decode()))
        return tokenizer.count_text_tokens("\n".join(parts), ctx.origin_model)

    def fixed_quota(self, ctx, price, group_ratio):
        return pricing.rerank_quota(price, group_ratio, ctx.prompt_tokens)

    def final_quota(self, ctx, price, group_ratio, data):
        tokens = ctx.prompt_tokens
        if isinstance(data, dict):
            usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
            billed = (data.get("meta") or {}).get("billed_units") if isinstance(data.get("meta"), dict) else None
            reported = usage.get("prompt_tokens") or usage.get("total_tokens") or \
                (billed.get("input_tokens") if isinstance(billed, dict) else None)
            if isinstance(reported, int) and reported > 0:
                tokens = reported
        return pricing.rerank_quota(price, group_ratio, tokens), Usage(tokens, 0)


# ---------------------------------------------------------------------------- the relay

def _read_multipart() -> Multipart:
    if not (request.mimetype or "").startswith("multipart/form-data"):
        raise _invalid("this endpoint expects multipart/form-data", code="invalid_request_body")
    fields = [(k, v) for k, values in request.form.lists() for v in values]
    files = []
    for name, storages in request.files.lists():
        for storage in storages:
            files.append((name, storage.filename or name, storage.read(),
                          storage.mimetype or "application/octet-stream"))
    return Multipart(fields, files)


def relay_media(front: MediaFront, mode: RelayMode) -> Response:
    """Entry point of the media views (mirrors ``pipeline.relay`` for multipart bodies)."""
    if front.multipart:
        raw = b""
        body = {MULTIPART_KEY: _read_multipart()}
    else:
        raw = request.get_data(cache=False)
        body = _parse_body(raw)
    auth = authenticate(request.headers, _client_ip())
    model = front.model_of(body)
    check_model_allowed(auth.token, model)
    ctx = build_context(front, mode, auth, model, body)
    ctx.extra["body"] = body
    hub = front.decode_request(ctx, body)
    ctx.prompt_tokens = front.prompt_tokens(ctx, body)
    return MediaRelay(front, ctx, auth, body, raw, hub).run()


class MediaRelay(Relay):
    """The pipeline with media adapters, fixed prices and verbatim responses."""

    def _select(self, exclude):
        ctx = self.ctx
        return routing.select_channel(ctx.group, ctx.origin_model, ctx.mode, exclude,
                                      usable=lambda ch: media_adapter(ch.type, ctx.mode) is not None)

    def _bind(self, channel) -> None:
        ctx = self.ctx
        ctx.for_channel(channel)
        ctx.system_prompt_reset = False
        adapter = media_adapter(channel.type, ctx.mode)
        if adapter is None:
            raise OneAPIError(f"Channel #{channel.id} does not support the requested endpoint",
                              status=400, code="endpoint_not_supported")
        self.adapter = adapter
        price, group_ratio = billing.resolve(ctx)
        for key in ("quota_estimate", "fixed_quota"):
            ctx.extra.pop(key, None)
        quota = self.front.fixed_quota(ctx, price, group_ratio)
        if quota is not None:
            ctx.extra["quota_estimate"] = ctx.extra["fixed_quota"] = int(quota)

    def _json_response(self, resp: requests.Response):
        ctx, adapter = self.ctx, self.adapter
        content_type = resp.headers.get("Content-Type") or "application/json"
        if ctx.mode == RelayMode.AUDIO_SPEECH:
            return self._binary_response(resp, content_type)
        try:
            content = resp.content
        except requests.RequestException as err:
            return UpstreamErrorInfo(502, f"read response body failed: {_short(err)}",
                                     code="read_response_body_failed"), True
        finally:
            resp.close()
        data = None
        if "json" in content_type or content[:1] == b"{":
            try:
                data = orjson.loads(content) if content else None
            except orjson.JSONDecodeError:
                data = None
        status = resp.status_code
        if isinstance(data, dict) and getattr(adapter, "poll_url", None) is not None:
            polled = self._poll(data)
            if not isinstance(polled, dict):
                return polled
            if polled is not data:
                data, content = polled, orjson.dumps(polled)
        if isinstance(data, dict):
            err = data.get("error")
            if isinstance(err, dict) and err.get("message") and not data.get("data") and not data.get("results"):
                return adapter.convert_error(ctx, 500, content), False
            if not isinstance(adapter, OpenAIMedia):
                converted = adapter.convert_response(ctx, data)
                if converted is not data:
                    data = converted
                    content = orjson.dumps(converted)
                    content_type = "application/json"
                    status = 200  # an OpenAI-shaped answer (the vendor may say 201 / 202)
        quota, usage = self.front.final_quota(ctx, self.charge.price, self.charge.group_ratio, data)
        if quota is not None:
            ctx.extra["fixed_quota"] = int(quota)
        response = Response(content, status=status, content_type=content_type)
        response.call_on_close(lambda: self._settle(usage))
        return response

    def _poll(self, data: dict):
        """Async upstream jobs (Replicate predictions): poll until finished, bounded by
        ``RELAY_TIMEOUT`` (or ``POLL_LIMIT_SECONDS``)."""
        ctx, adapter = self.ctx, self.adapter
        deadline = time.monotonic() + (ctx.relay_timeout or POLL_LIMIT_SECONDS)
        headers = {k: v for k, v in adapter.request_headers(ctx).items() if k.lower() != "prefer"}
        while True:
            url = adapter.poll_url(ctx, data)
            if not url:
                return data
            if time.monotonic() >= deadline:
                return UpstreamErrorInfo(504, f"upstream job {data.get('id')} did not finish in time",
                                         code="poll_timeout"), False
            time.sleep(getattr(adapter, "poll_interval", 3.0))
            try:
                resp = transport.send("GET", url, headers=headers, stream=False, relay_timeout=ctx.relay_timeout,
                                      proxy=self.settings.relay_proxy)
            except requests.RequestException as err:
                return UpstreamErrorInfo(502, f"polling upstream job failed: {_short(err)}",
                                         code="do_request_failed"), True
            if resp.status_code >= 300:
                return adapter.convert_error(ctx, resp.status_code, resp.content), False
            try:
                data = orjson.loads(resp.content)
            except orjson.JSONDecodeError:
                return UpstreamErrorInfo(502, "polling upstream job returned invalid JSON",
                                         code="unmarshal_response_body_failed"), False
            if not isinstance(data, dict):
                return UpstreamErrorInfo(502, "polling upstream job returned invalid JSON",
                                         code="unmarshal_response_body_failed"), False

    def _settle(self, usage: Usage, extra: dict | None = None) -> None:
        """Streamed media: the final event's token usage prices gpt-image-* (whisper-style
        transcription keeps its per-second price)."""
        ctx = self.ctx
        stream_usage = ctx.extra.get("stream_usage")
        if ctx.is_stream and isinstance(stream_usage, dict) and self.charge is not None:
            quota, usage = self.front.final_quota(ctx, self.charge.price, self.charge.group_ratio,
                                                  {"usage": stream_usage})
            if quota is not None:
                ctx.extra["fixed_quota"] = int(quota)
        super()._settle(usage, extra)

    def _binary_response(self, resp: requests.Response, content_type: str) -> Response:
        """TTS: the audio is streamed to the client as the upstream produces it."""
        quota, usage = self.front.final_quota(self.ctx, self.charge.price, self.charge.group_ratio, None)
        ctx = self.ctx

        def generate():
            state = "complete"
            try:
                for chunk in transport.raw_chunks(resp):
                    yield chunk
            except transport.UpstreamReadError as err:
                state = "upstream_cut"
                log.warning("upstream audio of channel #%s broke: %s", ctx.channel_id, err)
            except GeneratorExit:
                state = "client_gone"
                raise
            finally:
                resp.close()
                self._settle(usage, {"stream_end": state} if state != "complete" else None)

        headers = {"Content-Disposition": resp.headers["Content-Disposition"]} \
            if resp.headers.get("Content-Disposition") else {}
        return Response(generate(), status=resp.status_code, content_type=content_type, headers=headers,
                        direct_passthrough=True)
