"""Alibaba DashScope (channel type 17): native text-generation and text-embedding APIs.

Chat ``{base}/api/v1/services/aigc/text-generation/generation`` with
``{model, input: {messages}, parameters: {result_format: "message", incremental_output, ...}}``;
streams (``X-DashScope-SSE: enable``) are SSE events whose ``output.choices[].message`` holds
the increment. A model suffix ``-internet`` sets ``enable_search``. Plugins come from channel
config ``plugin`` (``X-DashScope-Plugin``). Embeddings
``/api/v1/services/embeddings/text-embedding/text-embedding``. Images (wanx) are async tasks:
``/api/v1/services/aigc/text2image/image-synthesis`` with ``X-DashScope-Async: enable``, then
``/api/v1/tasks/{task_id}`` is polled (by the media relay) until the task ends; result URLs
become OpenAI image ``data``. Bearer auth (reference §3).
"""
from __future__ import annotations

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.sse import SSEEvent
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder
from .common import VendorStreamDecoder, error_chunk, json_object, token_usage
from .vendor_errors import VendorError

CHAT_PATH = "/api/v1/services/aigc/text-generation/generation"
EMBED_PATH = "/api/v1/services/embeddings/text-embedding/text-embedding"
IMAGE_PATH = "/api/v1/services/aigc/text2image/image-synthesis"
TASK_DONE = ("SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN")
DEFAULT_MAX_TOKENS = 2048
_PARAMS = ("seed", "temperature", "stop", "tools", "presence_penalty", "top_k", "repetition_penalty")


def to_ali_chat(ctx: RelayContext, req: dict) -> dict:
    model = ctx.actual_model
    params: dict = {"result_format": "message", "incremental_output": bool(req.get("stream"))}
    if model.endswith("-internet"):
        model = model[: -len("-internet")]
        params["enable_search"] = True
    for key in _PARAMS:
        if req.get(key) is not None:
            params[key] = req[key]
    if req.get("top_p") is not None:
        params["top_p"] = min(float(req["top_p"]), 0.9999)
    params["max_tokens"] = req.get("max_completion_tokens") or req.get("max_tokens") or DEFAULT_MAX_TOKENS
    if req.get("enable_search") is not None:
        params["enable_search"] = bool(req["enable_search"])
    messages = [{k: v for k, v in m.items() if k in ("role", "content", "tool_calls", "tool_call_id", "name")}
                for m in req.get("messages") or () if isinstance(m, dict)]
    return {"model": model, "input": {"messages": messages}, "parameters": params}


def _usage(usage) -> dict | None:
    if not isinstance(usage, dict):
        return None
    return token_usage(usage.get("input_tokens"), usage.get("output_tokens"), usage.get("total_tokens"))


def _finish(value):
    return None if value in (None, "", "null") else value


def from_ali_chat(ctx: RelayContext, body: dict) -> dict:
    output = body.get("output") if isinstance(body.get("output"), dict) else {}
    choices = []
    for i, choice in enumerate(output.get("choices") or ()):
        message = dict(choice.get("message") or {})
        message.setdefault("role", "assistant")
        choices.append({"index": i, "message": message, "finish_reason": _finish(choice.get("finish_reason")) or "stop"})
    if not choices and "text" in output:  # result_format "text" answers
        choices.append({"index": 0, "message": {"role": "assistant", "content": output.get("text") or ""},
                        "finish_reason": _finish(output.get("finish_reason")) or "stop"})
    hub = {"id": "chatcmpl-" + str(body.get("request_id") or ctx.new_id("")), "object": "chat.completion",
           "created": ctx.now(), "model": ctx.origin_model, "choices": choices}
    usage = _usage(body.get("usage"))
    if usage:
        hub["usage"] = usage
    return hub


class AliStreamDecoder(VendorStreamDecoder):
    def __init__(self, ctx: RelayContext):
        super().__init__(ctx, ctx.new_id(), ctx.now())

    def feed(self, event: SSEEvent) -> list[dict]:
        data = json_object(event.data)
        if data is None:
            return []
        if event.event == "error" or (data.get("code") and not data.get("output")):
            return [error_chunk(str(data.get("message") or data.get("code")), data.get("code"))]
        if data.get("request_id"):
            self.id = "chatcmpl-" + str(data["request_id"])
        self._usage = _usage(data.get("usage")) or self._usage
        output = data.get("output") if isinstance(data.get("output"), dict) else {}
        out = []
        for i, choice in enumerate(output.get("choices") or ()):
            message = choice.get("message") or {}
            delta = {k: v for k, v in message.items() if k in ("role", "content", "reasoning_content", "tool_calls")
                     and v not in (None, "")}
            for key in ("content", "reasoning_content"):
                if isinstance(delta.get(key), str):
                    self._parts.append(delta[key])
            finish = _finish(choice.get("finish_reason"))
            if delta or finish:
                out.append(self._chunk(delta, finish, i))
        return out


@register
class Ali(Adapter):
    channel_types = (ChannelType.ALI,)
    native_format = "dashscope"
    modes = frozenset({RelayMode.CHAT, RelayMode.EMBEDDINGS, RelayMode.IMAGES_GENERATIONS})
    slug = "ali"
    poll_interval = 2.0  # seconds between polls of an image task (media relay)

    def request_url(self, ctx: RelayContext) -> str:
        path = {RelayMode.EMBEDDINGS: EMBED_PATH, RelayMode.IMAGES_GENERATIONS: IMAGE_PATH}.get(ctx.mode, CHAT_PATH)
        return ctx.base_url.rstrip("/") + path

    def poll_url(self, ctx: RelayContext, body: dict) -> str | None:
        output = body.get("output") if isinstance(body.get("output"), dict) else {}
        task_id = output.get("task_id")
        if not task_id or output.get("task_status") in TASK_DONE:
            return None
        return f"{ctx.base_url.rstrip('/')}/api/v1/tasks/{task_id}"

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {ctx.api_key}"}
        if ctx.is_stream:
            headers["Accept"] = "text/event-stream"
            headers["X-DashScope-SSE"] = "enable"
        if ctx.mode == RelayMode.IMAGES_GENERATIONS:
            headers["X-DashScope-Async"] = "enable"
        plugin = ctx.config.get("plugin") if isinstance(ctx.config, dict) else None
        if plugin:
            headers["X-DashScope-Plugin"] = str(plugin)
        return headers

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode == RelayMode.IMAGES_GENERATIONS:
            params: dict = {"n": int(body.get("n") or 1)}
            if isinstance(body.get("size"), str):
                params["size"] = body["size"].replace("x", "*")
            data = {"prompt": body.get("prompt") or ""}
            if body.get("negative_prompt"):
                data["negative_prompt"] = body["negative_prompt"]
            return PreparedRequest(json={"model": ctx.actual_model, "input": data, "parameters": params})
        if ctx.mode == RelayMode.EMBEDDINGS:
            inputs = body.get("input")
            texts = inputs if isinstance(inputs, list) else [inputs]
            return PreparedRequest(json={"model": ctx.actual_model, "input": {"texts": texts}, "parameters": {}})
        return PreparedRequest(json=to_ali_chat(ctx, body))

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        if ctx.mode == RelayMode.IMAGES_GENERATIONS:
            output = body.get("output") if isinstance(body.get("output"), dict) else {}
            if output.get("task_status") != "SUCCEEDED":
                raise VendorError(f"DashScope image task {output.get('task_id')} {output.get('task_status')}: "
                                  f"{output.get('message') or body.get('message') or 'no detail'}",
                                  status=500, code=str(output.get("code") or "task_failed"))
            return {"created": ctx.now(), "data": [{"url": r.get("url")} for r in output.get("results") or ()
                                                   if isinstance(r, dict) and r.get("url")]}
        if ctx.mode == RelayMode.EMBEDDINGS:
            output = body.get("output") if isinstance(body.get("output"), dict) else {}
            total = int((body.get("usage") or {}).get("total_tokens") or 0)
            return {"object": "list", "model": ctx.origin_model,
                    "data": [{"object": "embedding", "index": e.get("text_index", i), "embedding": e.get("embedding")}
                             for i, e in enumerate(output.get("embeddings") or ())],
                    "usage": {"prompt_tokens": total, "total_tokens": total}}
        return from_ali_chat(ctx, body)

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return AliStreamDecoder(ctx)
