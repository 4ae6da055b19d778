"""Hub (OpenAI chat dicts) <-> native Gemini ``generateContent``, non-stream parts.

Public API:
    chat_to_gemini_request(req, safety_threshold, fetch_image=None) -> Gemini request body
    gemini_to_chat_response(body, model, now, new_id) -> hub chat completion
    gemini_usage_to_chat(usage_metadata) -> hub usage
    clean_schema(schema) -> Gemini-compatible OpenAPI schema subset

Remote image URLs: when ``fetch_image(url) -> (mime, base64)`` is given (the
pipeline downloads, like one-api does) the image is inlined as ``inlineData``;
without it the URL is passed as ``fileData`` (Gemini fetches it itself).
Gemini 3 thought signatures on function calls travel in the hub tool call as
``extra_content.google.thought_signature`` (Google's OpenAI-compatible shape).
"""
from __future__ import annotations

import json

SAFETY_CATEGORIES = ("HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH",
                     "HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_DANGEROUS_CONTENT",
                     "HARM_CATEGORY_CIVIC_INTEGRITY")
SCHEMA_KEYS = {"anyOf", "enum", "format", "items", "maximum", "maxItems", "minimum", "minItems", "nullable",
               "properties", "propertyOrdering", "required", "type", "description"}
THINKING_BUDGETS = {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576, "xhigh": 32768,
                    "max": 32768}
FINISH_REASONS = {"STOP": "stop", "MAX_TOKENS": "length", "SAFETY": "content_filter",
                  "RECITATION": "content_filter", "BLOCKLIST": "content_filter",
                  "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter",
                  "IMAGE_SAFETY": "content_filter", "MALFORMED_FUNCTION_CALL": "stop"}
MIME_BY_EXT = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
               "gif": "image/gif", "heic": "image/heic", "pdf": "application/pdf"}


def clean_schema(schema):
    """Keep the OpenAPI subset Gemini accepts; upper-case types; drop unknown formats."""
    if isinstance(schema, list):
        return [clean_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key not in SCHEMA_KEYS:
            continue
        if key == "type":
            if isinstance(value, list):  # ["string", "null"] -> STRING + nullable
                kinds = [v for v in value if v != "null"]
                if len(kinds) < len(value):
                    out["nullable"] = True
                value = kinds[0] if kinds else "null"
            out["type"] = str(value).upper()
        elif key == "format":
            if value in ("date", "time", "duration", "date-time"):
                out["format"] = "date-time"
            elif value == "enum":
                out["format"] = value
        elif key == "properties":
            out["properties"] = {k: clean_schema(v) for k, v in (value or {}).items()}
        elif key in ("items", "anyOf"):
            out[key] = clean_schema(value)
        else:
            out[key] = value
    return out


def _text_of(content) -> str:
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text")


def _image_part(url: str, fetch_image) -> dict:
    if url.startswith("data:") and ";base64," in url:
        mime, data = url[5:].split(";base64,", 1)
        return {"inlineData": {"mimeType": mime or "image/png", "data": data}}
    if fetch_image is not None:
        mime, data = fetch_image(url)
        return {"inlineData": {"mimeType": mime, "data": data}}
    ext = url.split("?", 1)[0].rsplit(".", 1)[-1].lower()
    return {"fileData": {"mimeType": MIME_BY_EXT.get(ext, "image/jpeg"), "fileUri": url}}


def _parts(content, fetch_image) -> list[dict]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts = []
    for part in content or []:
        kind = part.get("type")
        if kind == "text" and part.get("text"):
            parts.append({"text": part["text"]})
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            if url:
                parts.append(_image_part(url, fetch_image))
        elif kind == "file":
            data = (part.get("file") or {}).get("file_data") or ""
            if data.startswith("data:") and ";base64," in data:
                mime, b64 = data[5:].split(";base64,", 1)
                parts.append({"inlineData": {"mimeType": mime, "data": b64}})
        elif kind == "input_audio":
            audio = part.get("input_audio") or {}
            parts.append({"inlineData": {"mimeType": f"audio/{audio.get('format', 'wav')}",
                                         "data": audio.get("data", "")}})
    return parts


def _args(arguments):
    if isinstance(arguments, dict):
        return arguments
    try:
        value = json.loads(arguments or "{}")
    except (TypeError, ValueError):
        return {"arguments": arguments}
    return value if isinstance(value, dict) else {"value": value}


def _response_payload(text: str) -> dict:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"content": text}
    return value if isinstance(value, dict) else {"content": value}


# Gemini 3 rejects a model turn whose first functionCall has no thought signature (history
# from another model or a client that dropped it); Google documents this value to skip the check.
DUMMY_THOUGHT_SIGNATURE = "skip_thought_signature_validator"


def _convert_messages(messages: list[dict], fetch_image, needs_signature: bool = False
                      ) -> tuple[list[str], list[dict]]:
    system: list[str] = []
    contents: list[dict] = []
    call_names: dict[str, str] = {}

    def push(role: str, parts: list[dict]):
        if not parts:
            return
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})

    for msg in messages:
        role = msg.get("role")
        if role in ("system", "developer"):
            text = _text_of(msg.get("content"))
            if text:
                system.append(text)
        elif role in ("tool", "function"):
            name = call_names.get(msg.get("tool_call_id") or "", msg.get("name") or "function")
            push("user", [{"functionResponse": {"name": name,
                                                "response": _response_payload(_text_of(msg.get("content")))}}])
        elif role == "assistant":
            parts = _parts(msg.get("content"), fetch_image)
            for call in msg.get("tool_calls") or []:
                fn = call.get("function") or {}
                call_names[call.get("id") or ""] = fn.get("name", "")
                part = {"functionCall": {"name": fn.get("name", ""), "args": _args(fn.get("arguments"))}}
                signature = ((call.get("extra_content") or {}).get("google") or {}).get("thought_signature")
                if not signature and needs_signature and not any("functionCall" in p for p in parts):
                    signature = DUMMY_THOUGHT_SIGNATURE
                if signature:
                    part["thoughtSignature"] = signature
                parts.append(part)
            push("model", parts or [{"text": " "}])
        else:
            push("user", _parts(msg.get("content"), fetch_image) or [{"text": " "}])
    return system, contents


def _tool_config(choice) -> dict | None:
    if choice == "none":
        return {"functionCallingConfig": {"mode": "NONE"}}
    if choice == "required":
        return {"functionCallingConfig": {"mode": "ANY"}}
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        if name:
            return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    return None


def _thinking_config(req: dict) -> dict | None:
    thinking = req.get("thinking")
    if isinstance(thinking, dict):
        if thinking.get("type") == "disabled":
            return {"thinkingBudget": 0}
        if thinking.get("type") in ("enabled", "adaptive"):
            budget = thinking.get("budget_tokens")
            config = {"includeThoughts": True}
            if isinstance(budget, int):
                config["thinkingBudget"] = budget
            return config
    effort = req.get("reasoning_effort")
    if effort in THINKING_BUDGETS:
        budget = THINKING_BUDGETS[effort]
        return {"thinkingBudget": 0} if budget == 0 else {"thinkingBudget": budget, "includeThoughts": True}
    return None


def chat_to_gemini_request(req: dict, safety_threshold: str = "BLOCK_NONE", fetch_image=None) -> dict:
    """Convert a hub chat request to a Gemini ``generateContent`` body."""
    model = (req.get("model") or "").lower()
    system, contents = _convert_messages(req.get("messages") or [], fetch_image, model.startswith("gemini-3"))
    out: dict = {"contents": contents,
                 "safetySettings": [{"category": c, "threshold": safety_threshold} for c in SAFETY_CATEGORIES]}
    if system:
        out["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    config: dict = {}
    image_model = "-image" in model
    if req.get("temperature") is not None and not image_model:
        config["temperature"] = req["temperature"]
    top_p = req.get("top_p")
    if top_p is not None and 0 <= top_p <= 1 and not image_model:
        config["topP"] = top_p
    for src, dst in (("top_k", "topK"), ("n", "candidateCount"), ("seed", "seed"),
                     ("presence_penalty", "presencePenalty"), ("frequency_penalty", "frequencyPenalty")):
        if req.get(src) is not None:
            config[dst] = req[src]
    max_tokens = req.get("max_completion_tokens") or req.get("max_tokens")
    if max_tokens:
        config["maxOutputTokens"] = max_tokens
    stop = req.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    if image_model:
        config["responseModalities"] = ["TEXT", "IMAGE"]
    fmt = req.get("response_format") or {}
    if fmt.get("type") == "json_object":
        config["responseMimeType"] = "application/json"
    elif fmt.get("type") == "json_schema":
        config["responseMimeType"] = "application/json"
        schema = (fmt.get("json_schema") or {}).get("schema")
        if schema:
            config["responseSchema"] = clean_schema(schema)
    thinking = _thinking_config(req)
    if thinking is not None:
        config["thinkingConfig"] = thinking
    if config:
        out["generationConfig"] = config
    declarations = []
    for tool in req.get("tools") or []:
        fn = tool.get("function") if tool.get("type") == "function" else None
        if not isinstance(fn, dict):
            continue
        decl = {"name": fn.get("name", "")}
        if fn.get("description"):
            decl["description"] = fn["description"]
        params = clean_schema(fn.get("parameters") or {})
        if params.get("properties"):
            decl["parameters"] = params
        declarations.append(decl)
    tools = [{"functionDeclarations": declarations}] if declarations else []
    if req.get("web_search_options") is not None:
        tools.append({"googleSearch": {}})
    if tools:
        out["tools"] = tools
    tool_config = _tool_config(req.get("tool_choice")) if declarations else None
    if tool_config:
        out["toolConfig"] = tool_config
    return out


def gemini_usage_to_chat(meta: dict | None) -> dict | None:
    if not meta:
        return None
    prompt = int(meta.get("promptTokenCount") or 0) + int(meta.get("toolUsePromptTokenCount") or 0)
    thoughts = int(meta.get("thoughtsTokenCount") or 0)
    completion = int(meta.get("candidatesTokenCount") or 0) + thoughts
    return {"prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": int(meta.get("totalTokenCount") or prompt + completion),
            "prompt_tokens_details": {"cached_tokens": int(meta.get("cachedContentTokenCount") or 0)},
            "completion_tokens_details": {"reasoning_tokens": thoughts}}


def finish_reason(raw, has_tools: bool):
    if raw is None:
        return None
    if has_tools and raw == "STOP":
        return "tool_calls"
    return FINISH_REASONS.get(raw, "stop")


def candidate_pieces(candidate: dict, new_id) -> tuple[list[str], list[str], list[str], list[dict]]:
    """(texts, reasoning, image data URLs, tool calls) of one candidate."""
    texts, reasoning, images, calls = [], [], [], []
    for part in (candidate.get("content") or {}).get("parts") or []:
        if "functionCall" in part:
            fc = part["functionCall"]
            call = {"id": f"call_{new_id()}", "type": "function",
                    "function": {"name": fc.get("name", ""),
                                 "arguments": json.dumps(fc.get("args") or {}, ensure_ascii=False)}}
            if part.get("thoughtSignature"):
                call["extra_content"] = {"google": {"thought_signature": part["thoughtSignature"]}}
            calls.append(call)
        elif "inlineData" in part or "fileData" in part:
            data = part.get("inlineData") or {}
            if data:
                images.append(f"data:{data.get('mimeType', 'image/png')};base64,{data.get('data', '')}")
            else:
                images.append(part["fileData"].get("fileUri", ""))
        elif "text" in part:
            (reasoning if part.get("thought") else texts).append(part["text"])
    return texts, reasoning, images, calls


def gemini_to_chat_response(body: dict, model: str, now: int, new_id) -> dict:
    """Convert a Gemini ``generateContent`` response to a hub chat completion."""
    choices = []
    for i, candidate in enumerate(body.get("candidates") or []):
        texts, reasoning, images, calls = candidate_pieces(candidate, new_id)
        text = "".join(texts)
        if images:
            content = ([{"type": "text", "text": text}] if text else []) + \
                      [{"type": "image_url", "image_url": {"url": url}} for url in images]
        else:
            content = text if (text or not calls) else None
        message: dict = {"role": "assistant", "content": content}
        if reasoning:
            message["reasoning_content"] = "".join(reasoning)
        if calls:
            message["tool_calls"] = calls
        choices.append({"index": candidate.get("index", i), "message": message,
                        "finish_reason": finish_reason(candidate.get("finishReason") or "STOP", bool(calls))})
    if not choices:
        block = (body.get("promptFeedback") or {}).get("blockReason")
        choices.append({"index": 0, "message": {"role": "assistant", "content": ""},
                        "finish_reason": "content_filter" if block else "stop"})
    resp = {"id": f"chatcmpl-{new_id()}", "object": "chat.completion", "created": now, "model": model,
            "choices": choices}
    usage = gemini_usage_to_chat(body.get("usageMetadata"))
    if usage:
        resp["usage"] = usage
    return resp


def gemini_error_to_openai(status: int, body) -> dict:
    """Gemini error body ``{"error": {code, message, status}}`` -> OpenAI error fields."""
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        return {"message": str(err.get("message") or err.get("status") or status),
                "type": err.get("status") or "upstream_error", "param": None, "code": err.get("code") or status}
    message = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return {"message": (message or f"upstream returned status {status}")[:1000], "type": "upstream_error",
            "param": None, "code": status}
