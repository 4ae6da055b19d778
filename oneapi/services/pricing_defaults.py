"""Built-in default prices (one-api relay §7.3 / §7.6).

Units: ``ratio`` = quota per input token = USD per 1M input tokens × 0.5
(RMB prices: ¥ per 1M × 0.5 / 7). ``completion`` = output price / input price.
``cached``, ``write_5m`` and ``write_1h`` are absolute ratios (same unit as
``ratio``; 0 = "use the input price", negative = free).

Each entry: model -> (ratio, completion, cached, write_5m, write_1h).
"""

from __future__ import annotations

RMB = 0.5 / 7  # ratio per ¥ per 1M tokens


def _claude(ratio: float) -> tuple:
    # Anthropic: output 5×, cache read 0.1×, cache write 5m 1.25×, 1h 2× input.
    return (ratio, 5, round(ratio * 0.1, 6), round(ratio * 1.25, 6), round(ratio * 2, 6))


def _same(entry: tuple, *names: str) -> dict:
    return {n: entry for n in names}


DEFAULT_PRICES: dict[str, tuple] = {
    # ---- OpenAI chat
    **_same((0.25, 3, 0, 0, 0), "gpt-3.5-turbo", "gpt-3.5-turbo-0125"),
    "gpt-3.5-turbo-1106": (0.5, 2, 0, 0, 0),
    "gpt-3.5-turbo-0301": (0.75, 4 / 3, 0, 0, 0),
    "gpt-3.5-turbo-16k": (1.5, 4 / 3, 0, 0, 0),
    "gpt-3.5-turbo-instruct": (0.75, 4 / 3, 0, 0, 0),
    **_same((15, 2, 0, 0, 0), "gpt-4", "gpt-4-0613"),
    "gpt-4-32k": (30, 2, 0, 0, 0),
    **_same((5, 3, 0, 0, 0), "gpt-4-turbo", "gpt-4-turbo-2024-04-09", "gpt-4-turbo-preview",
            "gpt-4-1106-preview", "gpt-4-0125-preview", "gpt-4-vision-preview"),
    **_same((1.25, 4, 0.625, 0, 0), "gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20"),
    **_same((2.5, 3, 0, 0, 0), "gpt-4o-2024-05-13", "chatgpt-4o-latest"),
    **_same((0.075, 4, 0.0375, 0, 0), "gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
    **_same((1.0, 4, 0.25, 0, 0), "gpt-4.1", "gpt-4.1-2025-04-14"),
    **_same((0.2, 4, 0.05, 0, 0), "gpt-4.1-mini", "gpt-4.1-mini-2025-04-14"),
    **_same((0.05, 4, 0.0125, 0, 0), "gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"),
    "gpt-4.5-preview": (37.5, 2, 18.75, 0, 0),
    **_same((0.625, 8, 0.0625, 0, 0), "gpt-5", "gpt-5-2025-08-07", "gpt-5.1",
            "gpt-5-chat-latest", "gpt-5.1-chat-latest", "gpt-5-codex", "gpt-5.1-codex"),
    "gpt-5.2": (0.875, 8, 0.0875, 0, 0),
    **_same((0.125, 8, 0.0125, 0, 0), "gpt-5-mini", "gpt-5-mini-2025-08-07",
            "gpt-5.1-codex-mini"),
    **_same((0.025, 8, 0.0025, 0, 0), "gpt-5-nano", "gpt-5-nano-2025-08-07"),
    "gpt-5-pro": (7.5, 8, 0, 0, 0),
    **_same((7.5, 4, 3.75, 0, 0), "o1", "o1-2024-12-17", "o1-preview"),
    "o1-mini": (0.55, 4, 0.275, 0, 0),
    "o1-pro": (75, 4, 0, 0, 0),
    **_same((1.0, 4, 0.25, 0, 0), "o3", "o3-2025-04-16"),
    **_same((0.55, 4, 0.275, 0, 0), "o3-mini", "o3-mini-2025-01-31"),
    "o3-pro": (10, 4, 0, 0, 0),
    "o3-deep-research": (5, 4, 1.25, 0, 0),
    **_same((0.55, 4, 0.1375, 0, 0), "o4-mini", "o4-mini-2025-04-16"),
    "o4-mini-deep-research": (1.0, 4, 0.25, 0, 0),
    "codex-mini-latest": (0.75, 4, 0.1875, 0, 0),
    "computer-use-preview": (1.5, 4, 0, 0, 0),
    "gpt-4o-realtime-preview": (2.5, 4, 1.25, 0, 0),
    "gpt-4o-mini-realtime-preview": (0.3, 4, 0.15, 0, 0),
    "gpt-4o-search-preview": (1.25, 4, 0, 0, 0),
    "gpt-4o-mini-search-preview": (0.075, 4, 0, 0, 0),
    "gpt-4o-audio-preview": (1.25, 4, 0, 0, 0),
    "gpt-4o-mini-audio-preview": (0.075, 4, 0, 0, 0),
    "davinci-002": (1.0, 1, 0, 0, 0),
    "babbage-002": (0.2, 1, 0, 0, 0),
    # ---- OpenAI embeddings / moderation / audio / images
    "text-embedding-3-small": (0.01, 1, 0, 0, 0),
    "text-embedding-3-large": (0.065, 1, 0, 0, 0),
    "text-embedding-ada-002": (0.05, 1, 0, 0, 0),
    **_same((0, 1, 0, 0, 0), "text-moderation-latest", "text-moderation-stable",
            "omni-moderation-latest"),
    "whisper-1": (3.0, 1, 0, 0, 0),
    **_same((7.5, 1, 0, 0, 0), "tts-1", "tts-1-1106"),
    **_same((15, 1, 0, 0, 0), "tts-1-hd", "tts-1-hd-1106"),
    "gpt-4o-transcribe": (1.25, 4, 0, 0, 0),
    "gpt-4o-mini-transcribe": (0.625, 4, 0, 0, 0),
    "gpt-4o-mini-tts": (0.3, 20, 0, 0, 0),
    **_same((0, 1, 0, 0, 0), "dall-e-2", "dall-e-3"),
    "gpt-image-1": (2.5, 1, 0.625, 0, 0),
    "gpt-image-1-mini": (1.0, 1, 0.1, 0, 0),
    # ---- Anthropic
    "claude-3-haiku-20240307": _claude(0.125),
    **_same(_claude(0.4), "claude-3-5-haiku-20241022", "claude-3-5-haiku-latest"),
    **_same(_claude(1.5), "claude-3-sonnet-20240229", "claude-3-5-sonnet-20240620",
            "claude-3-5-sonnet-20241022", "claude-3-5-sonnet-latest",
            "claude-3-7-sonnet-20250219", "claude-3-7-sonnet-latest",
            "claude-sonnet-4-20250514", "claude-sonnet-4-0", "claude-sonnet-4-5",
            "claude-sonnet-4-5-20250929"),
    **_same(_claude(7.5), "claude-3-opus-20240229", "claude-opus-4-20250514", "claude-opus-4-0",
            "claude-opus-4-1", "claude-opus-4-1-20250805"),
    **_same(_claude(2.5), "claude-opus-4-5", "claude-opus-4-5-20251101"),
    **_same(_claude(0.5), "claude-haiku-4-5", "claude-haiku-4-5-20251001"),
    # ---- Google
    "gemini-1.5-flash": (0.0375, 4, 0.009375, 0, 0),
    "gemini-1.5-pro": (0.625, 4, 0.15625, 0, 0),
    "gemini-2.0-flash": (0.075, 4, 0.01875, 0, 0),
    "gemini-2.0-flash-lite": (0.0375, 4, 0, 0, 0),
    "gemini-2.5-flash": (0.15, 8.33, 0.015, 0, 0),
    "gemini-2.5-flash-lite": (0.05, 4, 0.005, 0, 0),
    "gemini-2.5-pro": (0.625, 8, 0.0625, 0, 0),
    "gemini-3-pro-preview": (1.0, 6, 0.1, 0, 0),
    "gemini-embedding-001": (0.075, 1, 0, 0, 0),
    "text-embedding-004": (0, 1, 0, 0, 0),
    # ---- DeepSeek (legacy deepseek-chat / deepseek-reasoner intentionally absent)
    "deepseek-v4-flash": (0.07, 2, 0, 0, 0),
    "deepseek-v4-pro": (0.2175, 2, 0, 0, 0),
    # ---- Alibaba / Zhipu / Moonshot (RMB)
    "qwen-max": (2.4 * RMB, 4, 2.4 * RMB * 0.2, 0, 0),
    "qwen-plus": (0.8 * RMB, 2.5, 0.8 * RMB * 0.2, 0, 0),
    "qwen-turbo": (0.31 * RMB, 2, 0.31 * RMB * 0.2, 0, 0),
    **_same((2 * RMB, 4, 0.4 * RMB, 0, 0), "glm-4.5", "glm-4.6"),
    "glm-4-plus": (5 * RMB, 1, 0, 0, 0),
    "glm-4-flash": (0, 1, 0, 0, 0),
    "moonshot-v1-8k": (12 * RMB, 1, 0, 0, 0),
    "moonshot-v1-32k": (24 * RMB, 1, 0, 0, 0),
    "moonshot-v1-128k": (60 * RMB, 1, 0, 0, 0),
    "kimi-k2": (4 * RMB, 4, 0, 0, 0),
    # ---- Mistral / Groq / xAI / Cohere
    "mistral-large-latest": (1.0, 3, 0, 0, 0),
    "mistral-small-latest": (0.05, 3, 0, 0, 0),
    "open-mistral-nemo": (0.075, 1, 0, 0, 0),
    "mistral-embed": (0.05, 1, 0, 0, 0),
    "llama-3.3-70b-versatile": (0.295, 1.34, 0, 0, 0),
    "llama-3.1-8b-instant": (0.025, 1.6, 0, 0, 0),
    **_same((1.5, 5, 0.375, 0, 0), "grok-4", "grok-3"),
    "grok-3-mini": (0.15, 5 / 3, 0.0375, 0, 0),
    "command-r": (0.075, 4, 0, 0, 0),
    **_same((1.25, 4, 0, 0, 0), "command-r-plus", "command-a-03-2025"),
}

# Token-count tiers (§7.2): applied when prompt >= input threshold (and completion >=
# output threshold); non-zero fields override the base price.
DEFAULT_TIERS: dict[str, tuple[dict, ...]] = {
    "gemini-2.5-pro": ({"input_token_threshold": 200001, "ratio": 1.25,
                        "completion_ratio": 6, "cached_input_ratio": 0.125},),
    "gemini-3-pro-preview": ({"input_token_threshold": 200001, "ratio": 2.0,
                              "completion_ratio": 4.5, "cached_input_ratio": 0.2},),
}

# Fallback (ratio, completion ratio) by channel family when a model is unpriced.
FAMILY_FALLBACK = {"anthropic": (1.5, 5.0), "vertexai": (0.25, 3.0)}
FALLBACK = (1.25, 1.0)

# ---- per-image pricing (§7.6): base USD per image and size/quality multipliers.
# Multiplier keys: (quality, size); quality "" = any.
_GPT_IMAGE_SIZES = ("1024x1024", "1024x1536", "1536x1024")


def _gpt_image(low: tuple, medium: tuple, high: tuple) -> dict:
    table = {}
    for quality, (square, tall) in (("low", low), ("medium", medium), ("high", high),
                                    ("auto", high)):
        table[(quality, "1024x1024")] = square
        table[(quality, "1024x1536")] = tall
        table[(quality, "1536x1024")] = tall
    return table


IMAGE_PRICING: dict[str, dict] = {
    "dall-e-2": {"usd": 0.016, "default_size": "1024x1024", "default_quality": "",
                 "multipliers": {("", "256x256"): 1, ("", "512x512"): 1.125,
                                 ("", "1024x1024"): 1.25},
                 "n": (1, 10), "prompt_limit": 1000},
    "dall-e-3": {"usd": 0.04, "default_size": "1024x1024", "default_quality": "standard",
                 "multipliers": {("standard", "1024x1024"): 1, ("standard", "1024x1792"): 2,
                                 ("standard", "1792x1024"): 2, ("hd", "1024x1024"): 2,
                                 ("hd", "1024x1792"): 3, ("hd", "1792x1024"): 3},
                 "n": (1, 1), "prompt_limit": 4000},
    "gpt-image-1": {"usd": 0.011, "default_size": "1024x1024", "default_quality": "auto",
                    "multipliers": _gpt_image((1, 16 / 11), (42 / 11, 63 / 11),
                                              (167 / 11, 250 / 11)),
                    "n": (1, 1), "prompt_limit": 4000},
    "gpt-image-1-mini": {"usd": 0.005, "default_size": "1024x1024", "default_quality": "auto",
                         "multipliers": _gpt_image((1, 1.2), (2.2, 3), (7.2, 10.4)),
                         "n": (1, 1), "prompt_limit": 4000},
}
IMAGE_PRICING["gpt-image-1.5"] = IMAGE_PRICING["chatgpt-image-latest"] = {
    "usd": 0.009, "default_size": "1024x1024", "default_quality": "auto",
    "multipliers": _gpt_image((1, 13 / 9), (34 / 9, 50 / 9), (133 / 9, 200 / 9)),
    "n": (1, 1), "prompt_limit": 4000,
}

# Flat per-image USD for models without a size table (n 1..4 unless stated).
FLAT_IMAGE_USD: dict[str, float] = {
    "imagen-3.0-generate-002": 0.04, "imagen-4.0-generate-001": 0.04,
    "imagen-4.0-ultra-generate-001": 0.06, "imagen-4.0-fast-generate-001": 0.02,
    "grok-2-image": 0.07, "black-forest-labs/flux-schnell": 0.003,
    "black-forest-labs/flux-dev": 0.025, "black-forest-labs/flux-pro": 0.055,
    "black-forest-labs/flux-1.1-pro": 0.04, "cogview-3": 0.1 / 7, "wanx-v1": 0.16 / 7,
}
FLAT_IMAGE_N = {"grok-2-image": (1, 10), "wanx-v1": (1, 4)}
FLAT_IMAGE_PROMPT_LIMIT = {"cogview-3": 833}
DEFAULT_IMAGE_USD = 0.04  # unknown image model: priced like a standard dall-e-3 image

# Per-call USD (rerank-style models).
PER_CALL_USD: dict[str, float] = {
    "rerank-v3.5": 0.002, "rerank-english-v3.0": 0.002, "rerank-multilingual-v3.0": 0.002,
    "bce-reranker-base": 0.0005,
}

# Built-in tool per-call USD by channel family (§7.3).
TOOL_USD: dict[str, dict[str, float]] = {
    "openai": {"web_search": 0.01, "web_search_preview_reasoning": 0.01,
               "web_search_preview_non_reasoning": 0.025, "file_search": 0.0025,
               "code_interpreter": 0.03},
    "anthropic": {"web_search": 0.01},
    "gemini": {"google_search": 0.035},
}

AUDIO_TOKENS_PER_SECOND = 10
DEFAULT_GROUP_RATIO = {"default": 1, "vip": 1, "svip": 1}
