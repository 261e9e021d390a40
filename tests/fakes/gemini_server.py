"""A real HTTP server on 127.0.0.1 speaking the Gemini API (``generateContent`` and
``streamGenerateContent?alt=sse``) as Gemini CLI uses it with ``GOOGLE_GEMINI_BASE_URL``.

Replies come from a script: text, a function call, or an HTTP error status with a Google
error body (``{"error": {"code", "message", "status"}}``). Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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


class FakeGemini:
    """Serves scripted replies; ``default`` answers once the script is used up."""

    def __init__(self) -> None:
        self.script: deque[Turn | Fault] = deque()
        self.default: Turn | Fault = Turn(text="done")
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, *items: Turn | Fault) -> FakeGemini:
        self.script.extend(items)
        return self

    def start(self) -> FakeGemini:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def model_calls(self) -> list[dict[str, Any]]:
        """The recorded generate requests (not token counts)."""
        return [body for path, body in self.requests if "generateContent" in path
                or "GenerateContent" in path]

    def _next(self) -> Turn | Fault:
        return self.script.popleft() if self.script else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._send(200, "application/json", b'{"models": []}')

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                body = json.loads(raw or b"{}")
                fake.requests.append((self.path, body))
                if ":countTokens" in self.path:
                    self._send(200, "application/json", b'{"totalTokens": 100}')
                    return
                if "enerateContent" not in self.path:
                    self._send(404, "application/json", b'{"error": {"code": 404}}')
                    return
                item = fake._next()
                if isinstance(item, Fault):
                    error = {"error": {"code": item.status, "message": item.message,
                                       "status": STATUS_NAMES.get(item.status, "UNKNOWN")}}
                    self._send(item.status, "application/json", json.dumps(error).encode())
                    return
                reply = _reply(item, self.path)
                if "alt=sse" in self.path:
                    self._send(200, "text/event-stream",
                               f"data: {json.dumps(reply)}\r\n\r\n".encode())
                else:
                    self._send(200, "application/json", json.dumps(reply).encode())

            def _send(self, status: int, kind: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

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
