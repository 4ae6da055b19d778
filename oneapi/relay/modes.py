"""Relay modes (one-api ``relaymode`` numbers) and the path → mode table."""
from __future__ import annotations

from enum import IntEnum


class RelayMode(IntEnum):
    UNKNOWN = 0
    CHAT = 1
    COMPLETIONS = 2
    EMBEDDINGS = 3
    MODERATIONS = 4
    IMAGES_GENERATIONS = 5
    EDITS = 6
    AUDIO_SPEECH = 7
    AUDIO_TRANSCRIPTION = 8
    AUDIO_TRANSLATION = 9
    PROXY = 10
    RERANK = 11
    IMAGES_EDITS = 12
    RESPONSE_API = 13
    CLAUDE_MESSAGES = 14
    REALTIME = 15
    VIDEOS = 16
    OCR = 17
    VOICE_CLONE = 18


# Endpoint capability names (channel ``config.supported_endpoints`` / type defaults).
ENDPOINT_NAMES: dict[RelayMode, str] = {
    RelayMode.CHAT: "chat",
    RelayMode.COMPLETIONS: "completions",
    RelayMode.EMBEDDINGS: "embeddings",
    RelayMode.MODERATIONS: "moderations",
    RelayMode.IMAGES_GENERATIONS: "images_generations",
    RelayMode.IMAGES_EDITS: "images_edits",
    RelayMode.AUDIO_SPEECH: "audio_speech",
    RelayMode.AUDIO_TRANSCRIPTION: "audio_transcription",
    RelayMode.AUDIO_TRANSLATION: "audio_translation",
    RelayMode.RERANK: "rerank",
    RelayMode.RESPONSE_API: "response_api",
    RelayMode.CLAUDE_MESSAGES: "claude_messages",
    RelayMode.REALTIME: "realtime",
    RelayMode.VIDEOS: "videos",
    RelayMode.OCR: "ocr",
}

# Upstream path of each mode on an OpenAI-wire server (appended to ``<base>/v1``).
OPENAI_PATHS: dict[RelayMode, str] = {
    RelayMode.CHAT: "/chat/completions",
    RelayMode.COMPLETIONS: "/completions",
    RelayMode.EMBEDDINGS: "/embeddings",
    RelayMode.MODERATIONS: "/moderations",
    RelayMode.EDITS: "/edits",
    RelayMode.IMAGES_GENERATIONS: "/images/generations",
    RelayMode.IMAGES_EDITS: "/images/edits",
    RelayMode.AUDIO_SPEECH: "/audio/speech",
    RelayMode.AUDIO_TRANSCRIPTION: "/audio/transcriptions",
    RelayMode.AUDIO_TRANSLATION: "/audio/translations",
    RelayMode.RERANK: "/rerank",
    RelayMode.RESPONSE_API: "/responses",
    RelayMode.CLAUDE_MESSAGES: "/messages",
}

# Token-counting mode names understood by ``tokenizer.count_input_tokens``.
COUNT_MODES: dict[RelayMode, str] = {
    RelayMode.CHAT: "chat",
    RelayMode.COMPLETIONS: "completions",
    RelayMode.EMBEDDINGS: "embeddings",
    RelayMode.MODERATIONS: "moderations",
    RelayMode.EDITS: "edits",
}


def endpoint_name(mode: RelayMode) -> str | None:
    return ENDPOINT_NAMES.get(mode)


def mode_for_path(path: str) -> RelayMode:
    """one-api ``relaymode.GetByPath`` (first match wins)."""
    if path.startswith("/v1/realtime"):
        return RelayMode.REALTIME
    if path.startswith("/v1/oneapi/proxy"):
        return RelayMode.PROXY
    if path.startswith("/v1/responses"):
        return RelayMode.RESPONSE_API
    if path.startswith("/v1/messages"):
        return RelayMode.CLAUDE_MESSAGES
    if path.startswith("/v1/chat/completions"):
        return RelayMode.CHAT
    if path.startswith("/v1/completions"):
        return RelayMode.COMPLETIONS
    if path.startswith("/v1/embeddings") or path.endswith("embeddings"):
        return RelayMode.EMBEDDINGS
    if path.startswith("/v1/rerank") or path.endswith(("/v2/rerank", "/rerank", "/rerankers")):
        return RelayMode.RERANK
    table = (
        ("/v1/moderations", RelayMode.MODERATIONS),
        ("/v1/images/generations", RelayMode.IMAGES_GENERATIONS),
        ("/v1/edits", RelayMode.EDITS),
        ("/v1/audio/speech", RelayMode.AUDIO_SPEECH),
        ("/v1/audio/transcriptions", RelayMode.AUDIO_TRANSCRIPTION),
        ("/v1/audio/translations", RelayMode.AUDIO_TRANSLATION),
        ("/v1/images/edits", RelayMode.IMAGES_EDITS),
        ("/v1/videos", RelayMode.VIDEOS),
    )
    for prefix, mode in table:
        if path.startswith(prefix):
            return mode
    return RelayMode.UNKNOWN
