"""Channel type registry: one-api's numeric channel types as one data table.

Replaces one-api's iota list, the parallel base-URL slice and the ``ToAPIType``
switch. ``family`` names the adaptor (one-api "API type") that serves a type;
every OpenAI-wire-compatible type that one-api routes through its OpenAI
adaptor has family ``"openai"``. Nothing here touches Flask, the DB or the
network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class ChannelType(IntEnum):
    UNKNOWN = 0
    OPENAI = 1
    API2D = 2
    AZURE = 3
    CLOSEAI = 4
    OPENAI_SB = 5
    OPENAI_MAX = 6
    OHMYGPT = 7
    CUSTOM = 8
    AILS = 9
    AIPROXY = 10
    PALM = 11
    API2GPT = 12
    AIGC2D = 13
    ANTHROPIC = 14
    BAIDU = 15
    ZHIPU = 16
    ALI = 17
    XUNFEI = 18
    AI360 = 19
    OPENROUTER = 20
    AIPROXY_LIBRARY = 21
    FASTGPT = 22
    TENCENT = 23
    GEMINI = 24
    MOONSHOT = 25
    BAICHUAN = 26
    MINIMAX = 27
    MISTRAL = 28
    GROQ = 29
    OLLAMA = 30
    LINGYIWANWU = 31
    STEPFUN = 32
    AWS_CLAUDE = 33
    COZE = 34
    COHERE = 35
    DEEPSEEK = 36
    CLOUDFLARE = 37
    DEEPL = 38
    TOGETHERAI = 39
    DOUBAO = 40
    NOVITA = 41
    VERTEXAI = 42
    PROXY = 43
    SILICONFLOW = 44
    XAI = 45
    REPLICATE = 46
    BAIDU_V2 = 47
    XUNFEI_V2 = 48
    ALI_BAILIAN = 49
    OPENAI_COMPATIBLE = 50
    GEMINI_OPENAI_COMPATIBLE = 51
    CLAUDE_COMPATIBLE = 52
    COPILOT = 53
    FIREWORKS = 54
    NVIDIA = 55
    CEREBRAS = 56
    DEEPINFRA = 57
    DUMMY = 58


# Relay endpoint names (match channel ``config.supported_endpoints`` values).
_CHAT_ONLY = ("chat", "response_api", "claude_messages")
_CHAT_EMB = _CHAT_ONLY + ("embeddings",)
_OPENAI_FULL = (
    "chat", "completions", "embeddings", "moderations", "images_generations",
    "images_edits", "audio_speech", "audio_transcription", "audio_translation",
    "response_api", "claude_messages", "realtime", "videos",
)
_OPENAI_COMPATIBLE_BASIC = (
    "chat", "completions", "embeddings", "images_generations", "audio_speech",
    "audio_transcription", "response_api", "claude_messages", "videos",
)

# Types whose upstream balance can be queried (GET /api/channel/update_balance/:id).
BALANCE_TYPES = frozenset({
    ChannelType.OPENAI, ChannelType.CUSTOM, ChannelType.OPENAI_COMPATIBLE,
    ChannelType.CLOSEAI, ChannelType.OPENAI_SB, ChannelType.AIPROXY,
    ChannelType.API2GPT, ChannelType.AIGC2D, ChannelType.SILICONFLOW,
    ChannelType.DEEPSEEK, ChannelType.OPENROUTER,
})


# Listed for name lookup but not offered when creating a channel (sentinels, legacy
# Custom rows are migrated to OpenAI Compatible at boot).
_NOT_SELECTABLE = frozenset({0, 8, 58})


@dataclass(frozen=True)
class ChannelTypeInfo:
    id: int
    name: str
    slug: str
    default_base_url: str
    family: str
    native_format: str
    default_endpoints: tuple[str, ...]
    default_models: tuple[str, ...] = ()
    config_fields: tuple[dict, ...] = ()
    key_hint: str = "API key"
    base_url_required: bool = False
    supports_balance: bool = field(default=False)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "slug": self.slug,
            "default_base_url": self.default_base_url,
            "base_url_required": self.base_url_required,
            "family": self.family,
            "native_format": self.native_format,
            "default_endpoints": list(self.default_endpoints),
            "config_fields": [dict(f) for f in self.config_fields],
            "default_models": list(self.default_models),
            "supports_balance": self.supports_balance,
            "key_hint": self.key_hint,
            "selectable": self.id not in _NOT_SELECTABLE,
        }


def _field(name, label, type_="string", required=False, help_="", options=None, default=None,
           secret=None):
    out = {"name": name, "label": label, "type": type_, "required": required, "help": help_,
           "secret": type_ == "secret" if secret is None else secret}
    if options is not None:
        out["options"] = list(options)
    if default is not None:
        out["default"] = default
    return out


_API_VERSION_AZURE = _field(
    "api_version", "API version", required=True, default="2024-03-01-preview",
    help_="Azure OpenAI api-version query parameter, e.g. 2024-03-01-preview "
          "(o1/o3/o4 models always use 2025-04-01-preview).",
)
_API_FORMAT = _field(
    "api_format", "Upstream API format", "select",
    options=["chat_completion", "response"], default="chat_completion",
    help_="chat_completion sends /v1/chat/completions; response sends chat and Claude "
          "requests to the Response API (/v1/responses).",
)

_OPENAI_MODELS = (
    "gpt-3.5-turbo", "gpt-4", "gpt-4-turbo", "gpt-4o", "gpt-4o-mini", "gpt-4.1",
    "gpt-4.1-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "o1", "o3", "o3-mini", "o4-mini",
    "text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002",
    "omni-moderation-latest", "dall-e-2", "dall-e-3", "gpt-image-1", "whisper-1",
    "tts-1", "tts-1-hd",
)
_CLAUDE_MODELS = (
    "claude-3-5-haiku-20241022", "claude-3-5-sonnet-20241022", "claude-3-7-sonnet-20250219",
    "claude-sonnet-4-20250514", "claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5",
    "claude-opus-4-5",
)
_GEMINI_MODELS = (
    "gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro", "gemini-3-pro-preview",
    "text-embedding-004",
)


def _t(id_, name, slug, url, family, fmt, endpoints, models=(), config=(), key_hint="API key",
       base_url_required=False):
    return ChannelTypeInfo(
        id=int(id_), name=name, slug=slug, default_base_url=url, family=family,
        native_format=fmt, default_endpoints=tuple(endpoints), default_models=tuple(models),
        config_fields=tuple(config), key_hint=key_hint, base_url_required=base_url_required,
        supports_balance=id_ in BALANCE_TYPES,
    )


_OA = "openai_chat"
C = ChannelType

_TABLE = (
    _t(C.UNKNOWN, "Unknown", "unknown", "", "openai", _OA, _CHAT_ONLY),
    _t(C.OPENAI, "OpenAI", "openai", "https://api.openai.com", "openai", _OA, _OPENAI_FULL,
       _OPENAI_MODELS,
       [dict(_API_FORMAT, default="response",
             help="OpenAI channels send chat and Claude requests to the Response API by "
                  "default; choose chat_completion for upstreams that only speak chat.")]),
    _t(C.API2D, "API2D", "api2d", "https://oa.api2d.net", "openai", _OA, _OPENAI_FULL,
       _OPENAI_MODELS),
    _t(C.AZURE, "Azure OpenAI", "azure", "", "azure", _OA,
       ("chat", "completions", "embeddings", "images_generations", "audio_speech",
        "audio_transcription", "response_api", "claude_messages"),
       ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5", "o3-mini", "text-embedding-3-small"),
       [_API_VERSION_AZURE], key_hint="Azure resource key (sent as api-key header)",
       base_url_required=True),
    _t(C.CLOSEAI, "CloseAI", "closeai", "https://api.closeai-proxy.xyz", "openai", _OA,
       _OPENAI_FULL, _OPENAI_MODELS),
    _t(C.OPENAI_SB, "OpenAI-SB", "openaisb", "https://api.openai-sb.com", "openai", _OA,
       _OPENAI_FULL, _OPENAI_MODELS),
    _t(C.OPENAI_MAX, "OpenAIMax", "openaimax", "https://api.openaimax.com", "openai", _OA,
       _OPENAI_FULL, _OPENAI_MODELS),
    _t(C.OHMYGPT, "OhMyGPT", "ohmygpt", "https://api.ohmygpt.com", "openai", _OA,
       _OPENAI_FULL, _OPENAI_MODELS),
    _t(C.CUSTOM, "Custom", "custom", "", "openai", _OA, _OPENAI_COMPATIBLE_BASIC,
       base_url_required=True),
    _t(C.AILS, "AILS", "ails", "https://api.caipacity.com", "openai", _OA, _OPENAI_FULL,
       _OPENAI_MODELS),
    _t(C.AIPROXY, "AIProxy", "aiproxy", "https://api.aiproxy.io", "openai", _OA,
       _OPENAI_FULL, _OPENAI_MODELS),
    _t(C.PALM, "Google PaLM2", "palm", "https://generativelanguage.googleapis.com", "palm",
       "palm", _CHAT_ONLY, ("PaLM-2",)),
    _t(C.API2GPT, "API2GPT", "api2gpt", "https://api.api2gpt.com", "openai", _OA,
       _OPENAI_FULL, _OPENAI_MODELS),
    _t(C.AIGC2D, "AIGC2D", "aigc2d", "https://api.aigc2d.com", "openai", _OA, _OPENAI_FULL,
       _OPENAI_MODELS),
    _t(C.ANTHROPIC, "Anthropic Claude", "anthropic", "https://api.anthropic.com", "anthropic",
       "anthropic_messages", _CHAT_ONLY, _CLAUDE_MODELS),
    _t(C.BAIDU, "Baidu Wenxin", "baidu", "https://aip.baidubce.com", "baidu", "baidu",
       ("chat", "embeddings", "rerank", "response_api", "claude_messages"),
       ("ERNIE-4.0-8K", "ERNIE-3.5-8K", "ERNIE-Speed-8K", "ERNIE-Lite-8K", "Embedding-V1",
        "bge-large-zh", "tao-8k", "bce-reranker-base"),
       key_hint="client_id|client_secret (API Key|Secret Key)"),
    _t(C.ZHIPU, "Zhipu ChatGLM", "zhipu", "https://open.bigmodel.cn", "zhipu", "zhipu",
       ("chat", "embeddings", "images_generations", "response_api", "claude_messages", "ocr"),
       ("glm-4.5", "glm-4-plus", "glm-4-flash", "glm-4v", "embedding-3", "cogview-3"),
       key_hint="API key in id.secret form"),
    _t(C.ALI, "Alibaba Tongyi Qianwen", "ali", "https://dashscope.aliyuncs.com", "ali",
       "ali", ("chat", "embeddings", "images_generations", "response_api", "claude_messages"),
       ("qwen-turbo", "qwen-plus", "qwen-max", "qwen-max-longcontext", "text-embedding-v1",
        "wanx-v1"),
       [_field("plugin", "Plugin", help_="Sent as X-DashScope-Plugin header (optional).")]),
    _t(C.XUNFEI, "iFlytek Spark", "xunfei", "", "xunfei", "xunfei", _CHAT_ONLY,
       ("SparkDesk-v1.1", "SparkDesk-v3.1", "SparkDesk-v3.5", "SparkDesk-v4.0"),
       [_field("api_version", "API version", help_="Spark version, e.g. v3.5 (derived from "
               "the model name when empty).")],
       key_hint="APPID|APISecret|APIKey"),
    _t(C.AI360, "360 ZhiNao", "ai360", "https://ai.360.cn", "openai", _OA, _CHAT_ONLY,
       ("360GPT_S2_V9", "embedding-S2-v1")),
    _t(C.OPENROUTER, "OpenRouter", "openrouter", "https://openrouter.ai/api", "openai", _OA,
       _CHAT_ONLY, ("openai/gpt-4o", "anthropic/claude-sonnet-4", "google/gemini-2.5-pro")),
    _t(C.AIPROXY_LIBRARY, "AIProxy Library", "aiproxylibrary", "https://api.aiproxy.io",
       "aiproxy_library", "aiproxy_library", _CHAT_ONLY, (),
       [_field("library_id", "Library ID", required=True, help_="Knowledge library id.")]),
    _t(C.FASTGPT, "FastGPT", "fastgpt", "https://fastgpt.run/api/openapi", "openai", _OA,
       _OPENAI_FULL),
    _t(C.TENCENT, "Tencent Hunyuan", "tencent", "https://hunyuan.tencentcloudapi.com",
       "tencent", "tencent", _CHAT_ONLY,
       ("hunyuan-lite", "hunyuan-standard", "hunyuan-pro", "hunyuan-embedding"),
       key_hint="AppId|SecretId|SecretKey"),
    _t(C.GEMINI, "Google Gemini", "gemini", "https://generativelanguage.googleapis.com",
       "gemini", "gemini", _CHAT_EMB, _GEMINI_MODELS,
       [_field("api_version", "API version", help_="v1 or v1beta (chosen automatically "
               "when empty).")]),
    _t(C.MOONSHOT, "Moonshot AI", "moonshot", "https://api.moonshot.cn", "moonshot", _OA,
       _CHAT_ONLY, ("moonshot-v1-8k", "moonshot-v1-32k", "moonshot-v1-128k", "kimi-k2")),
    _t(C.BAICHUAN, "Baichuan", "baichuan", "https://api.baichuan-ai.com", "openai", _OA,
       _CHAT_ONLY, ("Baichuan2-Turbo", "Baichuan2-53B", "Baichuan-Text-Embedding")),
    _t(C.MINIMAX, "MiniMax", "minimax", "https://api.minimax.chat", "openai", _OA,
       _CHAT_ONLY, ("abab6.5-chat", "abab6.5s-chat", "abab5.5-chat")),
    _t(C.MISTRAL, "Mistral AI", "mistral", "https://api.mistral.ai", "mistral", _OA,
       _CHAT_EMB, ("mistral-large-latest", "mistral-small-latest", "open-mistral-nemo",
                   "mistral-embed")),
    _t(C.GROQ, "Groq", "groq", "https://api.groq.com/openai", "groq", _OA,
       ("chat", "audio_transcription", "response_api", "claude_messages"),
       ("llama-3.3-70b-versatile", "llama-3.1-8b-instant", "gemma2-9b-it",
        "whisper-large-v3")),
    _t(C.OLLAMA, "Ollama", "ollama", "http://localhost:11434", "ollama", "ollama", _CHAT_EMB,
       ("llama3.1", "qwen2.5", "nomic-embed-text")),
    _t(C.LINGYIWANWU, "01.AI LingYiWanWu", "lingyiwanwu", "https://api.lingyiwanwu.com",
       "openai", _OA, _CHAT_ONLY, ("yi-lightning", "yi-large", "yi-medium")),
    _t(C.STEPFUN, "StepFun", "stepfun", "https://api.stepfun.com", "openai", _OA, _CHAT_ONLY,
       ("step-1-8k", "step-1-32k", "step-2-16k")),
    _t(C.AWS_CLAUDE, "AWS Bedrock", "awsclaude", "", "aws", "aws_bedrock", _CHAT_EMB,
       _CLAUDE_MODELS[:5] + ("llama3-8b-8192", "mistral-large-2402"),
       [_field("region", "Region", required=True, help_="AWS region, e.g. us-east-1."),
        _field("ak", "Access key ID", required=True),
        _field("sk", "Secret access key", "secret", required=True)],
       key_hint="AK|SK|Region"),
    _t(C.COZE, "Coze", "coze", "https://api.coze.com", "coze", "coze", _CHAT_ONLY,
       ("bot-<bot_id>",),
       [_field("user_id", "User ID", help_="Coze user identifier sent with each chat."),
        _field("auth_type", "Auth type", "select",
               options=["personal_access_token", "oauth_jwt"],
               default="personal_access_token",
               help_="oauth_jwt: the key holds the JWT OAuth app config JSON.")],
       key_hint="Personal access token (or OAuth JWT app config JSON)"),
    _t(C.COHERE, "Cohere", "cohere", "https://api.cohere.ai", "cohere", "cohere",
       ("chat", "rerank", "response_api", "claude_messages"),
       ("command-r", "command-r-plus", "command-a-03-2025", "rerank-v3.5")),
    _t(C.DEEPSEEK, "DeepSeek", "deepseek", "https://api.deepseek.com", "deepseek", _OA,
       _CHAT_ONLY, ("deepseek-v4-flash", "deepseek-v4-pro", "deepseek-chat",
                    "deepseek-reasoner")),
    _t(C.CLOUDFLARE, "Cloudflare Workers AI", "cloudflare", "https://api.cloudflare.com",
       "cloudflare", _OA, _CHAT_EMB,
       ("@cf/meta/llama-3.1-8b-instruct", "@cf/qwen/qwen1.5-14b-chat-awq",
        "@cf/baai/bge-base-en-v1.5"),
       [_field("user_id", "Account ID", required=True,
               help_="Cloudflare account id (unless already part of the base URL).")]),
    _t(C.DEEPL, "DeepL", "deepl", "https://api-free.deepl.com", "deepl", "deepl", (),
       ("deepl-ZH", "deepl-EN", "deepl-JA"), key_hint="DeepL auth key"),
    _t(C.TOGETHERAI, "together.ai", "togetherai", "https://api.together.xyz", "openai", _OA,
       ("chat", "completions", "embeddings", "images_generations", "audio_speech",
        "audio_transcription", "audio_translation", "response_api", "claude_messages"),
       ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "Qwen/Qwen2.5-72B-Instruct-Turbo")),
    _t(C.DOUBAO, "ByteDance Doubao", "doubao", "https://ark.cn-beijing.volces.com", "openai",
       _OA, _CHAT_EMB, ("doubao-pro-32k", "doubao-lite-32k", "doubao-embedding")),
    _t(C.NOVITA, "Novita", "novita", "https://api.novita.ai/v3/openai", "openai", _OA,
       _CHAT_ONLY, ("meta-llama/llama-3.1-8b-instruct",)),
    _t(C.VERTEXAI, "Google Vertex AI", "vertexai", "", "vertexai", "vertexai",
       ("chat", "embeddings", "images_generations", "response_api", "claude_messages"),
       _GEMINI_MODELS[:4] + ("claude-sonnet-4@20250514", "imagen-3.0-generate-002"),
       [_field("region", "Region", default="us-central1",
               help_="Vertex AI location (Gemini 2.5+ uses the global endpoint)."),
        _field("vertex_ai_project_id", "Project ID", required=True),
        _field("vertex_ai_adc", "Service account JSON", "textarea", required=True, secret=True,
               help_="Google service-account credentials JSON (kept secret).")],
       key_hint="Not used (credentials come from the service account JSON)"),
    _t(C.PROXY, "Proxy", "proxy", "", "proxy", "raw", _OPENAI_FULL,
       key_hint="Sent verbatim as the Authorization header", base_url_required=True),
    _t(C.SILICONFLOW, "SiliconFlow", "siliconflow", "https://api.siliconflow.cn", "openai",
       _OA, _CHAT_EMB, ("deepseek-ai/DeepSeek-V3", "Qwen/Qwen2.5-7B-Instruct",
                        "BAAI/bge-m3")),
    _t(C.XAI, "xAI", "xai", "https://api.x.ai", "xai", _OA,
       ("chat", "embeddings", "images_generations", "videos", "response_api",
        "claude_messages"), ("grok-4", "grok-3", "grok-3-mini", "grok-2-image")),
    _t(C.REPLICATE, "Replicate", "replicate", "https://api.replicate.com/v1/models/",
       "replicate", "replicate",
       ("chat", "images_generations", "response_api", "claude_messages"),
       ("black-forest-labs/flux-schnell", "black-forest-labs/flux-pro",
        "meta/meta-llama-3-8b-instruct")),
    _t(C.BAIDU_V2, "Baidu Qianfan V2", "baiduv2", "https://qianfan.baidubce.com", "openai",
       _OA, ("chat", "rerank", "response_api", "claude_messages"),
       ("ernie-4.0-8k-latest", "ernie-3.5-8k", "ernie-speed-8k")),
    _t(C.XUNFEI_V2, "iFlytek Spark V2", "xunfeiv2", "https://spark-api-open.xf-yun.com",
       "openai", _OA, _CHAT_ONLY, ("lite", "generalv3.5", "4.0Ultra")),
    _t(C.ALI_BAILIAN, "Alibaba Bailian", "alibailian", "https://dashscope.aliyuncs.com",
       "openai", _OA, _CHAT_EMB, ("qwen-turbo", "qwen-plus", "qwen-max", "text-embedding-v3")),
    _t(C.OPENAI_COMPATIBLE, "OpenAI Compatible", "openaicompatible", "", "openai", _OA,
       _OPENAI_COMPATIBLE_BASIC, (), [_API_FORMAT], base_url_required=True),
    _t(C.GEMINI_OPENAI_COMPATIBLE, "Gemini (OpenAI compatible)", "geminiopenaicompatible",
       "https://generativelanguage.googleapis.com/v1beta/openai/", "openai", _OA, _CHAT_EMB,
       _GEMINI_MODELS),
    _t(C.CLAUDE_COMPATIBLE, "Claude Compatible", "claudecompatible", "", "anthropic",
       "anthropic_messages", _CHAT_ONLY, _CLAUDE_MODELS, base_url_required=True),
    _t(C.COPILOT, "GitHub Copilot", "copilot", "https://api.githubcopilot.com", "copilot",
       _OA, ("chat", "embeddings", "response_api"), ("gpt-4o", "gpt-4.1", "claude-sonnet-4"),
       key_hint="GitHub token (exchanged for a Copilot token)"),
    _t(C.FIREWORKS, "Fireworks AI", "fireworks", "https://api.fireworks.ai/inference",
       "fireworks", _OA,
       ("chat", "completions", "embeddings", "rerank", "response_api", "claude_messages"),
       ("accounts/fireworks/models/llama-v3p1-70b-instruct",)),
    _t(C.NVIDIA, "NVIDIA NIM", "nvidia", "https://integrate.api.nvidia.com/v1", "nvidia", _OA,
       _CHAT_ONLY, ("meta/llama-3.1-70b-instruct", "nvidia/llama-3.1-nemotron-70b-instruct")),
    _t(C.CEREBRAS, "Cerebras", "cerebras", "https://api.cerebras.ai/v1", "cerebras", _OA,
       _CHAT_ONLY, ("llama3.1-8b", "llama-3.3-70b", "gpt-oss-120b")),
    _t(C.DEEPINFRA, "DeepInfra", "deepinfra", "https://api.deepinfra.com", "deepinfra", _OA,
       ("chat", "completions", "embeddings", "images_generations", "images_edits",
        "audio_speech", "audio_transcription", "rerank", "response_api", "claude_messages"),
       ("meta-llama/Meta-Llama-3.1-70B-Instruct", "deepseek-ai/DeepSeek-V3")),
    _t(C.DUMMY, "Dummy", "dummy", "", "dummy", "none", ()),
)

CHANNEL_TYPES: dict[int, ChannelTypeInfo] = {info.id: info for info in _TABLE}
del C


def is_known(type_id: int) -> bool:
    """True for every one-api channel type id (0..58)."""
    try:
        return int(type_id) in CHANNEL_TYPES
    except (TypeError, ValueError):
        return False


def get_channel_type(type_id: int) -> ChannelTypeInfo:
    """Return the registry entry; raise KeyError for an unknown id."""
    try:
        return CHANNEL_TYPES[int(type_id)]
    except (TypeError, ValueError):
        raise KeyError(type_id) from None


def default_base_url(type_id: int) -> str:
    """Default upstream origin for a type ('' when the admin must provide one)."""
    return get_channel_type(type_id).default_base_url


def supports_balance(type_id: int) -> bool:
    return is_known(type_id) and get_channel_type(type_id).supports_balance


def channel_type_metadata() -> list[dict]:
    """JSON-ready list (ids 0..58) served by GET /api/channel/types.

    The frontend offers only entries with ``selectable`` in the type picker and uses
    the whole list to display names of existing channels.
    """
    return [info.to_dict() for info in _TABLE]


def types_in_family(family: str) -> list[ChannelType]:
    return [ChannelType(info.id) for info in _TABLE if info.family == family]
