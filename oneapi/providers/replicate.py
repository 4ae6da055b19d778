"""Replicate (channel type 46): the predictions API (reference §3).

``POST {base}/{model}/predictions`` (default base ``https://api.replicate.com/v1/models/``),
Bearer auth, ``Prefer: wait`` so Replicate holds the request until the prediction finishes
(up to its sync window). Chat models get ``input.prompt`` / ``system_prompt`` /
``max_tokens``; their ``output`` (a list of text pieces) becomes the assistant message and
``metrics.input_token_count`` / ``output_token_count`` the usage. Image models get
``input.prompt`` / ``num_outputs`` / ``aspect_ratio``; output URLs become OpenAI image
``data``. A prediction still running after the sync window is polled at ``urls.get`` by the
media relay (images); for chat it is reported as a 504 naming the prediction. Chat stream
requests receive the finished prediction as a stream.
"""
from __future__ import annotations

from ..channel_types import ChannelType
from .vendor_errors import VendorError
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.sse import SSEEvent
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo, parse_openai_error
from .common import (VendorStreamDecoder, chat_chunk, content_text, error_chunk, json_body, json_object, token_usage,
                     usage_chunk)

TERMINAL = ("succeeded", "failed", "canceled")
_SIZES = {"1024x1024": "1:1", "1792x1024": "16:9", "1024x1792": "9:16", "1536x1024": "3:2", "1024x1536": "2:3",
          "512x512": "1:1", "256x256": "1:1"}


def to_replicate_chat(req: dict) -> dict:
    system, turns = [], []
    for m in req.get("messages") or ():
        if not isinstance(m, dict):
            continue
        text = content_text(m.get("content"))
        if m.get("role") in ("system", "developer"):
            system.append(text)
        else:
            turns.append((m.get("role"), text))
    if not turns:
        raise ValueError("replicate: at least one user message is required")
    if len(turns) == 1:
        prompt = turns[0][1]
    else:
        prompt = "\n".join(f"{'assistant' if role == 'assistant' else 'user'}: {text}" for role, text in turns)
        prompt += "\nassistant:"
    data: dict = {"prompt": prompt}
    if system:
        data["system_prompt"] = "\n".join(system)
    max_tokens = req.get("max_completion_tokens") or req.get("max_tokens")
    if max_tokens:
        data["max_tokens"] = max_tokens
    for key in ("temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty", "seed"):
        if req.get(key) is not None:
            data[key] = req[key]
    if req.get("stop"):
        data["stop_sequences"] = ",".join(req["stop"]) if isinstance(req["stop"], list) else req["stop"]
    return {"input": data}


def to_replicate_image(req: dict) -> dict:
    data: dict = {"prompt": req.get("prompt") or "", "num_outputs": int(req.get("n") or 1)}
    size = req.get("size")
    if isinstance(size, str) and size in _SIZES:
        data["aspect_ratio"] = _SIZES[size]
    if req.get("output_format"):
        data["output_format"] = req["output_format"]
    return {"input": data}


def check_prediction(body: dict) -> None:
    status = body.get("status")
    if status in ("failed", "canceled"):
        raise VendorError(f"Replicate prediction {body.get('id')} {status}: {body.get('error') or 'no detail'}",
                          status=500 if status == "failed" else 499, code=f"prediction_{status}", type="upstream_error")
    if status not in TERMINAL:
        raise VendorError(f"Replicate prediction {body.get('id')} is still {status} after the sync wait",
                          status=504, code="prediction_timeout", type="upstream_error")


def _output_text(output) -> str:
    if isinstance(output, list):
        return "".join(str(x) for x in output)
    return "" if output is None else str(output)


def _usage(body: dict) -> dict | None:
    metrics = body.get("metrics") if isinstance(body.get("metrics"), dict) else {}
    prompt, completion = metrics.get("input_token_count"), metrics.get("output_token_count")
    if prompt is None and completion is None:
        return None
    return token_usage(prompt, completion)


def from_replicate_chat(ctx: RelayContext, body: dict) -> dict:
    check_prediction(body)
    hub = {"id": "chatcmpl-" + str(body.get("id") or ctx.new_id("")), "object": "chat.completion",
           "created": ctx.now(), "model": ctx.origin_model,
           "choices": [{"index": 0, "message": {"role": "assistant", "content": _output_text(body.get("output"))},
                        "finish_reason": "stop"}]}
    usage = _usage(body)
    if usage:
        hub["usage"] = usage
    return hub


class ReplicateStreamDecoder(VendorStreamDecoder):
    """A finished prediction (JSON) delivered as a stream."""

    def feed(self, event: SSEEvent) -> list[dict]:
        body = json_object(event.data)
        if body is None:
            return []
        try:
            hub = from_replicate_chat(self.ctx, body)
        except VendorError as err:
            return [error_chunk(err.message, err.code)]
        text = hub["choices"][0]["message"]["content"]
        self._parts.append(text)
        self._usage = hub.get("usage")
        out = [chat_chunk(hub["id"], hub["created"], hub["model"], {"role": "assistant", "content": text}),
               chat_chunk(hub["id"], hub["created"], hub["model"], {}, "stop")]
        if self._usage:
            out.append(usage_chunk(hub["id"], hub["created"], hub["model"], self._usage))
        return out


@register
class Replicate(Adapter):
    channel_types = (ChannelType.REPLICATE,)
    native_format = "replicate"
    modes = frozenset({RelayMode.CHAT, RelayMode.IMAGES_GENERATIONS})
    slug = "replicate"
    poll_interval = 3.0  # seconds between polls of a running prediction (media relay)

    def request_url(self, ctx: RelayContext) -> str:
        return f"{ctx.base_url.rstrip('/')}/{ctx.actual_model}/predictions"

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx.api_key}", "Prefer": "wait"}

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode == RelayMode.IMAGES_GENERATIONS:
            return PreparedRequest(json=to_replicate_image(body))
        return PreparedRequest(json=to_replicate_chat(body), stream_format="ndjson")

    def poll_url(self, ctx: RelayContext, body: dict) -> str | None:
        """Where to poll a prediction that is not finished yet (None when it is)."""
        if body.get("status") in TERMINAL:
            return None
        urls = body.get("urls") if isinstance(body.get("urls"), dict) else {}
        return urls.get("get") or None

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        if ctx.mode == RelayMode.IMAGES_GENERATIONS:
            check_prediction(body)
            output = body.get("output")
            urls = output if isinstance(output, list) else [output] if output else []
            return {"created": ctx.now(), "data": [{"url": u} for u in urls]}
        return from_replicate_chat(ctx, body)

    def is_stream_response(self, content_type: str) -> bool:
        return "json" in content_type or super().is_stream_response(content_type)

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return ReplicateStreamDecoder(ctx)

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        """Replicate errors are RFC 7807 problems: ``{"title", "detail", "status"}``."""
        data = json_body(body)
        if isinstance(data, dict) and (data.get("detail") or data.get("title")):
            message = str(data.get("detail") or data.get("title"))
            return UpstreamErrorInfo(status, f"Replicate: {message}", code=str(data.get("title") or status))
        return parse_openai_error(status, body)
