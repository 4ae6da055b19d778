"""Ollama (channel type 30): native ``/api/chat`` (NDJSON streaming) and ``/api/embed``.

Request: OpenAI messages → Ollama messages (text content joined, data-URL images → base64
``images`` list, assistant tool calls with object arguments), sampling fields → ``options``
(``num_predict`` = max tokens, default 2048 as in the fork), ``?thinking=`` /
``reasoning_effort`` → ``think`` (``message.thinking`` comes back as ``reasoning_content``).
Response and stream lines →
hub chat completion / chunks; usage from ``prompt_eval_count`` / ``eval_count``.
"""
from __future__ import annotations

import orjson

from ..channel_types import ChannelType
from ..relay.context import RelayContext
from ..relay.modes import RelayMode
from ..relay.sse import SSEEvent
from . import register
from .base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo, parse_openai_error
from .common import VendorStreamDecoder, error_chunk, json_object, token_usage

DEFAULT_NUM_PREDICT = 2048
_OPTION_FIELDS = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "seed": "seed",
                  "frequency_penalty": "frequency_penalty", "presence_penalty": "presence_penalty",
                  "stop": "stop"}
_FINISH = {"stop": "stop", "length": "length", "load": "stop", "unload": "stop"}


def _content_and_images(content) -> tuple[str, list[str]]:
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    texts, images = [], []
    for part in content if isinstance(content, list) else ():
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text":
            texts.append(str(part.get("text") or ""))
        elif part.get("type") == "image_url":
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, dict) else url
            if not isinstance(url, str) or not url.startswith("data:") or "," not in url:
                raise ValueError("ollama: only data: URL images are supported")
            images.append(url.split(",", 1)[1])
    return "\n".join(texts), images


def _arguments(value):
    if isinstance(value, str):
        try:
            parsed = orjson.loads(value) if value else {}
        except orjson.JSONDecodeError:
            raise ValueError("ollama: tool call arguments must be a JSON object") from None
        return parsed
    return value or {}


def to_ollama_chat(ctx: RelayContext, req: dict) -> dict:
    messages = []
    for msg in req.get("messages") or ():
        text, images = _content_and_images(msg.get("content"))
        out = {"role": msg.get("role") or "user", "content": text}
        if images:
            out["images"] = images
        if msg.get("tool_calls"):
            out["tool_calls"] = [{"function": {"name": (c.get("function") or {}).get("name"),
                                               "arguments": _arguments((c.get("function") or {}).get("arguments"))}}
                                 for c in msg["tool_calls"] if isinstance(c, dict)]
        if msg.get("role") == "tool" and msg.get("name"):
            out["tool_name"] = msg["name"]
        messages.append(out)
    options = {dst: req[src] for src, dst in _OPTION_FIELDS.items() if req.get(src) is not None}
    options["num_predict"] = req.get("max_completion_tokens") or req.get("max_tokens") or DEFAULT_NUM_PREDICT
    body = {"model": ctx.actual_model, "messages": messages, "stream": bool(req.get("stream")), "options": options}
    if req.get("tools"):
        body["tools"] = req["tools"]
    effort = req.get("reasoning_effort")
    if ctx.thinking is not None:
        body["think"] = ctx.thinking
    elif isinstance(effort, str) and effort:
        # gpt-oss takes a level; other thinking models a boolean
        body["think"] = effort if "gpt-oss" in ctx.actual_model and effort in ("low", "medium", "high") \
            else effort not in ("none", "minimal")
    fmt = req.get("response_format")
    if isinstance(fmt, dict):
        if fmt.get("type") == "json_object":
            body["format"] = "json"
        elif fmt.get("type") == "json_schema" and isinstance((fmt.get("json_schema") or {}).get("schema"), dict):
            body["format"] = fmt["json_schema"]["schema"]
    return body


def _tool_calls(ctx: RelayContext, message: dict) -> list[dict]:
    calls = []
    for i, call in enumerate(message.get("tool_calls") or ()):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict):
            continue
        args = fn.get("arguments")
        calls.append({"index": i, "id": call.get("id") or ctx.new_id("call_"), "type": "function",
                      "function": {"name": fn.get("name"),
                                   "arguments": args if isinstance(args, str) else orjson.dumps(args or {}).decode()}})
    return calls


def _usage(body: dict) -> dict | None:
    prompt, completion = body.get("prompt_eval_count"), body.get("eval_count")
    if prompt is None and completion is None:
        return None
    return token_usage(prompt, completion)


def from_ollama_chat(ctx: RelayContext, body: dict) -> dict:
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    out_msg = {"role": "assistant", "content": message.get("content") or ""}
    if message.get("thinking"):
        out_msg["reasoning_content"] = message["thinking"]
    calls = _tool_calls(ctx, message)
    if calls:
        for call in calls:
            call.pop("index", None)
        out_msg["tool_calls"] = calls
    finish = "tool_calls" if calls else _FINISH.get(body.get("done_reason") or "stop", "stop")
    hub = {"id": ctx.new_id(), "object": "chat.completion", "created": ctx.now(), "model": ctx.origin_model,
           "choices": [{"index": 0, "message": out_msg, "finish_reason": finish}]}
    usage = _usage(body)
    if usage:
        hub["usage"] = usage
    return hub


class OllamaStreamDecoder(VendorStreamDecoder):
    def __init__(self, ctx: RelayContext):
        super().__init__(ctx, ctx.new_id(), ctx.now())
        self._tools = False

    def feed(self, event: SSEEvent) -> list[dict]:
        line = json_object(event.data)
        if line is None:
            return []
        if line.get("error"):
            return [error_chunk(str(line["error"]), "ollama_error")]
        out = []
        message = line.get("message") if isinstance(line.get("message"), dict) else {}
        delta: dict = {}
        if message.get("thinking"):
            delta["reasoning_content"] = message["thinking"]
            self._parts.append(message["thinking"])
        if message.get("content"):
            delta["content"] = message["content"]
            self._parts.append(message["content"])
        calls = _tool_calls(self.ctx, message)
        if calls:
            self._tools = True
            delta["tool_calls"] = calls
            self._parts.extend(c["function"]["arguments"] for c in calls)
        if delta:
            out.append(self._chunk({"role": "assistant", **delta}))
        if line.get("done"):
            finish = "tool_calls" if self._tools else _FINISH.get(line.get("done_reason") or "stop", "stop")
            self._usage = _usage(line)
            out += self._end(finish)
        return out


@register
class Ollama(Adapter):
    channel_types = (ChannelType.OLLAMA,)
    native_format = "ollama"
    modes = frozenset({RelayMode.CHAT, RelayMode.EMBEDDINGS})
    slug = "ollama"

    def request_url(self, ctx: RelayContext) -> str:
        base = ctx.base_url.rstrip("/")
        return base + ("/api/embed" if ctx.mode == RelayMode.EMBEDDINGS else "/api/chat")

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"Authorization": f"Bearer {ctx.api_key}"} if ctx.api_key else {}

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        if ctx.mode == RelayMode.EMBEDDINGS:
            inputs = body.get("input")
            return PreparedRequest(json={"model": ctx.actual_model, "input": inputs})
        return PreparedRequest(json=to_ollama_chat(ctx, body), stream_format="ndjson")

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        if ctx.mode == RelayMode.EMBEDDINGS:
            vectors = body.get("embeddings") or []
            prompt = int(body.get("prompt_eval_count") or 0)
            return {"object": "list", "model": ctx.origin_model,
                    "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
                    "usage": {"prompt_tokens": prompt, "total_tokens": prompt}}
        return from_ollama_chat(ctx, body)

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        return OllamaStreamDecoder(ctx)

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        return parse_openai_error(status, body)

