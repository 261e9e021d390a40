"""A real HTTP server on 127.0.0.1 speaking the OpenAI Responses API (``POST /v1/responses``,
SSE streaming) as Codex CLI uses it through a ``model_providers`` entry with
``wire_api = "responses"``.

Replies come from a script: a text answer, a function call (the tool Codex offers to run a
command), or an HTTP error status with an OpenAI error body. Every request body is recorded.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.scripted_server import JsonHandler, ScriptedServer

_ids = itertools.count(1)


@dataclass
class Answer:
    """One model turn: text, or a call of ``tool`` with ``arguments``."""

    text: str = ""
    tool: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    input_tokens: int = 1000
    cached_tokens: int = 200
    cache_write_tokens: int = 50
    output_tokens: int = 80
    reasoning_tokens: int = 30


@dataclass
class Error:
    """An HTTP error status with an OpenAI-style error body."""

    status: int
    message: str = "server error"
    code: str = "server_error"


class FakeResponses(ScriptedServer[Answer | Error]):
    """Serves scripted replies; ``default`` answers once the script is used up."""

    def __init__(self) -> None:
        super().__init__(Answer(text="done"))

    @property
    def url(self) -> str:
        return f"{self.origin}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:
                self.send(200, "application/json", b'{"object": "list", "data": []}')

            def do_POST(self) -> None:
                raw = self.body()
                if not self.path.rstrip("/").endswith("/responses"):
                    self.send(404, "application/json", b'{"error": {"message": "not found"}}')
                    return
                body = json.loads(raw)
                fake.requests.append(body)
                item = fake.next_item()
                if isinstance(item, Error):
                    payload = {"error": {"message": item.message, "type": item.code,
                                         "code": item.code, "param": None}}
                    self.send(item.status, "application/json", json.dumps(payload).encode())
                    return
                data = "".join(f"event: {kind}\ndata: {json.dumps(event)}\n\n"
                               for kind, event in _events(body, item)).encode()
                self.send(200, "text/event-stream", data)

        return Handler


def _events(body: dict[str, Any], answer: Answer) -> Any:
    """The SSE events of one streamed response, as the Responses API sends them."""
    response_id = f"resp_{next(_ids):05d}"
    base = {"id": response_id, "object": "response", "model": body.get("model", "gpt-test"),
            "status": "in_progress", "output": []}
    yield "response.created", {"type": "response.created", "response": base}
    if answer.tool is not None:
        item: dict[str, Any] = {"type": "function_call", "id": f"fc_{next(_ids)}",
                                "call_id": f"call_{next(_ids)}", "name": answer.tool,
                                "arguments": json.dumps(answer.arguments), "status": "completed"}
    else:
        item = {"type": "message", "id": f"msg_{next(_ids)}", "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": answer.text, "annotations": []}]}
        yield "response.output_item.added", {"type": "response.output_item.added",
                                             "output_index": 0,
                                             "item": {**item, "content": [],
                                                      "status": "in_progress"}}
        yield "response.output_text.delta", {"type": "response.output_text.delta",
                                              "item_id": item["id"], "output_index": 0,
                                              "content_index": 0, "delta": answer.text}
    yield "response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                                        "item": item}
    usage = {"input_tokens": answer.input_tokens,
             "input_tokens_details": {"cached_tokens": answer.cached_tokens,
                                      "cache_write_tokens": answer.cache_write_tokens},
             "output_tokens": answer.output_tokens,
             "output_tokens_details": {"reasoning_tokens": answer.reasoning_tokens},
             "total_tokens": answer.input_tokens + answer.output_tokens}
    yield "response.completed", {"type": "response.completed", "response": {
        **base, "status": "completed", "output": [item], "usage": usage}}
