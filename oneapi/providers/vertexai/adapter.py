"""Google Vertex AI (channel type 42).

URLs (``{host}`` = channel base URL, else ``https://{region}-aiplatform.googleapis.com``, or
``https://aiplatform.googleapis.com`` for the ``global`` location used by Gemini >= 2.5)::

    Gemini  {host}/v1/projects/{p}/locations/{loc}/publishers/google/models/{m}:generateContent
            ...:streamGenerateContent?alt=sse       embeddings ...:predict
    Claude  {host}/v1/projects/{p}/locations/{loc}/publishers/anthropic/models/{m}:rawPredict
            ...:streamRawPredict                    (body anthropic_version vertex-2023-10-16)
    MaaS    {host}/v1/projects/{p}/locations/{loc}/endpoints/openapi/chat/completions
            (OpenAI chat format: ``deepseek-ai/*``, ``qwen/*``, ``openai/*`` (gpt-oss), ``meta/*``)

Project: config ``vertex_ai_project_id`` (else the service account's ``project_id``).
Location: config ``region`` (default ``us-central1``). Auth: ``Authorization: Bearer`` with an
OAuth token from the service account (``auth``). Claude names ``claude-x-YYYYMMDD`` become
``claude-x@YYYYMMDD`` (Vertex's version syntax).
"""
from __future__ import annotations

import re

from ...channel_types import ChannelType
from ...relay.context import RelayContext
from ...relay.modes import RelayMode
from .. import register
from ..anthropic.adapter import AnthropicSSEDecoder, anthropic_request_body
from ..anthropic.convert import anthropic_error_to_openai, anthropic_to_chat_response
from ..base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo, parse_openai_error
from ..gemini.adapter import GeminiSSEDecoder, gemini_chat_request, gemini_error_body
from ..gemini.convert import gemini_error_to_openai, gemini_to_chat_response, gemini_usage_to_chat
from . import auth

VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16"
DEFAULT_REGION = "us-central1"
_GEMINI_VERSION = re.compile(r"gemini-(\d+(?:\.\d+)?)")
_DATE_SUFFIX = re.compile(r"^(claude-.+)-(\d{8})$")


_MAAS_PREFIXES = ("deepseek-ai/", "qwen/", "openai/", "meta/", "mistral-ai/")


def is_claude(model: str) -> bool:
    return "claude" in model.lower()


def is_maas(model: str) -> bool:
    """Partner models served by Vertex's OpenAI-compatible endpoint."""
    lower = model.lower()
    return lower.startswith(_MAAS_PREFIXES) or "gpt-oss" in lower


def vertex_model(model: str) -> str:
    if model.startswith("models/"):
        model = model[len("models/"):]
    if is_claude(model) and "@" not in model:
        match = _DATE_SUFFIX.match(model)
        if match:
            return f"{match.group(1)}@{match.group(2)}"
    return model


def location(ctx: RelayContext) -> str:
    model = ctx.actual_model.lower()
    match = _GEMINI_VERSION.search(model)
    if match and not is_claude(model) and float(match.group(1)) >= 2.5:
        return "global"
    region = ctx.config.get("region") if isinstance(ctx.config, dict) else None
    return str(region or DEFAULT_REGION).strip()


def project_id(ctx: RelayContext) -> str:
    config = ctx.config if isinstance(ctx.config, dict) else {}
    project = config.get("vertex_ai_project_id")
    if not project:
        try:
            project = auth.service_account(config, ctx.api_key).get("project_id")
        except ValueError:
            project = None
    if not project:
        raise ValueError("Vertex AI channel needs config vertex_ai_project_id")
    return str(project).strip()


def _host(ctx: RelayContext, loc: str) -> str:
    if ctx.base_url:
        return ctx.base_url.rstrip("/")
    if loc == "global":
        return "https://aiplatform.googleapis.com"
    return f"https://{loc}-aiplatform.googleapis.com"


def maas_url(ctx: RelayContext) -> str:
    loc = location(ctx)
    return f"{_host(ctx, loc)}/v1/projects/{project_id(ctx)}/locations/{loc}/endpoints/openapi/chat/completions"


def model_url(ctx: RelayContext, action: str) -> str:
    loc = location(ctx)
    host = _host(ctx, loc)
    publisher = "anthropic" if is_claude(ctx.actual_model) else "google"
    return (f"{host}/v1/projects/{project_id(ctx)}/locations/{loc}/publishers/{publisher}/models/"
            f"{vertex_model(ctx.actual_model)}:{action}")


def _embedding_texts(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError("input: Vertex AI embeddings accept a string or a list of strings")


@register
class VertexAIAdapter(Adapter):
    channel_types = (ChannelType.VERTEXAI,)
    native_format = "vertexai"
    modes = frozenset({RelayMode.CHAT, RelayMode.CLAUDE_MESSAGES, RelayMode.RESPONSE_API, RelayMode.EMBEDDINGS})
    slug = "vertexai"

    def request_url(self, ctx: RelayContext) -> str:
        if ctx.mode == RelayMode.EMBEDDINGS:
            return model_url(ctx, "predict")
        if is_maas(ctx.actual_model):
            return maas_url(ctx)
        if is_claude(ctx.actual_model):
            return model_url(ctx, "streamRawPredict" if ctx.is_stream else "rawPredict")
        if ctx.is_stream:
            return model_url(ctx, "streamGenerateContent") + "?alt=sse"
        return model_url(ctx, "generateContent")

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {}

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        project_id(ctx)  # configuration errors surface before any network call
        auth.service_account(ctx.config, ctx.api_key)
        if ctx.mode == RelayMode.EMBEDDINGS:
            if is_claude(ctx.actual_model) or is_maas(ctx.actual_model):
                raise ValueError(f"{ctx.actual_model} on Vertex AI does not serve embeddings")
            out: dict = {"instances": [{"content": t} for t in _embedding_texts(body.get("input"))]}
            if body.get("dimensions"):
                out["parameters"] = {"outputDimensionality": int(body["dimensions"])}
            return PreparedRequest(json=out)
        if is_maas(ctx.actual_model):
            out = {k: v for k, v in body.items() if k != "extra_body"}
            out["model"] = ctx.actual_model
            if ctx.is_stream:
                out["stream"] = True
                out["stream_options"] = {**(out.get("stream_options") or {}), "include_usage": True}
            return PreparedRequest(json=out)
        if is_claude(ctx.actual_model):
            return PreparedRequest(json=self._claude_body(ctx, body))
        return PreparedRequest(json=gemini_chat_request(ctx, body, default_max_tokens=False))

    def _claude_body(self, ctx: RelayContext, body: dict) -> dict:
        out = anthropic_request_body(ctx, body)
        out.pop("model", None)
        out["anthropic_version"] = VERTEX_ANTHROPIC_VERSION
        if ctx.is_stream:
            out["stream"] = True
        else:
            out.pop("stream", None)
        return out

    def sign(self, ctx: RelayContext, prepared: PreparedRequest) -> PreparedRequest:
        token = auth.access_token(ctx.config, ctx.api_key, ctx.relay_timeout)
        prepared.headers = {k: v for k, v in prepared.headers.items() if k.lower() != "authorization"}
        prepared.headers["Authorization"] = f"Bearer {token}"
        return prepared

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        if ctx.mode == RelayMode.EMBEDDINGS:
            data, tokens = [], 0
            for i, item in enumerate(body.get("predictions") or []):
                emb = (item or {}).get("embeddings") or {}
                data.append({"object": "embedding", "index": i, "embedding": emb.get("values") or []})
                tokens += int((emb.get("statistics") or {}).get("token_count") or 0)
            tokens = tokens or ctx.prompt_tokens
            return {"object": "list", "data": data, "model": ctx.origin_model,
                    "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
        if is_maas(ctx.actual_model):
            hub = dict(body)
            hub["model"] = ctx.origin_model
            return hub
        if is_claude(ctx.actual_model):
            hub = anthropic_to_chat_response(body, ctx.now())
            hub["model"] = ctx.origin_model
            if not hub.get("id"):
                hub["id"] = ctx.new_id()
            return hub
        return gemini_to_chat_response(body, ctx.origin_model, ctx.now(), lambda: ctx.new_id(""))

    def extract_usage(self, ctx: RelayContext, body: dict) -> dict | None:
        if not isinstance(body, dict):
            return None
        if is_claude(ctx.actual_model) or is_maas(ctx.actual_model):
            return super().extract_usage(ctx, body)
        return gemini_usage_to_chat(body.get("usageMetadata"))

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        if is_maas(ctx.actual_model):
            from ..openai_compat import OpenAIStreamDecoder

            return OpenAIStreamDecoder()
        if is_claude(ctx.actual_model):
            return AnthropicSSEDecoder(ctx.now())
        return GeminiSSEDecoder(ctx.origin_model, ctx.now(), lambda: ctx.new_id(""))

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        if status == 401:
            auth.forget(ctx.config, ctx.api_key)
        data = gemini_error_body(body)
        if is_maas(ctx.actual_model) and isinstance(data, dict) and isinstance(data.get("error"), dict) \
                and "status" not in data["error"]:
            return parse_openai_error(status, body)
        if isinstance(data, dict) and data.get("type") == "error":
            err = anthropic_error_to_openai(status, data)
        else:
            err = gemini_error_to_openai(status, data if data is not None else "")
        return UpstreamErrorInfo(status, err["message"], type=str(err["type"] or "upstream_error"),
                                 code=err["code"], param=None)
