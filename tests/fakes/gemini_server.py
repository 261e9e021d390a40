"""A real HTTP server on 127.0.0.1 speaking the Gemini API (``generateContent`` and
``streamGenerateContent?alt=sse``) as Gemini CLI uses it with ``GOOGLE_GEMINI_BASE_URL``.

Replies come from a script: text, a function call, or an HTTP error status with a Google
error body (``{"error": {"code", "message", "status"}}``). Every request is recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.scripted_server import JsonHandler, ScriptedServer

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


@dataclass
class Turn:
    """One model turn: text, or a call of ``function`` with ``args``."""

    text: str = ""
    function: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    prompt_tokens: int = 500
    cached_tokens: int = 100
    output_tokens: int = 40


@dataclass
class Fault:
    """An HTTP error status with a Google API error body."""

    status: int
    message: str = "Internal error encountered."


class FakeGemini(ScriptedServer[Turn | Fault]):
    """Serves scripted replies; ``default`` answers once the script is used up."""

    def __init__(self) -> None:
        super().__init__(Turn(text="done"))

    @property
    def url(self) -> str:
        return self.origin

    def model_calls(self) -> list[dict[str, Any]]:
        """The recorded generate requests (not token counts)."""
        return [body for path, body in self.requests if "enerateContent" in path]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                self.send(200, "application/json", b'{"models": []}')

            def do_POST(self) -> None:
                raw = self.body()
                fake.requests.append((self.path, json.loads(raw or b"{}")))
                if ":countTokens" in self.path:
                    self.send(200, "application/json", b'{"totalTokens": 100}')
                    return
                if "enerateContent" not in self.path:
                    self.send(404, "application/json", b'{"error": {"code": 404}}')
                    return
                item = fake.next_item()
                if isinstance(item, Fault):
                    error = {"error": {"code": item.status, "message": item.message,
                                       "status": STATUS_NAMES.get(item.status, "UNKNOWN")}}
                    self.send(item.status, "application/json", json.dumps(error).encode())
                    return
                reply = json.dumps(_reply(item, self.path))
                if "alt=sse" in self.path:
                    self.send(200, "text/event-stream", f"data: {reply}\r\n\r\n".encode())
                else:
                    self.send(200, "application/json", reply.encode())

        return Handler


def _reply(turn: Turn, path: str) -> dict[str, Any]:
    part: dict[str, Any] = ({"functionCall": {"name": turn.function, "args": turn.args}}
                            if turn.function else {"text": turn.text})
    model = path.split("/models/")[-1].split(":")[0] if "/models/" in path else "gemini-test"
    return {"candidates": [{"content": {"role": "model", "parts": [part]},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": turn.prompt_tokens,
                              "cachedContentTokenCount": turn.cached_tokens,
                              "candidatesTokenCount": turn.output_tokens,
                              "totalTokenCount": turn.prompt_tokens + turn.output_tokens},
            "modelVersion": model}
