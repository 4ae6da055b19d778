"""Hub chat ↔ Bedrock Converse / ConverseStream (non-Claude Bedrock models). Pure functions."""
from __future__ import annotations

import base64
import json

import orjson

STOP_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls",
                "guardrail_intervened": "content_filter", "content_filtered": "content_filter"}
_IMAGE_FORMATS = {"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg", "image/gif": "gif",
                  "image/webp": "webp"}


def _text(content) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return "" if content is None else str(content)


def _blocks(content) -> list[dict]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    out = []
    for part in content or []:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text" and part.get("text"):
            out.append({"text": part["text"]})
        elif part.get("type") == "image_url":
            url = (part.get("image_url") or {}).get("url", "") if isinstance(part.get("image_url"), dict) \
                else str(part.get("image_url") or "")
            if not url.startswith("data:") or ";base64," not in url:
                raise ValueError("Bedrock Converse accepts images only as data: URLs (base64)")
            mime, data = url[5:].split(";base64,", 1)
            fmt = _IMAGE_FORMATS.get(mime.lower())
            if fmt is None:
                raise ValueError(f"Bedrock Converse does not accept image type {mime!r}")
            out.append({"image": {"format": fmt, "source": {"bytes": data}}})
    return out


def _args(raw) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        raise ValueError("tool_calls[].function.arguments must be a JSON object string") from None
    return value if isinstance(value, dict) else {"value": value}


def _append(messages: list[dict], role: str, blocks: list[dict]) -> None:
    if not blocks:
        return
    if messages and messages[-1]["role"] == role:  # Converse requires alternating roles
        messages[-1]["content"].extend(blocks)
    else:
        messages.append({"role": role, "content": blocks})


def chat_to_converse(req: dict, default_max_tokens: int) -> dict:
    system: list[dict] = []
    messages: list[dict] = []
    for msg in req.get("messages") or []:
        if not isinstance(msg, dict):
            raise ValueError("messages: every item must be an object")
        role = msg.get("role")
        if role in ("system", "developer"):
            text = _text(msg.get("content"))
            if text:
                system.append({"text": text})
        elif role == "user":
            _append(messages, "user", _blocks(msg.get("content")))
        elif role == "assistant":
            blocks = _blocks(msg.get("content"))
            for call in msg.get("tool_calls") or []:
                fn = call.get("function") or {}
                blocks.append({"toolUse": {"toolUseId": call.get("id") or "", "name": fn.get("name") or "",
                                           "input": _args(fn.get("arguments"))}})
            _append(messages, "assistant", blocks)
        elif role == "tool":
            _append(messages, "user", [{"toolResult": {"toolUseId": msg.get("tool_call_id") or "",
                                                       "content": [{"text": _text(msg.get("content"))}]}}])
        else:
            raise ValueError(f"messages: unsupported role {role!r}")
    if not messages:
        raise ValueError("messages: at least one user or assistant message with content is required")
    out: dict = {"messages": messages}
    if system:
        out["system"] = system
    config: dict = {"maxTokens": int(req.get("max_tokens") or req.get("max_completion_tokens") or default_max_tokens)}
    if req.get("temperature") is not None:
        config["temperature"] = req["temperature"]
    if req.get("top_p") is not None:
        config["topP"] = req["top_p"]
    stop = req.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    out["inferenceConfig"] = config
    tools = []
    for tool in req.get("tools") or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not fn.get("name"):
            raise ValueError("tools: every tool needs function.name")
        spec = {"name": fn["name"], "inputSchema": {"json": fn.get("parameters") or {"type": "object"}}}
        if fn.get("description"):
            spec["description"] = fn["description"]
        tools.append({"toolSpec": spec})
    if tools:
        config_tools: dict = {"tools": tools}
        choice = req.get("tool_choice")
        if choice in ("required", "any"):
            config_tools["toolChoice"] = {"any": {}}
        elif isinstance(choice, dict) and (choice.get("function") or {}).get("name"):
            config_tools["toolChoice"] = {"tool": {"name": choice["function"]["name"]}}
        elif choice == "auto":
            config_tools["toolChoice"] = {"auto": {}}
        out["toolConfig"] = config_tools
    return out


def converse_usage(usage) -> dict | None:
    if not isinstance(usage, dict):
        return None
    prompt = int(usage.get("inputTokens") or 0)
    cached = int(usage.get("cacheReadInputTokens") or 0)
    written = int(usage.get("cacheWriteInputTokens") or 0)
    completion = int(usage.get("outputTokens") or 0)
    total = prompt + cached + written
    out = {"prompt_tokens": total, "completion_tokens": completion, "total_tokens": total + completion}
    if cached or written:
        out["prompt_tokens_details"] = {"cached_tokens": cached, "cache_creation_tokens": written}
    return out


def converse_to_chat(body: dict, model: str, now: int, new_id: str) -> dict:
    message = ((body.get("output") or {}).get("message") or {})
    texts, reasoning, calls = [], [], []
    for block in message.get("content") or []:
        if not isinstance(block, dict):
            continue
        if "text" in block:
            texts.append(str(block["text"]))
        elif isinstance(block.get("reasoningContent"), dict):
            reasoning.append(((block["reasoningContent"].get("reasoningText") or {}).get("text")) or "")
        elif isinstance(block.get("toolUse"), dict):
            use = block["toolUse"]
            calls.append({"id": use.get("toolUseId", ""), "type": "function",
                          "function": {"name": use.get("name", ""),
                                       "arguments": orjson.dumps(use.get("input") or {}).decode()}})
    text = "".join(texts)
    msg: dict = {"role": "assistant", "content": text if (text or not calls) else None}
    if reasoning:
        msg["reasoning_content"] = "".join(reasoning)
    if calls:
        msg["tool_calls"] = calls
    reason = STOP_REASONS.get(body.get("stopReason"), body.get("stopReason") or "stop")
    return {"id": new_id, "object": "chat.completion", "created": now, "model": model,
            "choices": [{"index": 0, "message": msg, "finish_reason": reason}],
            "usage": converse_usage(body.get("usage"))}


class ConverseStreamDecoder:
    """ConverseStream events (``messageStart``, ``contentBlockStart``, ``contentBlockDelta``,
    ``messageStop``, ``metadata``, ``error``) → hub chunks."""

    def __init__(self, model: str, now: int, chunk_id: str):
        self.model, self.now, self.id = model, now, chunk_id
        self._usage: dict | None = None
        self._tools: dict[int, int] = {}
        self.pieces: list[str] = []

    def _chunk(self, delta: dict, finish=None) -> dict:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.now, "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    def feed(self, kind: str | None, data: dict) -> list[dict]:
        if kind == "messageStart":
            return [self._chunk({"role": data.get("role") or "assistant", "content": ""})]
        if kind == "contentBlockStart":
            use = (data.get("start") or {}).get("toolUse")
            if isinstance(use, dict):
                idx = self._tools[int(data.get("contentBlockIndex") or 0)] = len(self._tools)
                return [self._chunk({"tool_calls": [{"index": idx, "id": use.get("toolUseId", ""), "type": "function",
                                                     "function": {"name": use.get("name", ""), "arguments": ""}}]})]
            return []
        if kind == "contentBlockDelta":
            delta = data.get("delta") or {}
            if isinstance(delta.get("text"), str):
                self.pieces.append(delta["text"])
                return [self._chunk({"content": delta["text"]})]
            reasoning = delta.get("reasoningContent")
            if isinstance(reasoning, dict) and isinstance(reasoning.get("text"), str):
                self.pieces.append(reasoning["text"])
                return [self._chunk({"reasoning_content": reasoning["text"]})]
            use = delta.get("toolUse")
            if isinstance(use, dict) and use.get("input"):
                idx = self._tools.get(int(data.get("contentBlockIndex") or 0))
                if idx is None:
                    return []
                self.pieces.append(use["input"])
                return [self._chunk({"tool_calls": [{"index": idx, "function": {"arguments": use["input"]}}]})]
            return []
        if kind == "messageStop":
            reason = data.get("stopReason")
            return [self._chunk({}, STOP_REASONS.get(reason, reason or "stop"))]
        if kind == "metadata":
            self._usage = converse_usage(data.get("usage"))
            if self._usage is None:
                return []
            return [{"id": self.id, "object": "chat.completion.chunk", "created": self.now, "model": self.model,
                     "choices": [], "usage": self._usage}]
        if kind == "error":
            err = data.get("error") or {}
            etype = err.get("type") or "aws_error"
            return [{"error": {"message": err.get("message") or etype, "type": etype, "code": etype}}]
        return []

    def usage(self) -> dict | None:
        return self._usage

    def text(self) -> str:
        return "".join(self.pieces)


def b64_payload(payload: bytes) -> bytes:
    """InvokeModelWithResponseStream ``chunk`` payload ``{"bytes": "<base64>"}`` → inner bytes."""
    data = orjson.loads(payload)
    return base64.b64decode(data.get("bytes") or "")
