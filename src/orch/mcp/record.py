"""Record the SDK server's own answers to the MCP handshake into ``handshake.json``.

The handshake front (:mod:`orch.mcp.front`) answers ``initialize``, ``server/discover``,
``tools/list`` and ``ping`` from that file while the SDK is still importing; this module
produces it by driving orch's real server (:func:`orch.mcp.server.build_server`) through the
SDK's stdio transport, once per protocol version the SDK speaks. ``tests/test_mcp_front.py``
fails when the file and a fresh recording differ. Rewrite it with
``python -m orch.mcp.record``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import anyio
from mcp_types import (
    CLIENT_CAPABILITIES_META_KEY,
    CLIENT_INFO_META_KEY,
    PROTOCOL_VERSION_META_KEY,
)
from mcp_types.version import (
    HANDSHAKE_PROTOCOL_VERSIONS,
    LATEST_HANDSHAKE_VERSION,
    MODERN_PROTOCOL_VERSIONS,
)

from orch.mcp.front import HANDSHAKE_FILE, LISTEN_ACK
from orch.mcp.server import build_server, serve_streams

CLIENT_INFO = {"name": "orch-record", "version": "0"}
LISTEN_FILTER = {"toolsListChanged": True, "promptsListChanged": True, "resourcesListChanged": True}
"""The ``subscriptions/listen`` filter recorded: the one Claude Code sends before its list."""


class _Exchange:
    """Feeds requests one at a time, each after the previous one's answer, then EOF."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.answers: list[dict[str, Any]] = []
        self._answered = anyio.Event()

    async def __aiter__(self) -> AsyncIterator[str]:
        for message in self.messages:
            self._answered = anyio.Event()
            yield json.dumps(message) + "\n"
            if "id" in message:
                await self._answered.wait()

    async def write(self, text: str) -> None:
        self.answers.append(json.loads(text))
        self._answered.set()

    async def flush(self) -> None:
        return None


def exchange(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The real server's replies to ``messages``, sent in order over one connection."""
    lines = _Exchange(messages)
    anyio.run(serve_streams, build_server(Path.cwd()), lines, lines)
    return lines.answers


def request(ident: int, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A JSON-RPC request (no ``params`` key when None)."""
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        message["params"] = params
    return message


def envelope(protocol_version: str) -> dict[str, Any]:
    """The per-request ``_meta`` envelope of the modern (stateless) protocol."""
    return {"_meta": {PROTOCOL_VERSION_META_KEY: protocol_version,
                      CLIENT_INFO_META_KEY: CLIENT_INFO, CLIENT_CAPABILITIES_META_KEY: {}}}


def results(answers: list[dict[str, Any]], methods: list[str]) -> dict[str, Any]:
    """``{method: result}`` from answers whose ids are 1, 2, … in ``methods`` order."""
    by_id = {answer["id"]: answer for answer in answers if "id" in answer}
    recorded = {}
    for ident, method in enumerate(methods, start=1):
        answer = by_id[ident]
        if "result" not in answer:
            raise RuntimeError(f"the SDK answered {method} with an error: {answer}")
        recorded[method] = answer["result"]
    return recorded


def record_answers() -> dict[str, Any]:
    """The real server's answers to the handshake requests, per protocol version."""
    handshake = {}
    for protocol_version in HANDSHAKE_PROTOCOL_VERSIONS:
        init = {"protocolVersion": protocol_version, "capabilities": {}, "clientInfo": CLIENT_INFO}
        answers = exchange([
            request(1, "initialize", init),
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            request(2, "tools/list"),
            request(3, "ping"),
        ])
        handshake[protocol_version] = results(answers, ["initialize", "tools/list", "ping"])
    modern = {}
    methods = ["server/discover", "tools/list"]  # no ping at 2026-07-28: the SDK has none
    for protocol_version in MODERN_PROTOCOL_VERSIONS:
        listen = {**envelope(protocol_version), "notifications": LISTEN_FILTER}
        answers = exchange([*(request(ident, method, envelope(protocol_version))
                              for ident, method in enumerate(methods, start=1)),
                            request(len(methods) + 1, "subscriptions/listen", listen)])
        modern[protocol_version] = results(answers, methods)
        # A listen stream's first frame is its acknowledgement, a notification; it stays open.
        acks = [answer for answer in answers if answer.get("method") == LISTEN_ACK]
        if len(acks) != 1:
            raise RuntimeError(f"the SDK acknowledged subscriptions/listen with {acks}")
        modern[protocol_version]["subscriptions/listen"] = {"notifications": LISTEN_FILTER,
                                                             "ack": acks[0]}
    return {
        "sdk": {"mcp": version("mcp"), "mcp_types": version("mcp_types")},
        "latest_handshake": LATEST_HANDSHAKE_VERSION,
        "handshake": handshake,
        "modern": modern,
    }


def main() -> None:
    """Rewrite ``handshake.json`` from the installed SDK and orch's server."""
    HANDSHAKE_FILE.write_text(json.dumps(record_answers(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {HANDSHAKE_FILE}")


if __name__ == "__main__":
    main()
