"""The relay pipeline: authenticate → route → bill → call upstream → retry → stream → settle.

``relay(front, mode)`` is called by the thin views in ``relay/views.py`` (and by the views of
other fronts such as ``/v1/messages``). Adapters only convert (``providers/base.py``); this
module does HTTP, retries, channel health, quota and writing to the client.

Settlement happens exactly once on every terminal path, in its own short transaction after
the last byte: non-stream responses settle in ``call_on_close``; streams settle in the
``finally`` of the generator (normal end, upstream cut, or ``GeneratorExit`` when the client
goes away under gevent). Failures before any byte refund the reservation.
"""
from __future__ import annotations

import logging
from typing import Any

import orjson
import requests
from flask import Response, current_app, request

from ..errors import InvalidRequest, OneAPIError
from ..extensions import db
from ..providers import AdapterNotFound, get_adapter
from ..providers.base import Adapter, PreparedRequest, StreamDecoder, UpstreamErrorInfo
from ..services import billing, health, options, routing
from ..web import request_id
from . import transport
from .auth import authenticate, check_model_allowed
from .context import RelayContext
from .modes import RelayMode
from .sse import KEEPALIVE, SSEParser, is_plain_data_block
from .usage import Usage, usage_from_dict

try:
    from .reasoning import parse_reasoning_format, parse_thinking_param
except ImportError:  # pragma: no cover
    def parse_reasoning_format(value):
        return value or None

    def parse_thinking_param(value):
        return None

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 5.0
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Pragma": "no-cache"}
_SKIP_FORWARD = ("x-api-key", "x-goog-api-key", "x-forwarded-", "x-real-ip", "x-oneapi-")
ERROR_BODY_LIMIT = 1 << 20


def _parse_body(raw: bytes) -> dict:
    if not raw:
        raise InvalidRequest("request body is empty: a JSON object is required", code="invalid_request_body")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise InvalidRequest(f"request body is not valid JSON: {err}", code="invalid_request_body") from None
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be a JSON object", code="invalid_request_body")
    return body


def _forward_headers(environ) -> dict:
    """Client ``X-*`` headers passed upstream (not credentials, proxy or gateway headers),
    read from the WSGI environ directly (``HTTP_X_FOO`` -> ``X-Foo``)."""
    out = {}
    for key, value in environ.items():
        if key.startswith("HTTP_X_"):
            name = key[5:].replace("_", "-").title()
            if not name.lower().startswith(_SKIP_FORWARD):
                out[name] = value
    return out


def _release_session() -> None:
    """Give the request's DB connection back before talking upstream (no session is created
    just to be closed when the request never used one)."""
    if db.session.registry.has():
        db.session.close()


def _client_ip() -> str | None:
    route = request.access_route
    return route[0] if route else request.remote_addr


def build_context(front, mode: RelayMode, auth, model: str, body: dict) -> RelayContext:
    settings = current_app.config["SETTINGS"]
    args = request.args if request.query_string else {}
    return RelayContext(
        request_id=request_id(), mode=mode, front_format=front.format, origin_model=model,
        actual_model=model, is_stream=front.is_stream(body), request_path=request.full_path.rstrip("?"),
        client_headers=_forward_headers(request.environ),
        thinking=parse_thinking_param(args.get("thinking")),
        reasoning_format=parse_reasoning_format(args.get("reasoning_format")),
        reasoning_effort=args.get("reasoning_effort") or None,
        user_id=auth.user.id, username=auth.user.username, token_id=auth.token.id,
        token_name=auth.token.name, group=auth.user.group, user_role=auth.user.role,
        pinned=auth.pinned_channel_id is not None,
        enforce_include_usage=settings.enforce_include_usage, default_max_tokens=settings.default_max_token,
        gemini_version=settings.gemini_version, gemini_safety_setting=settings.gemini_safety_setting,
        openrouter_provider_sort=settings.openrouter_provider_sort, relay_timeout=settings.relay_timeout,
    )


def relay(front, mode: RelayMode) -> Response:
    """Serve one relay request with ``front`` (the client wire format)."""
    raw = request.get_data(cache=False)
    body = _parse_body(raw)
    auth = authenticate(request.headers, _client_ip())
    model = front.model_of(body)
    if not model:
        raise InvalidRequest("field model is required", code="invalid_text_request", param="model")
    check_model_allowed(auth.token, model)
    ctx = build_context(front, mode, auth, model, body)
    hub = front.decode_request(ctx, body)
    ctx.prompt_tokens = front.prompt_tokens(ctx, body)
    return Relay(front, ctx, auth, body, raw, hub).run()


def adapter_serves(channel, mode: RelayMode) -> bool:
    try:
        return get_adapter(channel.type).serves(mode)
    except AdapterNotFound:
        return False


def apply_system_prompt(hub: dict, prompt: str) -> dict:
    messages = list(hub.get("messages") or [])
    if messages and isinstance(messages[0], dict) and messages[0].get("role") == "system":
        messages[0] = {**messages[0], "content": prompt}
    else:
        messages.insert(0, {"role": "system", "content": prompt})
    return {**hub, "messages": messages}



def _client_gone_probe(environ):
    """A cheap check whether the client closed its connection (EOF readable on the socket).

    gunicorn exposes the client socket as ``gunicorn.socket``; elsewhere the probe says no."""
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return lambda: False
    import socket as socket_mod

    from .httpclient import readable_now  # one poll syscall, no event-loop work

    def gone() -> bool:
        try:
            if not readable_now(sock):
                return False
            return sock.recv(1, socket_mod.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    return gone

class Relay:
    """State of one relay request across its attempts."""

    def __init__(self, front, ctx: RelayContext, auth, body: dict, raw: bytes, hub: dict):
        self.app = current_app._get_current_object()
        self.engine = db.engine
        self.settings = self.app.config["SETTINGS"]
        self.front = front
        self.ctx = ctx
        self.auth = auth
        self.body = body
        self.raw = raw
        self.hub = hub
        self.adapter: Adapter | None = None
        self.charge: billing.Charge | None = None
        self.stream_format = "sse"

    # ------------------------------------------------------------------ routing
    def _bind(self, channel) -> None:
        ctx = self.ctx
        ctx.for_channel(channel)
        ctx.system_prompt_reset = bool(channel.system_prompt) and ctx.mode == RelayMode.CHAT
        try:
            self.adapter = get_adapter(channel.type)
        except AdapterNotFound:
            raise OneAPIError(f"channel type {channel.type} is not supported yet", status=500,
                              code="invalid_api_type") from None
        if not self.adapter.serves(ctx.mode):
            raise OneAPIError(f"Channel #{channel.id} does not support the requested endpoint",
                              status=400, code="endpoint_not_supported")
        self.adapter = self.adapter.for_request(ctx)  # e.g. /v1/messages on a chat adapter

    def _select(self, exclude: set[int]):
        ctx = self.ctx
        return routing.select_channel(ctx.group, ctx.origin_model, ctx.mode, exclude,
                                      usable=lambda ch: adapter_serves(ch, ctx.mode))

    def run(self) -> Response:
        ctx = self.ctx
        pinned = self.auth.pinned_channel_id
        exclude: set[int] = set()
        if pinned is not None:
            channel = routing.pinned_channel(pinned, ctx.origin_model, ctx.mode)
        else:
            channel = self._select(exclude)
        self._bind(channel)
        price, group_ratio = billing.resolve(ctx)
        self.charge = billing.pre_consume(ctx, self.auth.token, self.auth.user, price, group_ratio,
                                          self.front.max_tokens(self.body))
        _release_session()  # never hold a connection while talking upstream
        handed_off = False
        try:
            retries = max(options.get_int("RetryTimes", 0), 0)
            info: UpstreamErrorInfo | None = None
            doubled = False
            while True:
                outcome = self._attempt()
                if isinstance(outcome, Response):
                    handed_off = True
                    return outcome
                info, connection_error = outcome
                health.record_failure(self.settings, ctx.group, ctx.origin_model, ctx.channel_id, info,
                                      connection_error)
                _release_session()
                if info.status == 429 and not doubled:  # reference §2.10: 429 doubles the budget
                    retries, doubled = retries * 2, True
                if pinned is not None or not health.is_retryable(info.status) or retries <= 0:
                    break
                retries -= 1
                exclude.add(ctx.channel_id)
                try:
                    channel = self._select(exclude)
                except routing.NoChannelAvailable:
                    break
                self._bind(channel)
                self.charge.price, self.charge.group_ratio = billing.resolve(ctx)
            return self._error_response(info, len(exclude) + 1)
        finally:
            if not handed_off and self.charge is not None and not self.charge.done:
                try:
                    billing.refund(ctx, self.charge)
                except Exception:  # already logged
                    pass

    # ------------------------------------------------------------------ one attempt
    def _prepare(self) -> tuple[PreparedRequest, Any]:
        ctx, adapter = self.ctx, self.adapter
        same_format = self.front.format == adapter.native_format
        if same_format and adapter.passthrough_request(ctx, self.body):
            prepared = PreparedRequest(body=self.raw)
        else:
            hub = self.hub
            if ctx.system_prompt_reset:
                hub = apply_system_prompt(hub, ctx.channel.system_prompt)
            prepared = adapter.convert_request(ctx, hub)
            if prepared.body is None and prepared.json is not None:
                prepared.body = orjson.dumps(prepared.json)
        headers = {}
        if prepared.files is None:
            headers["Content-Type"] = "application/json"
        headers["Accept"] = request.headers.get("Accept") or ("text/event-stream" if ctx.is_stream
                                                               else "application/json")
        headers.update(ctx.client_headers)
        headers.update(adapter.request_headers(ctx))
        headers.update(prepared.headers)
        custom = ctx.config.get("custom_headers") if isinstance(ctx.config, dict) else None
        if isinstance(custom, dict):
            for name, value in custom.items():
                if isinstance(name, str) and isinstance(value, str) and name.strip():
                    headers[name.strip()] = value.replace("{{key}}", ctx.api_key)
        prepared.headers = headers
        prepared = adapter.sign(ctx, prepared)
        url = prepared.url or adapter.request_url(ctx)
        self.stream_format = prepared.stream_format
        return prepared, url

    def _attempt(self):
        ctx, adapter = self.ctx, self.adapter
        try:
            prepared, url = self._prepare()
        except OneAPIError:
            raise
        except ValueError as err:  # converters reject what the target cannot express
            raise InvalidRequest(str(getattr(err, "message", err)), code="convert_request_failed",
                                 status=getattr(err, "status", 400)) from None
        while True:
            try:
                resp = transport.send(prepared.method, url, headers=prepared.headers,
                                      data=prepared.body if prepared.files is None else prepared.data,
                                      files=prepared.files, stream=True, relay_timeout=ctx.relay_timeout,
                                      proxy=self.settings.relay_proxy)
            except requests.RequestException as err:
                log.warning("upstream request to channel #%s failed: %s", ctx.channel_id, err)
                return UpstreamErrorInfo(500, f"do request failed: {_short(err)}", type="upstream_error",
                                         code="do_request_failed"), True
            status = resp.status_code
            if 200 <= status < 300:
                break
            try:
                content = transport.read_limited(resp, ERROR_BODY_LIMIT)
            finally:
                resp.close()
            retry = adapter.retry_request(ctx, status, content, prepared)  # vendor quirk fix, same channel
            if retry is None:
                return adapter.convert_error(ctx, status, content), False
            prepared, url = retry, retry.url or url
        content_type = resp.headers.get("Content-Type", "")
        if ctx.is_stream and adapter.is_stream_response(content_type):
            return self._stream_response(resp)
        if ctx.is_stream:
            try:
                content = resp.content
            except requests.RequestException as err:
                return UpstreamErrorInfo(502, f"read response body failed: {_short(err)}",
                                         code="read_response_body_failed"), True
            synthetic = self._json_as_stream(resp, content)
            if synthetic is not None:
                return synthetic
            info = adapter.convert_error(ctx, 502, content)
            if info.raw is None:
                info.message = f"upstream answered a stream request with {content_type or 'no content type'}"
                info.code = "invalid_stream_response"
            return info, False
        return self._json_response(resp)

    # ------------------------------------------------------------------ responses
    def _json_response(self, resp: requests.Response):
        ctx, adapter, front = self.ctx, self.adapter, self.front
        try:
            content = resp.content
        except requests.RequestException as err:
            return UpstreamErrorInfo(502, f"read response body failed: {_short(err)}",
                                     code="read_response_body_failed"), True
        finally:
            resp.close()
        try:
            data = orjson.loads(content) if content else None
        except orjson.JSONDecodeError:
            data = None
        same_format = front.format == adapter.native_format
        if not isinstance(data, dict):
            if not same_format:
                return UpstreamErrorInfo(502, "failed to unmarshal response body",
                                         code="unmarshal_response_body_failed"), False
            data = {}
        err = data.get("error")
        if isinstance(err, dict) and err.get("type") and not data.get("choices") and not data.get("data"):
            return adapter.convert_error(ctx, 500, content), False
        if same_format and front.passthrough_response(ctx):
            out = content
            usage_dict = adapter.extract_usage(ctx, data)
            hub = data
        else:
            hub = adapter.convert_response(ctx, data)
            out = front.encode_response(ctx, hub)
            usage_dict = hub.get("usage") if isinstance(hub, dict) else None
        usage = usage_from_dict(usage_dict, ctx.prompt_tokens, lambda: _completion_tokens(ctx, hub))
        if out is content:  # verbatim: keep the upstream status and content type
            response = Response(out, status=resp.status_code,
                                content_type=resp.headers.get("Content-Type") or "application/json")
        else:
            response = Response(out, status=200, content_type="application/json")
        response.call_on_close(lambda: self._settle(usage))
        return response

    def _stream_response(self, resp: requests.Response) -> Response:
        ctx, adapter, front = self.ctx, self.adapter, self.front
        passthrough = front.format == adapter.native_format and front.passthrough_response(ctx)
        decoder = adapter.stream_decoder(ctx)
        make_parser = getattr(adapter, "stream_parser", None)  # e.g. AWS binary eventstream
        parser = (make_parser(ctx, self.stream_format) if make_parser else None) \
            or SSEParser(ndjson=self.stream_format == "ndjson")

        def encode(events, out: list) -> None:
            for event in events:
                if passthrough:
                    decoder.observe(event)
                    if event.event:
                        out.append(b"event: " + event.event.encode() + b"\ndata: " + event.data + b"\n\n")
                    else:
                        out.append(b"data: " + event.data + b"\n\n")
                else:
                    for chunk in decoder.feed(event):
                        piece = front.encode_chunk(ctx, chunk)
                        if piece:
                            out.append(piece)

        client_gone = _client_gone_probe(request.environ)
        plain_ok = passthrough and type(parser) is SSEParser and self.stream_format != "ndjson"

        def generate():
            state = "complete"
            chunks = transport.iter_stream(resp, KEEPALIVE_SECONDS)
            try:
                for item in chunks:
                    if client_gone():
                        # the client hung up: stop before feeding more output, so only what was
                        # actually sent is billed (a write to a closed peer may still "succeed")
                        state = "client_gone"
                        return
                    if item is transport.KEEPALIVE:
                        yield KEEPALIVE
                        continue
                    if plain_ok and parser.at_boundary() and is_plain_data_block(item):
                        decoder.observe_block(item)  # forwarded byte for byte (see sse.py)
                        yield item
                        continue
                    out: list[bytes] = []
                    encode(parser.feed(item), out)
                    if out:
                        yield out[0] if len(out) == 1 else b"".join(out)
                out = []
                encode(parser.flush(), out)
                if not passthrough:
                    out.append(front.encode_done(ctx, decoder.usage()))
                if out:
                    yield b"".join(out)
            except transport.UpstreamReadError as err:
                state = "upstream_cut"
                log.warning("upstream stream of channel #%s broke: %s", ctx.channel_id, err)
                yield front.encode_stream_error(ctx, {"message": "upstream stream interrupted",
                                                      "type": "upstream_error", "code": "stream_interrupted"})
            except GeneratorExit:
                state = "client_gone"
                raise
            finally:
                try:
                    chunks.close()
                except Exception:  # noqa: BLE001 - settlement below must run regardless
                    log.exception("closing upstream stream of %s failed", ctx.request_id)
                upstream_usage = decoder.usage()
                if state != "complete" and upstream_usage is None and _reports_text(decoder) \
                        and not decoder.text():
                    # aborted before any output (peers #1: never bill an estimate for nothing)
                    usage = Usage(0, 0, estimated=True)
                else:
                    usage = usage_from_dict(upstream_usage, ctx.prompt_tokens, lambda: _count(ctx, decoder.text()))
                self._settle(usage, {"stream_end": state} if state != "complete" else None)

        response = Response(generate(), status=200, mimetype="text/event-stream", headers=STREAM_HEADERS,
                            direct_passthrough=True)
        return response

    def _json_as_stream(self, resp: requests.Response, content: bytes) -> Response | None:
        """Some upstreams ignore ``stream``: replay a complete chat answer as one stream."""
        ctx, adapter, front = self.ctx, self.adapter, self.front
        if ctx.mode != RelayMode.CHAT or not 200 <= resp.status_code < 300:
            return None
        try:
            data = orjson.loads(content)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict) or not data.get("choices") or data.get("error"):
            return None
        hub = adapter.convert_response(ctx, data)
        choices = []
        for i, choice in enumerate(hub.get("choices") or ()):
            message = dict(choice.get("message") or {})
            calls = message.get("tool_calls")
            if isinstance(calls, list):
                message["tool_calls"] = [{**call, "index": n} for n, call in enumerate(calls) if isinstance(call, dict)]
            choices.append({"index": choice.get("index", i), "delta": message,
                            "finish_reason": choice.get("finish_reason") or "stop"})
        base = {"id": hub.get("id") or ctx.new_id(), "object": "chat.completion.chunk",
                "created": hub.get("created") or ctx.now(), "model": hub.get("model") or ctx.actual_model}
        usage_dict = hub.get("usage") if isinstance(hub.get("usage"), dict) else None
        usage = usage_from_dict(usage_dict, ctx.prompt_tokens, lambda: _completion_tokens(ctx, hub))
        pieces = [front.encode_chunk(ctx, {**base, "choices": choices})]
        if usage_dict:
            pieces.append(front.encode_chunk(ctx, {**base, "choices": [], "usage": usage_dict}))
        pieces.append(front.encode_done(ctx, usage_dict))

        def generate():
            try:
                yield b"".join(p for p in pieces if p)
            finally:
                self._settle(usage, {"upstream_ignored_stream": True})

        return Response(generate(), status=200, mimetype="text/event-stream", headers=STREAM_HEADERS,
                        direct_passthrough=True)

    def _settle(self, usage: Usage, extra: dict | None = None) -> None:
        try:
            with self.app.app_context():
                billing.settle(self.ctx, self.charge, usage, upstream_format=self.adapter.native_format,
                               extra_metadata=extra, engine=self.engine)
        except Exception:  # logged by billing; never surface after the response
            log.exception("settlement of %s failed", self.ctx.request_id)

    def _error_response(self, info: UpstreamErrorInfo | None, tried: int) -> Response:
        if info is None:
            info = UpstreamErrorInfo(500, "relay failed", code="relay_failed")
        error = info.openai_error()
        status = info.status if 400 <= info.status <= 599 else 500
        if status == 429:
            error = dict(error)
            error["message"] = (f"All available channels ({tried}) for this model are currently rate limited, "
                                f"please try again later" if tried > 1 else
                                "The current group load is saturated, please try again later")
        body = self.front.encode_error(self.ctx, status, error)
        return Response(body, status=status, content_type="application/json")


def _reports_text(decoder) -> bool:
    """Decoders that track delivered text (``text()`` overridden) can tell "no output"."""
    return type(decoder).text is not StreamDecoder.text


def _short(err: BaseException) -> str:
    text = str(err)
    return text if len(text) <= 300 else text[:300] + "..."


def _count(ctx: RelayContext, text: str) -> int:
    from .tokenizer import count_text_tokens

    return count_text_tokens(text, ctx.actual_model) if text else 0


def _completion_tokens(ctx: RelayContext, hub: dict) -> int:
    parts = []
    for choice in hub.get("choices") or () if isinstance(hub, dict) else ():
        if not isinstance(choice, dict):
            continue
        message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
        for key in ("content", "reasoning_content", "reasoning"):
            if isinstance(message.get(key), str):
                parts.append(message[key])
        if isinstance(choice.get("text"), str):
            parts.append(choice["text"])
    return _count(ctx, "".join(parts))
