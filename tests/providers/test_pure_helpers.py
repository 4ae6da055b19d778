"""Pure helpers of the native adapters (no network, no app)."""
from __future__ import annotations

import pytest

from oneapi.providers.baidu import endpoint_for
from oneapi.providers.cloudflare import cloudflare_base
from oneapi.providers.deepl import target_lang
from oneapi.providers.tencent import tc3_authorization
from oneapi.relay.context import ChannelInfo, RelayContext
from oneapi.relay.modes import RelayMode


def _ctx(channel_type: int, base_url: str, config: dict | None = None) -> RelayContext:
    ctx = RelayContext(request_id="r", mode=RelayMode.CHAT, origin_model="m", actual_model="m")
    return ctx.for_channel(ChannelInfo(id=1, type=channel_type, name="c", key="k", base_url=base_url,
                                       config=config or {}))


def test_cloudflare_base_forms():
    assert cloudflare_base(_ctx(37, "https://api.cloudflare.com", {"user_id": "acc"})) == \
        "https://api.cloudflare.com/client/v4/accounts/acc/ai"
    assert cloudflare_base(_ctx(37, "https://api.cloudflare.com/client/v4/accounts/x/ai/v1")) == \
        "https://api.cloudflare.com/client/v4/accounts/x/ai"
    gateway = "https://gateway.ai.cloudflare.com/v1/acc/gw/workers-ai"
    assert cloudflare_base(_ctx(37, gateway + "/v1")) == gateway
    with pytest.raises(ValueError, match="workers-ai"):
        cloudflare_base(_ctx(37, "https://gateway.ai.cloudflare.com/v1/acc/gw/openai"))
    with pytest.raises(ValueError, match="user_id"):
        cloudflare_base(_ctx(37, "https://api.cloudflare.com"))


def test_deepl_target_language_and_baidu_endpoints():
    assert [target_lang(m) for m in ("deepl-EN", "deepl-pt-BR", "deepl", "deepl-")] == ["EN", "PT-BR", "ZH", "ZH"]
    assert endpoint_for("ERNIE-4.0") == "completions_pro"
    assert endpoint_for("ERNIE-Bot-turbo") == "eb-instant"
    assert endpoint_for("Some-New-Model") == "some-new-model"


def test_tc3_signature_is_deterministic_and_body_bound():
    a = tc3_authorization("sid", "skey", "hunyuan.tencentcloudapi.com", b'{"a":1}', 1_700_000_000)
    assert a.startswith("TC3-HMAC-SHA256 Credential=sid/2023-11-14/hunyuan/tc3_request, "
                        "SignedHeaders=content-type;host, Signature=")
    assert a == tc3_authorization("sid", "skey", "hunyuan.tencentcloudapi.com", b'{"a":1}', 1_700_000_000)
    assert a != tc3_authorization("sid", "skey", "hunyuan.tencentcloudapi.com", b'{"a":2}', 1_700_000_000)
