"""A loopback Gemini API: ``POST /{version}/models/{model}:generateContent``,
``:streamGenerateContent?alt=sse`` and ``:batchEmbedContents``.

Scenarios (``X-Mock-Scenario``): ``ok`` (text), ``tools`` (a ``functionCall``), ``thinking``
(a thought part + text), ``image`` (text + ``inlineData`` PNG), ``error`` (``X-Mock-Status``,
Google error body). The key must arrive in ``x-goog-api-key``.
usageMetadata: prompt 12 (cached 2), candidates 6, thoughts 4, total 22.
"""
from __future__ import annotations

import re

from .wire import WireHandler, WireServer

USAGE = {"promptTokenCount": 12, "candidatesTokenCount": 6, "thoughtsTokenCount": 4,
         "cachedContentTokenCount": 2, "totalTokenCount": 22}
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
_PATH = re.compile(r"^/(v1beta|v1)/models/([^:]+):(generateContent|streamGenerateContent|batchEmbedContents)")
STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED",
          500: "INTERNAL", 503: "UNAVAILABLE"}


def error_body(status: int, message: str = "mock error") -> dict:
    return {"error": {"code": status, "message": message, "status": STATUS.get(status, "INTERNAL")}}


class _Handler(WireHandler):
    def do_POST(self):
        _raw, body = self.read_body()
        opts = self.options()
        match = _PATH.match(self.path)
        if not match:
            return self.json(404, error_body(404, f"unknown path {self.path}"))
        if not self.headers.get("x-goog-api-key"):
            return self.json(403, error_body(403, "Method doesn't allow unregistered callers"))
        if body is None:
            return self.json(400, error_body(400, "Invalid JSON payload"))
        action = match.group(3)
        if action == "batchEmbedContents":
            return self.json(200, {"embeddings": [{"values": [0.5, 0.25, float(i)]}
                                                  for i, _ in enumerate(body.get("requests") or [])]})
        if not body.get("contents"):
            return self.json(400, error_body(400, "contents is not specified"))
        scenario = opts.get("scenario", "ok")
        if scenario == "error":
            status = int(opts.get("status") or 500)
            return self.json(status, error_body(status))
        parts = self._parts(scenario)
        if action == "generateContent":
            if scenario == "ok":
                parts = [{"text": "Hello from Gemini"}]
            return self.json(200, {"candidates": [{"content": {"role": "model", "parts": parts},
                                                   "finishReason": "STOP", "index": 0}],
                                   "usageMetadata": dict(USAGE), "modelVersion": match.group(2)})
        if "alt=sse" not in self.path:
            return self.json(400, error_body(400, "mock only streams with alt=sse"))
        self.start_stream()
        try:
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                chunk = {"candidates": [{"content": {"role": "model", "parts": [part]}, "index": 0}],
                         "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12} if not last else dict(USAGE),
                         "modelVersion": match.group(2)}
                if last:
                    chunk["candidates"][0]["finishReason"] = "STOP"
                self.sse(chunk)
            self.end_chunks()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _parts(self, scenario: str) -> list[dict]:
        if scenario == "tools":
            return [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}]
        if scenario == "thinking":
            return [{"text": "Pondering.", "thought": True}, {"text": "Hello "}, {"text": "from Gemini"}]
        if scenario == "image":
            return [{"text": "Here it is"}, {"inlineData": {"mimeType": "image/png", "data": PNG}}]
        return [{"text": "Hello "}, {"text": "from "}, {"text": "Gemini"}]


def start_gemini_mock() -> WireServer:
    return WireServer(_Handler).start()
