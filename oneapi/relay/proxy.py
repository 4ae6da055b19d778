"""``/v1/oneapi/proxy/<channel id>/<path>`` (reference relay §1, §3 type 43 "proxy").

Any method; the request goes to ``<channel base URL>/<path>?<query>`` with the client's
headers (minus hop-by-hop ones and the gateway credential) and the channel key: verbatim in
``Authorization`` for Proxy channels (type 43), otherwise the auth header style of the
channel type's adapter. The answer is streamed back untouched. Naming a channel is channel
pinning, so only admins may use it (reference §2.1). Each request writes one consume log with
model ``proxy`` and quota 0.
"""
from __future__ import annotations

import logging

import requests
from flask import Response, current_app, request

from ..channel_types import ChannelType
from ..errors import Forbidden, OneAPIError
from ..extensions import db
from ..models import LogType, Role, UserRequestCost, now_s
from ..providers import AdapterNotFound, get_adapter
from ..services import options, routing
from ..services.logs import record_log
from ..web import request_id
from . import transport
from .auth import authenticate
from .context import RelayContext
from .modes import RelayMode
from .pipeline import _client_ip, _short

log = logging.getLogger(__name__)

_DROP_REQUEST = {"host", "content-length", "accept-encoding", "connection", "authorization", "x-api-key",
                 "api-key", "cookie", "transfer-encoding", "keep-alive", "proxy-authorization", "te",
                 "upgrade", "x-forwarded-for", "x-real-ip"}
_DROP_RESPONSE = {"content-length", "content-encoding", "transfer-encoding", "connection", "keep-alive",
                  "x-oneapi-request-id"}


def _upstream_headers(ctx: RelayContext) -> dict[str, str]:
    headers = {name: value for name, value in request.headers.items() if name.lower() not in _DROP_REQUEST}
    if ctx.channel_type == ChannelType.PROXY:
        headers["Authorization"] = ctx.api_key
    else:
        try:
            headers.update(get_adapter(ctx.channel_type).request_headers(ctx))
        except (AdapterNotFound, NotImplementedError):
            headers["Authorization"] = f"Bearer {ctx.api_key}"
    return headers


def _record(app, ctx: RelayContext, status: int) -> None:
    try:
        with app.app_context():
            db.session.rollback()
            if options.get_bool("LogConsumeEnabled"):
                record_log(ctx.user_id, LogType.CONSUME, "proxy request, no quota consumption",
                           username=ctx.username, token_name=ctx.token_name, model_name="proxy",
                           quota=0, prompt_tokens=0, completion_tokens=0, channel_id=ctx.channel_id,
                           token_id=ctx.token_id, request_id=ctx.request_id, elapsed_time=ctx.elapsed_ms(),
                           is_stream=False, metadata={"mode": int(RelayMode.PROXY), "upstream_status": status})
            db.session.add(UserRequestCost(created_time=now_s(), user_id=ctx.user_id,
                                           request_id=ctx.request_id, quota=0))
            db.session.commit()
    except Exception:  # noqa: BLE001 - the response is already sent
        log.exception("logging proxy request %s failed", ctx.request_id)


def proxy_request(channel_id: int, target: str) -> Response:
    auth = authenticate(request.headers, _client_ip())
    if auth.user.role < Role.ADMIN:
        raise Forbidden("Ordinary users do not support specifying channels", code="channel_pin_forbidden")
    channel = routing.pinned_channel(channel_id, "", RelayMode.PROXY)
    settings = current_app.config["SETTINGS"]
    ctx = RelayContext(request_id=request_id(), mode=RelayMode.PROXY, origin_model="proxy", actual_model="proxy",
                       request_path=request.full_path.rstrip("?"), user_id=auth.user.id,
                       username=auth.user.username, token_id=auth.token.id, token_name=auth.token.name,
                       group=auth.user.group, user_role=auth.user.role, pinned=True,
                       relay_timeout=settings.relay_timeout)
    ctx.for_channel(channel)
    if not ctx.base_url:
        raise OneAPIError(f"Channel #{channel_id} has no base URL", status=400, code="invalid_base_url")
    url = ctx.base_url.rstrip("/") + "/" + target.lstrip("/")
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    body = request.get_data(cache=False)
    headers = _upstream_headers(ctx)
    db.session.close()
    app = current_app._get_current_object()
    try:
        resp = transport.send(request.method, url, headers=headers, data=body or None, stream=True,
                              relay_timeout=ctx.relay_timeout, proxy=settings.relay_proxy)
    except requests.RequestException as err:
        _record(app, ctx, 0)
        raise OneAPIError(f"do request failed: {_short(err)}", status=502, code="do_request_failed",
                          type="upstream_error") from None

    def generate():
        try:
            yield from transport.raw_chunks(resp)
        except transport.UpstreamReadError as err:
            log.warning("proxy stream of channel #%s broke: %s", ctx.channel_id, err)
        finally:
            resp.close()
            _record(app, ctx, resp.status_code)

    out_headers = [(k, v) for k, v in resp.headers.items() if k.lower() not in _DROP_RESPONSE]
    return Response(generate(), status=resp.status_code, headers=out_headers, direct_passthrough=True)
