"""Channel type registry: ids, names, base URLs, families and frontend metadata."""

import json

import pytest

from oneapi.channel_types import (
    CHANNEL_TYPES, ChannelType, channel_type_metadata, default_base_url, get_channel_type,
    is_known, supports_balance, types_in_family,
)


def test_every_one_api_id_is_known():
    assert sorted(CHANNEL_TYPES) == list(range(59))
    assert [t.value for t in ChannelType] == list(range(59))
    for i in range(59):
        assert is_known(i)
        assert get_channel_type(i).id == i
    assert not is_known(59) and not is_known(-1) and not is_known("x")


def test_enum_values_match_one_api():
    assert ChannelType.OPENAI == 1
    assert ChannelType.AZURE == 3
    assert ChannelType.ANTHROPIC == 14
    assert ChannelType.GEMINI == 24
    assert ChannelType.AWS_CLAUDE == 33
    assert ChannelType.DEEPSEEK == 36
    assert ChannelType.VERTEXAI == 42
    assert ChannelType.PROXY == 43
    assert ChannelType.XAI == 45
    assert ChannelType.OPENAI_COMPATIBLE == 50
    assert ChannelType.CLAUDE_COMPATIBLE == 52
    assert ChannelType.DEEPINFRA == 57
    assert ChannelType.DUMMY == 58


def test_unknown_id_raises_key_error():
    with pytest.raises(KeyError):
        get_channel_type(99)
    with pytest.raises(KeyError):
        default_base_url(None)


@pytest.mark.parametrize("type_id,url", [
    (1, "https://api.openai.com"),
    (2, "https://oa.api2d.net"),
    (3, ""),
    (14, "https://api.anthropic.com"),
    (15, "https://aip.baidubce.com"),
    (17, "https://dashscope.aliyuncs.com"),
    (20, "https://openrouter.ai/api"),
    (24, "https://generativelanguage.googleapis.com"),
    (29, "https://api.groq.com/openai"),
    (30, "http://localhost:11434"),
    (36, "https://api.deepseek.com"),
    (37, "https://api.cloudflare.com"),
    (46, "https://api.replicate.com/v1/models/"),
    (50, ""),
    (51, "https://generativelanguage.googleapis.com/v1beta/openai/"),
    (55, "https://integrate.api.nvidia.com/v1"),
])
def test_default_base_urls(type_id, url):
    assert default_base_url(type_id) == url


def test_families_and_formats():
    assert get_channel_type(ChannelType.OPENAI).family == "openai"
    assert get_channel_type(ChannelType.OPENAI_COMPATIBLE).family == "openai"
    assert get_channel_type(ChannelType.SILICONFLOW).family == "openai"
    assert get_channel_type(ChannelType.AZURE).family == "azure"
    assert get_channel_type(ChannelType.ANTHROPIC).native_format == "anthropic_messages"
    assert get_channel_type(ChannelType.CLAUDE_COMPATIBLE).family == "anthropic"
    assert get_channel_type(ChannelType.GEMINI).native_format == "gemini"
    assert get_channel_type(ChannelType.AWS_CLAUDE).family == "aws"
    assert get_channel_type(ChannelType.VERTEXAI).family == "vertexai"
    assert set(types_in_family("anthropic")) == {ChannelType.ANTHROPIC,
                                                 ChannelType.CLAUDE_COMPATIBLE}
    native = {"azure", "anthropic", "gemini", "vertexai", "aws", "cohere", "ollama",
              "cloudflare", "replicate", "coze", "zhipu", "ali", "baidu", "tencent", "xunfei",
              "deepl", "xai", "deepseek", "proxy", "palm"}
    assert native <= {t.family for t in CHANNEL_TYPES.values()}


def test_balance_support_matches_reference():
    expected = {1, 4, 5, 8, 10, 12, 13, 20, 36, 44, 50}
    assert {i for i in range(59) if supports_balance(i)} == expected
    assert not supports_balance(3)
    assert not supports_balance(999)


def test_config_fields_for_typed_forms():
    def names(type_id):
        return {f["name"]: f for f in get_channel_type(type_id).config_fields}

    assert names(3)["api_version"]["required"] is True
    aws = names(33)
    assert set(aws) == {"region", "ak", "sk"}
    assert aws["sk"]["type"] == "secret" and aws["sk"]["secret"] is True
    assert get_channel_type(33).key_hint == "AK|SK|Region"
    vertex = names(42)
    assert {"region", "vertex_ai_project_id", "vertex_ai_adc"} <= set(vertex)
    assert vertex["vertex_ai_adc"]["secret"] is True
    assert names(37)["user_id"]["required"] is True
    assert "user_id" in names(34)
    assert "plugin" in names(17)
    fmt = names(50)["api_format"]
    assert fmt["type"] == "select" and fmt["options"] == ["chat_completion", "response"]
    assert fmt["default"] == "chat_completion"
    assert names(1)["api_format"]["default"] == "response"
    for info in CHANNEL_TYPES.values():
        for f in info.config_fields:
            assert {"name", "label", "type", "required", "help"} <= set(f)
            assert f["type"] in {"string", "select", "secret", "textarea"}


def test_metadata_is_json_ready_and_complete():
    meta = channel_type_metadata()
    assert [m["id"] for m in meta] == list(range(59))
    json.dumps(meta)  # serialisable
    keys = {"id", "name", "slug", "default_base_url", "family", "native_format",
            "config_fields", "default_models", "supports_balance", "key_hint", "selectable"}
    for m in meta:
        assert keys <= set(m)
    by_id = {m["id"]: m for m in meta}
    assert by_id[14]["name"] == "Anthropic Claude"
    assert by_id[1]["name"] == "OpenAI"
    assert "gpt-4o" in by_id[1]["default_models"]
    assert not by_id[0]["selectable"] and not by_id[58]["selectable"]
    assert by_id[50]["selectable"]
    slugs = [m["slug"] for m in meta]
    assert len(slugs) == len(set(slugs))
