"""The plumbing the scripted provider fakes share: a threaded HTTP server on 127.0.0.1 that
answers each model call with the next scripted item, then ``default``; every fake in
tests/fakes that plays a provider API is one."""

from __future__ import annotations

import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, Self, TypeVar

Item = TypeVar("Item")


class ScriptedServer(Generic[Item]):
    """Subclasses give ``default`` and ``_handler()``; tests ``add()`` replies and ``start()``."""

    def __init__(self, default: Item) -> None:
        self.script: deque[Item] = deque()
        self.default = default
        self.requests: list[Any] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, *items: Item) -> Self:
        self.script.extend(items)
        return self

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_item(self) -> Item:
        return self.script.popleft() if self.script else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 handler with one way to send a body."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def body(self) -> bytes:
        """The request body, as long as its content-length says."""
        return self.rfile.read(int(self.headers.get("content-length", "0")))

    def send(self, status: int, kind: str, data: bytes,
             headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("content-type", kind)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
