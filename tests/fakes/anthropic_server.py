"""A real HTTP server on 127.0.0.1 speaking the Anthropic Messages API wire format.

Plain JSON and SSE streaming (``"stream": true``) replies, error statuses with headers, and
errors inside a stream. Replies come from a script; every request body and header is recorded.
Point the official SDK at it with ``ANTHROPIC_BASE_URL=server.url``.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.scripted_server import JsonHandler, ScriptedServer

_ids = itertools.count(1)


@dataclass
class Reply:
    """A successful model turn."""

    content: list[dict[str, Any]]
    stop_reason: str = "end_turn"
    input_tokens: int = 100
    output_tokens: int = 20
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


@dataclass
class Failure:
    """An error reply: an HTTP status with an error body, or (``in_stream``) an SSE error event."""

    status: int
    error_type: str = "api_error"
    message: str = "Internal server error"
    headers: dict[str, str] = field(default_factory=dict)
    in_stream: bool = False


@dataclass
class Stall:
    """No answer for ``seconds`` (or until the server stops), then ``then``: a hung API."""

    seconds: float = 60.0
    then: Reply | None = None


def text(value: str, stop_reason: str = "end_turn", **usage: int) -> Reply:
    """A reply with one text block."""
    return Reply([{"type": "text", "text": value}], stop_reason, **usage)


def tool(name: str, tool_input: dict[str, Any], say: str = "", **usage: int) -> Reply:
    """A reply asking for one tool call."""
    content: list[dict[str, Any]] = [{"type": "text", "text": say}] if say else []
    content.append({"type": "tool_use", "id": f"toolu_{next(_ids):04d}", "name": name,
                    "input": tool_input})
    return Reply(content, "tool_use", **usage)


class FakeAnthropic(ScriptedServer[Reply | Failure | Stall]):
    """Serves scripted replies; ``default`` answers once the script is used up."""

    def __init__(self) -> None:
        super().__init__(text("done"))
        self.released = threading.Event()
        self.headers: list[dict[str, str]] = []
        self.raw_sizes: list[int] = []
        # A client that gave up on a stalled reply closes the socket: not worth a traceback.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]

    @property
    def url(self) -> str:
        return self.origin

    def stop(self) -> None:
        self.released.set()
        super().stop()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_POST(self) -> None:
                raw = self.body()
                if not self.path.startswith("/v1/messages"):
                    self._json(404, {"type": "error", "error": {"type": "not_found_error",
                                                                "message": self.path}})
                    return
                body = json.loads(raw)
                fake.requests.append(body)
                fake.raw_sizes.append(len(raw))
                fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                item = fake.next_item()
                if isinstance(item, Stall):
                    fake.released.wait(item.seconds)
                    item = item.then or text("late")
                if isinstance(item, Failure) and not item.in_stream:
                    self._json(item.status, {"type": "error", "error": {
                        "type": item.error_type, "message": item.message}}, item.headers)
                elif body.get("stream"):
                    self._sse(body, item)
                else:
                    assert isinstance(item, Reply)
                    self._json(200, _message(body, item))

            def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None
                      ) -> None:
                self.send(status, "application/json", json.dumps(payload).encode(),
                          {"request-id": f"req_{next(_ids)}", **(headers or {})})

            def _sse(self, body: dict[str, Any], item: Reply | Failure) -> None:
                data = "".join(f"event: {name}\ndata: {json.dumps(payload)}\n\n"
                               for name, payload in _events(body, item)).encode()
                self.send(200, "text/event-stream", data, {"cache-control": "no-cache"})

        return Handler


def _message(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    return {
        "id": f"msg_{next(_ids):05d}", "type": "message", "role": "assistant",
        "model": body.get("model", "claude-test"), "content": reply.content,
        "stop_reason": reply.stop_reason, "stop_sequence": None,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens,
                  "cache_creation_input_tokens": reply.cache_creation_input_tokens,
                  "cache_read_input_tokens": reply.cache_read_input_tokens},
    }


def _events(body: dict[str, Any], item: Reply | Failure) -> Any:
    """The SSE events of one streamed reply, as the API sends them."""
    if isinstance(item, Failure):
        yield "message_start", {"type": "message_start", "message": _message(
            body, Reply([], "end_turn"))}
        yield "error", {"type": "error", "error": {"type": item.error_type,
                                                   "message": item.message}}
        return
    start = _message(body, item)
    start.update(content=[], stop_reason=None)
    start["usage"] = {**start["usage"], "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": start}
    yield "ping", {"type": "ping"}
    for index, block in enumerate(item.content):
        if block["type"] == "text":
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": {"type": "text", "text": ""}}
            words = block["text"].split(" ")
            for n, word in enumerate(words):
                piece = word if n == 0 else " " + word
                yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "text_delta", "text": piece}}
        else:
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": {**block, "input": {}}}
            encoded = json.dumps(block["input"])
            for at in range(0, len(encoded), 7):
                yield "content_block_delta", {"type": "content_block_delta", "index": index,
                                              "delta": {"type": "input_json_delta",
                                                        "partial_json": encoded[at:at + 7]}}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield "message_delta", {"type": "message_delta",
                            "delta": {"stop_reason": item.stop_reason, "stop_sequence": None},
                            "usage": {"output_tokens": item.output_tokens}}
    yield "message_stop", {"type": "message_stop"}
