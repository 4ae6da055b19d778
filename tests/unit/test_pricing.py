"""Pricing: resolution layers and quota formulas with hand-computed numbers."""

import json

import pytest

from oneapi.channel_types import ChannelType
from oneapi.services import pricing as p
from oneapi.services.pricing import Price


def resolve(model, channel_type=1, configs=None, ch_ratio=None, ch_completion=None,
            opt_ratio=None, opt_completion=None):
    return p.resolve_price(model, channel_type, configs, ch_ratio, ch_completion,
                           opt_ratio or {}, opt_completion or {})


# ---------------------------------------------------------------- resolution

def test_builtin_defaults_from_reference_table():
    gpt4o = resolve("gpt-4o")
    assert (gpt4o.ratio, gpt4o.completion_ratio, gpt4o.cached_input_ratio) == (1.25, 4, 0.625)
    assert gpt4o.source == "default"
    assert resolve("gpt-3.5-turbo").ratio == 0.25
    assert resolve("gpt-3.5-turbo").completion_ratio == 3
    assert resolve("gpt-4o-mini").cached_input_ratio == 0.0375
    assert (resolve("gpt-5").ratio, resolve("gpt-5").completion_ratio) == (0.625, 8)
    assert resolve("o4-mini").cached_input_ratio == 0.1375
    assert resolve("text-embedding-3-small").ratio == 0.01
    assert resolve("omni-moderation-latest").ratio == 0
    assert resolve("whisper-1").ratio == 3.0
    assert resolve("tts-1-hd").ratio == 15
    sonnet = resolve("claude-sonnet-4-5", ChannelType.ANTHROPIC)
    assert (sonnet.ratio, sonnet.completion_ratio, sonnet.cached_input_ratio,
            sonnet.cache_write_5m_ratio, sonnet.cache_write_1h_ratio) == (1.5, 5, 0.15, 1.875, 3)
    haiku = resolve("claude-3-5-haiku-20241022", ChannelType.ANTHROPIC)
    assert (haiku.ratio, haiku.cached_input_ratio, haiku.cache_write_5m_ratio) == (0.4, 0.04, 0.5)
    assert resolve("claude-opus-4-5").cache_write_5m_ratio == 3.125
    assert resolve("gemini-2.5-flash").completion_ratio == 8.33
    assert resolve("qwen-max").ratio == pytest.approx(2.4 * 0.5 / 7)
    assert resolve("glm-4-flash").ratio == 0


def test_fallbacks():
    unknown = resolve("my-local-model")
    assert (unknown.ratio, unknown.completion_ratio, unknown.source) == (1.25, 1.0, "fallback")
    anth = resolve("claude-unreleased", ChannelType.ANTHROPIC)
    assert (anth.ratio, anth.completion_ratio) == (1.5, 5.0)
    vertex = resolve("mystery", ChannelType.VERTEXAI)
    assert (vertex.ratio, vertex.completion_ratio) == (0.25, 3.0)
    assert resolve("deepseek-chat", ChannelType.DEEPSEEK).source == "fallback"


def test_option_layer_overrides_defaults():
    price = resolve("gpt-4o", opt_ratio={"gpt-4o": 2.0}, opt_completion={"gpt-4o": 3})
    assert (price.ratio, price.completion_ratio, price.source) == (2.0, 3.0, "option")
    assert price.cached_input_ratio == 0.625  # not overridden at the option layer
    only_ratio = resolve("custom-model", opt_ratio={"custom-model": 0.5})
    assert (only_ratio.ratio, only_ratio.completion_ratio) == (0.5, 1.0)
    # JSON strings are accepted too
    assert resolve("gpt-4o", opt_ratio=json.dumps({"gpt-4o": 3})).ratio == 3


def test_channel_layer_wins_over_options():
    configs = {"gpt-4o": {"ratio": 0.5, "completion_ratio": 2, "cached_input_ratio": 0.1}}
    price = resolve("gpt-4o", configs=configs, opt_ratio={"gpt-4o": 9})
    assert (price.ratio, price.completion_ratio, price.cached_input_ratio) == (0.5, 2, 0.1)
    assert price.source == "channel"
    legacy = resolve("gpt-4o", ch_ratio={"gpt-4o": 0.3}, ch_completion={"gpt-4o": 5},
                     opt_ratio={"gpt-4o": 9})
    assert (legacy.ratio, legacy.completion_ratio, legacy.source) == (0.3, 5, "channel")
    typed = resolve("gpt-4o", channel_type=3, ch_ratio={"gpt-4o(3)": 0.7, "gpt-4o": 0.3})
    assert typed.ratio == 0.7
    # model_configs beat the legacy maps
    both = resolve("gpt-4o", configs={"gpt-4o": {"ratio": 0.2}}, ch_ratio={"gpt-4o": 0.3})
    assert both.ratio == 0.2 and both.completion_ratio == 4
    # invalid channel JSON is ignored, never fatal
    assert resolve("gpt-4o", configs="{not json").ratio == 1.25


def test_group_ratio():
    ratios = {"default": 1, "vip": 0.8}
    assert p.group_ratio("vip", ratios) == 0.8
    assert p.group_ratio("nope", ratios) == 1.0
    assert p.group_ratio("vip", '{"vip": 0.5}') == 0.5


# ---------------------------------------------------------------- compute_quota

def test_reference_example_gpt4o_cached():
    # 800×1.25 + 200×0.625 + 500×5 = 3625
    assert p.compute_quota(resolve("gpt-4o"), 1, 1000, 500, cached_tokens=200) == 3625


def test_plain_text_quota_and_group_ratio():
    price = resolve("gpt-3.5-turbo")
    # 1000×0.25 + 100×0.25×3 = 325 ; group 2 → 650
    assert p.compute_quota(price, 1, 1000, 100) == 325
    assert p.compute_quota(price, 2, 1000, 100) == 650
    # ceil: 3×0.25 = 0.75 → 1
    assert p.compute_quota(price, 1, 3, 0) == 1
    # 7 × 0.075 = 0.525, + 1 × 0.3 = 0.825 → 1
    assert p.compute_quota(resolve("gpt-4o-mini"), 1, 7, 1) == 1


def test_zero_tokens_and_free_models():
    assert p.compute_quota(resolve("gpt-4o"), 1, 0, 0) == 0
    assert p.compute_quota(resolve("omni-moderation-latest"), 1, 1000, 0) == 0
    assert p.compute_quota(resolve("gpt-4o"), 0, 1000, 1000) == 0  # free group


def test_minimum_one_quota_when_priced():
    tiny = Price(ratio=0.0001, completion_ratio=1)
    assert p.compute_quota(tiny, 1, 1, 0) == 1


def test_claude_cache_buckets_reported_separately():
    price = resolve("claude-sonnet-4-5", ChannelType.ANTHROPIC)
    # P=100 (non-cached) ×1.5 + R=1000×0.15 + W5=200×1.875 + W1h=50×3 + C=10×7.5
    # = 150 + 150 + 375 + 150 + 75 = 900
    assert p.compute_quota(price, 1, 100, 10, cached_tokens=1000, cache_write_5m=200,
                           cache_write_1h=50) == 900


def test_non_claude_buckets_carved_out_of_prompt():
    price = Price(ratio=1.0, completion_ratio=2, cached_input_ratio=0.5,
                  cache_write_5m_ratio=1.5, cache_write_1h_ratio=3, model="gpt-x")
    # P=1000: R=300, W5=100, W1h=100 → plain 500
    # 500×1 + 300×0.5 + 100×1.5 + 100×3 + C=10×2 = 500+150+150+300+20 = 1120
    assert p.compute_quota(price, 1, 1000, 10, 300, 100, 100) == 1120
    # writes beyond the remaining prompt are trimmed, 1h first:
    # P=1000, R=800 → remaining 200; W5=150, W1h=100 → excess 50 trimmed from 1h → W1h=50
    # plain 0 → 800×0.5 + 150×1.5 + 50×3 = 400 + 225 + 150 = 775
    assert p.compute_quota(price, 1, 1000, 0, 800, 150, 100) == 775


def test_buckets_larger_than_prompt_mean_separate_reporting():
    price = Price(ratio=1.0, completion_ratio=1, cached_input_ratio=0.1, model="gpt-x")
    # R > P → separate: 10×1 + 100×0.1 = 20
    assert p.compute_quota(price, 1, 10, 0, cached_tokens=100) == 20
    assert p.compute_quota(price, 1, 10, 0, cached_tokens=100,
                           provider_reports_cache_separately=True) == 20


def test_cached_ratio_zero_and_negative():
    zero = Price(ratio=1.0, completion_ratio=1, cached_input_ratio=0, model="m")
    # cached at input price: 1000 total
    assert p.compute_quota(zero, 1, 1000, 0, cached_tokens=400) == 1000
    free = Price(ratio=1.0, completion_ratio=1, cached_input_ratio=-1, model="m")
    assert p.compute_quota(free, 1, 1000, 0, cached_tokens=400) == 600


def test_tiers_apply_over_threshold():
    price = resolve("gemini-2.5-pro", ChannelType.GEMINI)
    # below threshold: 1000×0.625 + 100×0.625×8 = 625 + 500 = 1125
    assert p.compute_quota(price, 1, 1000, 100) == 1125
    # at 200001 prompt: ratio 1.25, completion 6 → 200001×1.25 + 100×7.5 = 250001.25+750
    assert p.compute_quota(price, 1, 200001, 100) == 250752
    custom = resolve("m", configs={"m": {"ratio": 1, "tiers": [
        {"input_token_threshold": 100, "output_token_threshold": 10, "ratio": 2}]}})
    assert p.compute_quota(custom, 1, 100, 5) == 105   # output threshold not met
    assert p.compute_quota(custom, 1, 100, 10) == 220  # 100×2 + 10×2


def test_tools_cost_added():
    assert p.compute_quota(resolve("gpt-3.5-turbo"), 1, 1000, 100, tools_cost=5000) == 5325


# ---------------------------------------------------------------- pre-consume

def test_estimate_preconsume():
    price = resolve("gpt-4o")
    # (500 + 100) × 1.25 + 1000 × 1.25 × 4 = 750 + 5000
    assert p.estimate_preconsume(price, 1, 100, 1000) == 5750
    assert p.estimate_preconsume(price, 2, 100, 0) == 1500
    assert p.estimate_preconsume(price, 1, 100, 0, pre_consumed_quota=0) == 125


def test_embeddings_preconsume_and_max_tokens():
    price = resolve("text-embedding-3-large")
    # 1000 × 0.065 = 65 ; buffer 500 × 0.065 = 32.5 → 33
    assert p.estimate_embeddings_preconsume(price, 1, 1000) == 98
    assert p.request_max_tokens({"max_tokens": 100, "max_completion_tokens": 50}) == 50
    assert p.request_max_tokens({"max_tokens": 100, "max_completion_tokens": 0}) == 100
    assert p.request_max_tokens({"max_output_tokens": 7}) == 7
    assert p.request_max_tokens({}) == 0


def test_should_skip_reservation_requires_both_balances():
    est = 1000
    assert p.should_skip_reservation(100_001, 100_001, False, est)
    assert p.should_skip_reservation(100_001, 0, True, est)
    assert not p.should_skip_reservation(100_001, 500, False, est)  # fork fix #25
    assert not p.should_skip_reservation(100_000, 10**9, True, est)
    assert not p.should_skip_reservation(50, 10**9, False, est)


def test_quota_usd_conversion():
    assert p.quota_to_usd(500_000) == 1.0
    assert p.quota_to_usd(3625) == 0.00725
    assert p.usd_to_quota(0.01) == 5000


# ---------------------------------------------------------------- media

def test_image_quota_tables():
    # dall-e-3 standard 1024²: 0.04 × 500000 = 20000
    assert p.image_quota("dall-e-3", 1) == 20000
    assert p.image_quota("dall-e-3", 1, size="1792x1024") == 40000
    assert p.image_quota("dall-e-3", 1, size="1024x1792", quality="hd") == 60000
    # dall-e-2 512²: 0.016 × 500000 × 1.125 = 9000, × n=3
    assert p.image_quota("dall-e-2", 1, n=3, size="512x512") == 27000
    # gpt-image-1 low 1024² = 0.011 × 500000 = 5500 ; medium tall 5500 × 63/11 = 31500
    assert p.image_quota("gpt-image-1", 1, quality="low") == 5500
    assert p.image_quota("gpt-image-1", 1, size="1024x1536", quality="medium") == 31500
    assert p.image_quota("gpt-image-1", 1, size="1536x1024", quality="high") == 125000
    assert p.image_quota("gpt-image-1", 1) == 83500  # default auto = high 1024²
    assert p.image_quota("dall-e-3", 2) == 40000  # group ratio
    with pytest.raises(ValueError):
        p.image_quota("dall-e-3", 1, size="256x256")
    assert p.image_quota("grok-2-image", 1, n=2) == 70000
    cfg = resolve("my-img", configs={"my-img": {"image": {"price_per_image_usd": 0.02}}})
    assert p.image_quota("my-img", 1, price=cfg) == 10000
    assert p.image_limits("dall-e-2") == (1, 10, 1000)
    assert p.image_limits("dall-e-3") == (1, 1, 4000)
    assert p.image_limits("cogview-3")[2] == 833


def test_audio_and_tts_quota():
    whisper = resolve("whisper-1")
    # 12.3 s → ceil(123 tokens) × 3.0 = 369
    assert p.audio_transcription_quota(whisper, 1, 12.3) == 369
    assert p.audio_seconds_to_tokens(whisper, 12.3) == 123
    tts = resolve("tts-1")
    # "héllo" = 6 UTF-8 bytes × 7.5 = 45
    assert p.tts_quota(tts, 1, "héllo") == 45
    per_sec = resolve("a", configs={"a": {"ratio": 1, "audio": {"usd_per_second": 0.0001}}})
    assert p.audio_transcription_quota(per_sec, 1, 60) == 3000


def test_rerank_and_tools():
    cohere = resolve("rerank-v3.5", ChannelType.COHERE)
    assert p.rerank_quota(cohere, 1, 5000) == 1000  # $0.002 per call
    custom = resolve("r", configs={"r": {"per_call": {"usd_per_thousand_calls": 1}}})
    assert p.rerank_quota(custom, 1, 5000) == 500
    assert p.rerank_quota(resolve("unknown-rerank"), 1, 100) == 125
    assert p.tool_call_quota(ChannelType.OPENAI, "web_search", 2) == 10000
    assert p.tool_call_quota(ChannelType.AZURE, "code_interpreter") == 15000
    assert p.tool_call_quota(ChannelType.ANTHROPIC, "web_search") == 5000
    assert p.tool_call_quota(ChannelType.OPENAI, "unknown_tool") is None
    tooling = {"whitelist": ["web_search"], "pricing": {"web_search": {"quota_per_call": 7}}}
    assert p.tool_call_quota(ChannelType.OPENAI, "web_search", 3, tooling) == 21
    assert p.tool_call_quota(ChannelType.OPENAI, "file_search", 1, tooling) is None


# ---------------------------------------------------------------- logs & option defaults

def test_format_log_content():
    price = resolve("gpt-4o")
    assert p.format_log_content(price, 1) == ("model rate 1.25, group rate 1.00, completion "
                                              "rate 4.00, cached_prompt 0, cache_write_5m 0, "
                                              "cache_write_1h 0")
    text = p.format_log_content(price, 0.5, cached_tokens=200, cache_write_5m=3,
                                cache_write_1h=4, tools_cost=5000)
    assert text == ("model rate 1.25, group rate 0.50, completion rate 4.00, tools cost 5000, "
                    "cached_prompt 200, cache_write_5m 3, cache_write_1h 4")
    assert p.format_audio_log_content(resolve("whisper-1"), 1) == \
        "model rate 3.00, group rate 1.00"


def test_default_option_json_and_pricing_table():
    ratios = json.loads(p.default_model_ratio_json())
    completions = json.loads(p.default_completion_ratio_json())
    assert ratios["gpt-4o"] == 1.25 and completions["gpt-4o"] == 4
    assert json.loads(p.default_group_ratio_json()) == {"default": 1, "vip": 1, "svip": 1}
    rows = {r["model"]: r for r in p.pricing_table({"my-model": 1.5, "gpt-4o": 2}, {})}
    assert rows["gpt-4o"]["model_ratio"] == 2
    assert rows["gpt-4o"]["input_usd_per_1m"] == 4.0
    assert rows["gpt-4o"]["output_usd_per_1m"] == 16.0
    assert rows["my-model"] == {"model": "my-model", "model_ratio": 1.5, "completion_ratio": 1.0,
                                "cached_input_ratio": 0.0, "input_usd_per_1m": 3.0,
                                "output_usd_per_1m": 3.0}
    assert rows["gpt-4o-mini"]["input_usd_per_1m"] == 0.15
    assert rows["gpt-4o-mini"]["output_usd_per_1m"] == 0.6


def test_validate_model_configs():
    p.validate_model_configs({"gpt-4o": {"ratio": 1}})
    p.validate_model_configs({})
    for bad in ({"": {"ratio": 1}}, {"m": {}}, {"m": {"ratio": -1}}, {"m": {"ratio": "x"}},
                "[1, 2]"):
        with pytest.raises(ValueError):
            p.validate_model_configs(bad)


# ---------------------------------------------------------------- time windows & audio usage

def test_time_window_overlay():
    from datetime import datetime, timezone
    configs = {"m": {"ratio": 1.0, "completion_ratio": 2, "time_windows": [
        {"timezone": "Asia/Shanghai", "ranges": [{"start": "00:30", "end": "08:30"}],
         "overlay": {"ratio": 0.5}},
        {"timezone": "UTC", "days_of_week": [0, 6], "overlay": {"completion_ratio": 1}},
    ]}}
    # 2026-11-25 (Wednesday) 17:00 UTC = 01:00 Shanghai → night discount
    night = resolve_at("m", configs, datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc))
    assert (night.ratio, night.completion_ratio) == (0.5, 2)
    # Wednesday 04:00 UTC = 12:00 Shanghai, weekday → base price
    day = resolve_at("m", configs, datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc))
    assert (day.ratio, day.completion_ratio) == (1.0, 2)
    # Saturday noon UTC → weekend overlay (second window)
    weekend = resolve_at("m", configs, datetime(2026, 11, 28, 12, 0))
    assert (weekend.ratio, weekend.completion_ratio) == (1.0, 1)
    # without ``now`` windows are ignored
    assert resolve("m", configs=configs).ratio == 1.0


def test_time_window_overnight_range_and_dates():
    from datetime import datetime, timezone
    win = {"ranges": [{"start": "22:00", "end": "02:00"}], "date_from": "2026-01-01",
           "date_to": "2026-02-01", "overlay": {"ratio": 0.1}}
    configs = {"m": {"ratio": 1.0, "time_windows": [win]}}
    utc = timezone.utc
    assert resolve_at("m", configs, datetime(2026, 1, 10, 23, 0, tzinfo=utc)).ratio == 0.1
    assert resolve_at("m", configs, datetime(2026, 1, 10, 1, 59, tzinfo=utc)).ratio == 0.1
    assert resolve_at("m", configs, datetime(2026, 1, 10, 2, 0, tzinfo=utc)).ratio == 1.0
    assert resolve_at("m", configs, datetime(2026, 2, 1, 23, 0, tzinfo=utc)).ratio == 1.0


def resolve_at(model, configs, now):
    return p.resolve_price(model, 1, configs, None, None, {}, {}, now=now)


def test_reweight_audio_usage():
    price = resolve("gpt-4o-audio-preview")
    # prompt 100 text + 10 audio × 16 ; completion 50 text + 5 audio × 16 × 2
    assert p.reweight_audio_usage(price, 100, 10, 50, 5) == (260, 210)
