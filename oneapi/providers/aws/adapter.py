"""AWS Bedrock (channel type 33).

Credentials: the channel key ``AK|SK|Region`` (optionally ``|SessionToken``) or config
``ak`` / ``sk`` / ``region``. Requests go to ``https://bedrock-runtime.{region}.amazonaws.com``
(the channel base URL overrides the endpoint, e.g. a VPC endpoint or a loopback test server)
and are SigV4-signed (service ``bedrock``).

* Claude models: ``/model/{id}/invoke`` / ``invoke-with-response-stream``, Anthropic Messages
  body without ``model``/``stream`` plus ``anthropic_version: bedrock-2023-05-31``; the stream
  is AWS eventstream whose ``chunk`` frames carry base64 Anthropic SSE events.
* Other models: ``/model/{id}/converse`` / ``converse-stream`` (Converse API).

Model ids: one-api names map to Bedrock ids (``claude-3-5-haiku-20241022`` →
``anthropic.claude-3-5-haiku-20241022-v1:0``), then to the cross-region inference profile of
the channel's region (``us.`` / ``eu.`` / ``apac.``) for models that have one; config
``inference_profile_arn_map`` (``{model: arn}``) wins over both.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

import orjson

from ...channel_types import ChannelType
from ...relay.context import RelayContext
from ...relay.modes import RelayMode
from .. import register
from ..anthropic.adapter import EXTRA_BETA, AnthropicSSEDecoder, anthropic_request_body
from ..anthropic.convert import anthropic_to_chat_response, anthropic_usage_to_chat
from ..base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo
from . import sigv4
from .converse import ConverseStreamDecoder, b64_payload, chat_to_converse, converse_to_chat, converse_usage
from .eventstream import EventStreamParser, Frame

BEDROCK_ANTHROPIC_VERSION = "bedrock-2023-05-31"
SERVICE = "bedrock"
EVENTSTREAM = "application/vnd.amazon.eventstream"

MODEL_IDS = {
    "claude-instant-1.2": "anthropic.claude-instant-v1",
    "claude-2.0": "anthropic.claude-v2",
    "claude-2.1": "anthropic.claude-v2:1",
    "claude-3-haiku-20240307": "anthropic.claude-3-haiku-20240307-v1:0",
    "claude-3-sonnet-20240229": "anthropic.claude-3-sonnet-20240229-v1:0",
    "claude-3-opus-20240229": "anthropic.claude-3-opus-20240229-v1:0",
    "claude-3-5-sonnet-20240620": "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "claude-3-5-sonnet-20241022": "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "claude-3-5-sonnet-latest": "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "claude-3-5-haiku-20241022": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "claude-3-5-haiku-latest": "anthropic.claude-3-5-haiku-20241022-v1:0",
    "claude-3-7-sonnet-20250219": "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "claude-3-7-sonnet-latest": "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "claude-sonnet-4-20250514": "anthropic.claude-sonnet-4-20250514-v1:0",
    "claude-sonnet-4-0": "anthropic.claude-sonnet-4-20250514-v1:0",
    "claude-opus-4-20250514": "anthropic.claude-opus-4-20250514-v1:0",
    "claude-opus-4-0": "anthropic.claude-opus-4-20250514-v1:0",
    "claude-opus-4-1-20250805": "anthropic.claude-opus-4-1-20250805-v1:0",
    "claude-opus-4-1": "anthropic.claude-opus-4-1-20250805-v1:0",
    "claude-sonnet-4-5-20250929": "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "claude-sonnet-4-5": "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "claude-haiku-4-5-20251001": "anthropic.claude-haiku-4-5-20251001-v1:0",
    "claude-haiku-4-5": "anthropic.claude-haiku-4-5-20251001-v1:0",
    "claude-opus-4-5-20251101": "anthropic.claude-opus-4-5-20251101-v1:0",
    "claude-opus-4-5": "anthropic.claude-opus-4-5-20251101-v1:0",
    "llama3-8b-8192": "meta.llama3-8b-instruct-v1:0",
    "llama3-70b-8192": "meta.llama3-70b-instruct-v1:0",
    "mistral-large-2402": "mistral.mistral-large-2402-v1:0",
    "mistral-7b-instruct": "mistral.mistral-7b-instruct-v0:2",
    "command-r": "cohere.command-r-v1:0",
    "command-r-plus": "cohere.command-r-plus-v1:0",
    "deepseek-r1": "deepseek.r1-v1:0",
    "gpt-oss-20b": "openai.gpt-oss-20b-1:0",
    "gpt-oss-120b": "openai.gpt-oss-120b-1:0",
    "nova-micro": "amazon.nova-micro-v1:0",
    "nova-lite": "amazon.nova-lite-v1:0",
    "nova-pro": "amazon.nova-pro-v1:0",
}
# Bedrock ids that have cross-region inference profiles (us./eu./apac.).
CROSS_REGION = frozenset({
    "anthropic.claude-3-haiku-20240307-v1:0", "anthropic.claude-3-sonnet-20240229-v1:0",
    "anthropic.claude-3-opus-20240229-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic.claude-3-5-haiku-20241022-v1:0",
    "anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic.claude-sonnet-4-20250514-v1:0",
    "anthropic.claude-opus-4-20250514-v1:0", "anthropic.claude-opus-4-1-20250805-v1:0",
    "anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-opus-4-5-20251101-v1:0", "meta.llama3-2-1b-instruct-v1:0",
    "meta.llama3-2-3b-instruct-v1:0", "meta.llama3-2-11b-instruct-v1:0", "meta.llama3-2-90b-instruct-v1:0",
    "meta.llama3-3-70b-instruct-v1:0", "amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0",
    "amazon.nova-pro-v1:0", "deepseek.r1-v1:0",
})
_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "arn:")
_ERROR_CODES = {400: "ValidationException", 401: "UnrecognizedClientException", 403: "AccessDeniedException",
                404: "ResourceNotFoundException", 408: "ModelTimeoutException", 424: "ModelErrorException",
                429: "ThrottlingException", 500: "InternalServerException", 503: "ServiceUnavailableException"}


class Credentials:
    __slots__ = ("access_key", "secret_key", "region", "session_token")

    def __init__(self, access_key: str, secret_key: str, region: str, session_token: str = ""):
        self.access_key, self.secret_key, self.region, self.session_token = access_key, secret_key, region, session_token


def credentials(ctx: RelayContext) -> Credentials:
    config = ctx.config if isinstance(ctx.config, dict) else {}
    key = (ctx.api_key or "").strip()
    parts = [p.strip() for p in key.split("|")] if "|" in key else []
    ak = parts[0] if len(parts) >= 2 else str(config.get("ak") or "").strip()
    sk = parts[1] if len(parts) >= 2 else str(config.get("sk") or "").strip()
    region = (parts[2] if len(parts) >= 3 and parts[2] else str(config.get("region") or "")).strip()
    token = parts[3] if len(parts) >= 4 else str(config.get("session_token") or "").strip()
    if not ak or not sk:
        raise ValueError("AWS channel key must be AK|SK|Region (or config ak/sk/region)")
    if not region:
        raise ValueError("AWS channel needs a region (key AK|SK|Region or config region)")
    return Credentials(ak, sk, region, token)


def _arn_map(config) -> dict:
    value = config.get("inference_profile_arn_map") if isinstance(config, dict) else None
    if isinstance(value, str) and value.strip():
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ValueError("channel config inference_profile_arn_map must be a JSON object") from None
    return value if isinstance(value, dict) else {}


def region_prefix(region: str) -> str:
    region = region.lower()
    if region.startswith("us-gov"):
        return "us-gov"
    if region.startswith(("us-", "ca-")):
        return "us"
    if region.startswith("eu-"):
        return "eu"
    if region.startswith("ap-"):
        return "apac"
    return ""


def bedrock_model_id(model: str, region: str, config) -> str:
    arn = _arn_map(config).get(model)
    if isinstance(arn, str) and arn:
        return arn
    model_id = MODEL_IDS.get(model, model)
    if model_id.startswith(_PROFILE_PREFIXES):
        return model_id
    prefix = region_prefix(region)
    if prefix and model_id in CROSS_REGION:
        return f"{prefix}.{model_id}"
    return model_id


def is_claude(model_id: str, model: str = "") -> bool:
    """Claude speaks InvokeModel (Anthropic body); an ARN is judged by the requested name."""
    return "anthropic." in model_id or "claude" in model_id.lower() or "claude" in model.lower()


def _claude_frame(frame: Frame) -> tuple[str, bytes] | None:
    if frame.message_type != "event":
        return _exception(frame)
    if frame.event_type != "chunk":
        return None
    try:
        inner = b64_payload(frame.payload)
        data = orjson.loads(inner)
    except (orjson.JSONDecodeError, ValueError):
        return "error", orjson.dumps({"type": "error", "error": {"type": "eventstream_error",
                                                                  "message": "undecodable Bedrock chunk"}})
    return (data.get("type") if isinstance(data, dict) else None) or "", inner


def _converse_frame(frame: Frame) -> tuple[str, bytes] | None:
    if frame.message_type != "event":
        return _exception(frame)
    return frame.event_type, frame.payload or b"{}"


def _exception(frame: Frame) -> tuple[str, bytes]:
    try:
        data = orjson.loads(frame.payload) if frame.payload else {}
    except orjson.JSONDecodeError:
        data = {"message": frame.payload[:500].decode("utf-8", "replace")}
    message = (data.get("message") or data.get("Message")) if isinstance(data, dict) else None
    kind = frame.event_type or "aws_error"
    return "error", orjson.dumps({"type": "error", "error": {"type": kind, "message": message or kind}})


class _ConverseSSE(StreamDecoder):
    def __init__(self, inner: ConverseStreamDecoder):
        self.inner = inner

    def feed(self, event) -> list[dict]:
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            return []
        return self.inner.feed(event.event, data) if isinstance(data, dict) else []

    def usage(self):
        return self.inner.usage()

    def text(self) -> str:
        return self.inner.text()


@register
class AwsBedrockAdapter(Adapter):
    channel_types = (ChannelType.AWS_CLAUDE,)
    native_format = "aws_bedrock"
    modes = frozenset({RelayMode.CHAT, RelayMode.CLAUDE_MESSAGES, RelayMode.RESPONSE_API})
    slug = "aws"

    def _model_id(self, ctx: RelayContext) -> str:
        return bedrock_model_id(ctx.actual_model, credentials(ctx).region, ctx.config)

    def request_url(self, ctx: RelayContext) -> str:
        creds = credentials(ctx)
        base = (ctx.base_url or f"https://bedrock-runtime.{creds.region}.amazonaws.com").rstrip("/")
        model_id = bedrock_model_id(ctx.actual_model, creds.region, ctx.config)
        if is_claude(model_id, ctx.actual_model):
            action = "invoke-with-response-stream" if ctx.is_stream else "invoke"
        else:
            action = "converse-stream" if ctx.is_stream else "converse"
        return f"{base}/model/{quote(model_id, safe='')}/{action}"

    def request_headers(self, ctx: RelayContext) -> dict[str, str]:
        return {"Accept": "application/json"}

    def convert_request(self, ctx: RelayContext, body: dict) -> PreparedRequest:
        model_id = self._model_id(ctx)
        if not is_claude(model_id, ctx.actual_model):
            hub = {**body}
            try:
                return PreparedRequest(json=chat_to_converse(hub, ctx.default_max_tokens))
            except (TypeError, AttributeError, KeyError) as err:
                raise ValueError(f"cannot convert the request to the Bedrock Converse format: {err}") from None
        out = anthropic_request_body(ctx, body)
        out.pop("model", None)
        out.pop("stream", None)
        out["anthropic_version"] = BEDROCK_ANTHROPIC_VERSION
        betas = [b.strip().lower() for b in str(ctx.extra.get(EXTRA_BETA) or "").split(",") if b.strip()]
        if betas:
            out["anthropic_beta"] = list(dict.fromkeys(betas))
        return PreparedRequest(json=out)

    def sign(self, ctx: RelayContext, prepared: PreparedRequest) -> PreparedRequest:
        creds = credentials(ctx)
        url = prepared.url or self.request_url(ctx)
        prepared.url = url
        # the signature covers every x-amz-* header: forwarded client ones would break it
        headers = {k: v for k, v in prepared.headers.items()
                   if k.lower() != "authorization" and not k.lower().startswith("x-amz")}
        headers["Content-Type"] = "application/json"
        headers["Accept"] = "application/json"
        if ctx.is_stream:
            headers["X-Amzn-Bedrock-Accept"] = "application/json"
        amz_date = datetime.fromtimestamp(ctx.now(), tz=timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        to_sign = {"Content-Type": headers["Content-Type"]}
        headers.update(sigv4.sign(prepared.method, url, to_sign, prepared.body or b"", access_key=creds.access_key,
                                  secret_key=creds.secret_key, region=creds.region, service=SERVICE,
                                  amz_date=amz_date, session_token=creds.session_token))
        prepared.headers = headers
        prepared.stream_format = "aws_eventstream"
        return prepared

    def stream_parser(self, ctx: RelayContext, stream_format: str):
        """Pipeline hook: the splitter for upstream stream bytes (binary eventstream here)."""
        return EventStreamParser(_claude_frame if is_claude(self._model_id(ctx), ctx.actual_model) else _converse_frame)

    def is_stream_response(self, content_type: str) -> bool:
        return EVENTSTREAM in content_type or super().is_stream_response(content_type)

    def convert_response(self, ctx: RelayContext, body: dict) -> dict:
        if not is_claude(self._model_id(ctx), ctx.actual_model):
            return converse_to_chat(body, ctx.origin_model, ctx.now(), ctx.new_id())
        hub = anthropic_to_chat_response(body, ctx.now())
        hub["model"] = ctx.origin_model
        if not hub.get("id"):
            hub["id"] = ctx.new_id()
        return hub

    def extract_usage(self, ctx: RelayContext, body: dict) -> dict | None:
        if not isinstance(body, dict):
            return None
        if isinstance(body.get("usage"), dict) and "inputTokens" in body["usage"]:
            return converse_usage(body["usage"])
        return anthropic_usage_to_chat(body["usage"]) if isinstance(body.get("usage"), dict) else None

    def stream_decoder(self, ctx: RelayContext) -> StreamDecoder:
        if is_claude(self._model_id(ctx), ctx.actual_model):
            return AnthropicSSEDecoder(ctx.now())
        return _ConverseSSE(ConverseStreamDecoder(ctx.origin_model, ctx.now(), ctx.new_id()))

    def convert_error(self, ctx: RelayContext, status: int, body: bytes) -> UpstreamErrorInfo:
        try:
            data = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            data = None
        message = None
        code = _ERROR_CODES.get(status, "bad_response_status_code")
        if isinstance(data, dict):
            message = data.get("message") or data.get("Message")
            kind = data.get("__type") or data.get("type")
            if isinstance(kind, str) and kind:
                code = kind.split("#")[-1].split(":")[0]
            err = data.get("error")
            if not message and isinstance(err, dict):
                message = err.get("message")
        if not message:
            text = body[:500].decode("utf-8", "replace") if body else ""
            message = f"bad response status code {status}" + (f": {text}" if text else "")
        return UpstreamErrorInfo(status, f"AWS Bedrock {code}: {message}", type="aws_error", code=code)
