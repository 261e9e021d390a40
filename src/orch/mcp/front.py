"""The handshake front of ``orch mcp``: a handshake accelerator, not an MCP implementation.

Importing the MCP SDK (its pydantic protocol models) takes longer than some clients wait for
a server's tool list (issue 23: Claude Code in ``-p`` mode went ahead without orch's tools).
So ``orch mcp`` starts importing the SDK and its server module (:mod:`orch.mcp.server`) on a
thread at once (before the CLI itself is imported: :func:`start_early`, called by
``orch.cli.entry``) and, meanwhile, answers a client's opening requests itself, from
``handshake.json``: the SDK server's own answers, recorded per protocol version by
:mod:`orch.mcp.record` (``tests/test_mcp_front.py`` fails when they drift). It answers only:

- ``initialize`` as the first request, with the SDK's negotiation (the client's version when
  the SDK speaks it, else the latest handshake version), then ``tools/list`` and ``ping``;
- on the per-request-envelope protocol (2026-07-28), ``server/discover`` and ``tools/list``
  carrying a well-formed envelope of a version the SDK speaks, and ``subscriptions/listen``
  with the recorded filter, acknowledged as the SDK does (Claude Code waits for that
  acknowledgement before it asks for the tools); the stream itself is the SDK's.

At the first message it does not answer (a tool call, malformed JSON, an unknown method, any
unusual parameter) or at end of input it stops answering; once the SDK is imported and the
``mcp`` command has called :func:`serve`, the server is built and the stream handed over:
the SDK server reads every message received so far first, in order, then the rest of stdin,
and its replies to the requests the front already answered (and its acknowledgement of a
listen the front acknowledged) are dropped; one that differs from the front's is reported on
stderr. The SDK thus sees the whole conversation and gives every other answer; the front
never implements a tool call or an error. Answers are only given while the recording matches
the installed SDK and orch versions; otherwise the front stays silent and the SDK answers
everything.
"""

from __future__ import annotations

import io
import json
import os
import queue
import sys
import threading
from collections.abc import AsyncIterator
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType
from typing import IO, TYPE_CHECKING, Any, Final

from orch import __version__

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

HANDSHAKE_FILE: Final = Path(__file__).with_name("handshake.json")
"""The SDK server's recorded answers (``python -m orch.mcp.record`` rewrites it)."""

PROTOCOL_VERSION_KEY: Final = "io.modelcontextprotocol/protocolVersion"
CLIENT_INFO_KEY: Final = "io.modelcontextprotocol/clientInfo"
CLIENT_CAPABILITIES_KEY: Final = "io.modelcontextprotocol/clientCapabilities"
SUBSCRIPTION_ID_KEY: Final = "io.modelcontextprotocol/subscriptionId"
LISTEN_ACK: Final = "notifications/subscriptions/acknowledged"
_ENVELOPE_KEYS: Final = frozenset({PROTOCOL_VERSION_KEY, CLIENT_INFO_KEY, CLIENT_CAPABILITIES_KEY})
_MESSAGE_KEYS: Final = frozenset({"jsonrpc", "id", "method", "params"})
_INFO_KEYS: Final = frozenset({"name", "version", "title", "description", "websiteUrl"})

FRONT_SWITCH_INTERVAL_S: Final = 0.0005
"""The GIL switch interval while the SDK imports beside the front (Python's default: 5 ms)."""

HAND_OFF: Final = object()
"""What :meth:`Handshake.reply` returns for a message only the SDK server may answer."""

Event = tuple[str, Any]
"""``("line", str)``, ``("eof", None)``, ``("loaded", module)``, ``("failed", exc)``,
``("serve", None)``."""


def load_answers() -> dict[str, Any] | None:
    """The recorded answers, or None when they were recorded with another SDK or orch version
    than the installed ones (or the SDK is not where its distribution says)."""
    try:
        answers: dict[str, Any] = json.loads(HANDSHAKE_FILE.read_text(encoding="utf-8"))
        spec = find_spec("mcp")
        if spec is None or spec.origin is None:
            return None
        site = Path(spec.origin).parent.parent
        sdk = answers["sdk"]
        latest = answers["handshake"][answers["latest_handshake"]]
        recorded_orch = latest["initialize"]["serverInfo"]["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    installed = all((site / f"{name}-{version}.dist-info").is_dir() for name, version in
                    (("mcp", sdk["mcp"]), ("mcp_types", sdk["mcp_types"])))
    return answers if installed and recorded_orch == __version__ else None


def _reject_constant(name: str) -> None:
    raise ValueError(f"not JSON: {name}")


def parse(line: str) -> dict[str, Any] | None:
    """``line`` as a JSON-RPC request or notification of a plain shape, else None."""
    try:
        message = json.loads(line, parse_constant=_reject_constant)
    except ValueError:
        return None
    if (not isinstance(message, dict) or not set(message) <= _MESSAGE_KEYS
            or message.get("jsonrpc") != "2.0" or not isinstance(message.get("method"), str)
            or not isinstance(message.get("params", {}), dict)
            or ("id" in message and type(message["id"]) not in (int, str))):
        return None
    return message


def _is_info(value: object) -> bool:
    """A client ``Implementation`` of the plain shape clients send (name, version, …)."""
    return (isinstance(value, dict) and isinstance(value.get("name"), str)
            and isinstance(value.get("version"), str) and set(value) <= _INFO_KEYS
            and all(isinstance(item, str) for item in value.values()))


def _is_capabilities(value: object) -> bool:
    """Client capabilities of the plain shape: objects of flags and objects."""
    return isinstance(value, dict) and all(
        isinstance(entry, dict) and all(isinstance(item, bool | dict) for item in entry.values())
        for entry in value.values())


def initialize_version(params: dict[str, Any] | None) -> str | None:
    """The protocol version an ``initialize`` of the plain shape asks for, else None."""
    if (params is None or set(params) != {"protocolVersion", "capabilities", "clientInfo"}
            or not isinstance(params["protocolVersion"], str)
            or not _is_capabilities(params["capabilities"]) or not _is_info(params["clientInfo"])):
        return None
    return params["protocolVersion"]


def is_enveloped(params: dict[str, Any] | None) -> bool:
    """Whether a request claims the per-request-envelope protocol (as the SDK decides it)."""
    meta = (params or {}).get("_meta")
    return isinstance(meta, dict) and PROTOCOL_VERSION_KEY in meta


def envelope_version(params: dict[str, Any] | None) -> str | None:
    """The version of a request whose only parameter is a well-formed envelope, else None."""
    if params is None or set(params) != {"_meta"} or not isinstance(params["_meta"], dict):
        return None
    meta = params["_meta"]
    version = meta.get(PROTOCOL_VERSION_KEY)
    if (not set(meta) <= _ENVELOPE_KEYS or not isinstance(version, str)
            or not _is_capabilities(meta.get(CLIENT_CAPABILITIES_KEY))
            or (CLIENT_INFO_KEY in meta and not _is_info(meta[CLIENT_INFO_KEY]))):
        return None
    return version


class Handshake:
    """Which opening requests the front answers, and with which recorded result."""

    def __init__(self, answers: dict[str, Any] | None) -> None:
        self.answers = answers
        self.era: str | None = None
        """``handshake`` or ``modern``, decided by the first request as the SDK does."""
        self.version: str | None = None
        """The negotiated version once ``initialize`` is answered."""

    def reply(self, message: dict[str, Any]) -> dict[str, Any] | None | object:
        """The message to send for ``message`` (its response, or a listen's acknowledgement),
        None for a notification (it needs none), or :data:`HAND_OFF`."""
        if "id" not in message:
            return None
        if self.answers is None:
            return HAND_OFF
        result = self._result(message)
        if result is HAND_OFF or (isinstance(result, dict) and result.get("method") == LISTEN_ACK):
            return result
        return {"jsonrpc": "2.0", "id": message["id"], "result": result}

    def _result(self, message: dict[str, Any]) -> dict[str, Any] | object:
        assert self.answers is not None
        method, params = message["method"], message.get("params")
        recorded: dict[str, dict[str, Any]]
        if self.era is None:
            self.era = "modern" if method != "initialize" and is_enveloped(params) else "handshake"
            if self.era == "handshake" and method == "initialize":
                asked = initialize_version(params)
                if asked is None:
                    return HAND_OFF
                handshake = self.answers["handshake"]
                self.version = asked if asked in handshake else self.answers["latest_handshake"]
                recorded = handshake[self.version]
                return recorded["initialize"]
        if self.era == "modern":
            if method == "subscriptions/listen":
                return self._listen(message["id"], params or {})
            recorded = self.answers["modern"].get(envelope_version(params), {})
            return recorded.get(method, HAND_OFF) if method != "initialize" else HAND_OFF
        if self.version is not None and method in ("tools/list", "ping") and not params:
            recorded = self.answers["handshake"][self.version]
            return recorded[method]
        return HAND_OFF

    def _listen(self, ident: int | str, params: dict[str, Any]) -> dict[str, Any] | object:
        """The SDK's acknowledgement of a listen with the recorded filter, for this id."""
        assert self.answers is not None
        envelope = {key: value for key, value in params.items() if key != "notifications"}
        recorded = self.answers["modern"].get(envelope_version(envelope), {})
        listen = recorded.get("subscriptions/listen")
        if listen is None or params.get("notifications") != listen["notifications"]:
            return HAND_OFF
        ack: dict[str, Any] = json.loads(json.dumps(listen["ack"]))
        ack["params"]["_meta"][SUBSCRIPTION_ID_KEY] = ident
        return ack


def sent_key(message: object) -> str | None:
    """What identifies a reply among those the front sent: the response's id, or the
    subscription id of a listen's acknowledgement (``1`` told from ``"1"``)."""
    if not isinstance(message, dict):
        return None
    if "method" not in message:
        return json.dumps(message.get("id"))
    if message["method"] == LISTEN_ACK:
        meta = (message.get("params") or {}).get("_meta") or {}
        return f"ack {json.dumps(meta.get(SUBSCRIPTION_ID_KEY))}"
    return None


class Wire:
    """The client's stdin and stdout, claimed as the SDK's stdio transport claims them: served
    from private descriptors while fd 0 reads the null device and fd 1 writes to stderr, so a
    tool's stray output or a child reading stdin cannot touch the protocol stream."""

    def __init__(self) -> None:
        sys.stdout.flush()
        self._saved: list[tuple[int, int]] = []
        self.stdin: IO[str] = self._claim(0, sys.stdin, os.O_RDONLY)
        self.stdout_fd = self._claim(1, sys.stdout, os.O_WRONLY).fileno()

    def _claim(self, fd: int, stream: IO[str], mode: int) -> IO[str]:
        try:
            private = os.dup(fd)
        except OSError:
            return stream
        if private <= 2:  # a standard descriptor was closed: serve in place
            os.close(private)
            return stream
        diversion = os.open(os.devnull, mode) if fd == 0 else os.dup(2)
        os.dup2(diversion, fd)
        os.close(diversion)
        self._saved.append((fd, private))
        binary = io.FileIO(private, "rb" if fd == 0 else "wb", closefd=False)
        # The SDK reads its stdin as this text layer: the front splits lines the same way.
        return io.TextIOWrapper(io.BufferedReader(binary), encoding="utf-8", errors="replace") \
            if fd == 0 else io.TextIOWrapper(binary, encoding="utf-8")

    def write(self, text: str) -> None:
        """Write ``text`` to the client, whole."""
        data = text.encode("utf-8")
        while data:
            data = data[os.write(self.stdout_fd, data):]

    def release(self) -> None:
        """Point fd 0 and 1 back at the client's streams."""
        for fd, private in self._saved:
            os.dup2(private, fd)


def _read(wire: Wire, events: queue.SimpleQueue[Event]) -> None:
    try:
        for line in wire.stdin:
            events.put(("line", line))
    except (OSError, ValueError):
        pass
    events.put(("eof", None))


def _load(events: queue.SimpleQueue[Event]) -> None:
    try:
        from orch.mcp import server

        events.put(("loaded", server))
    except BaseException as exc:  # noqa: BLE001 - handed to the serving thread, raised there
        events.put(("failed", exc))


class _Replay:
    """The SDK server's stdin: the lines the front read, then the rest as it arrives."""

    def __init__(self, lines: list[str], events: queue.SimpleQueue[Event], ended: bool) -> None:
        self.lines = lines
        self.events = events
        self.ended = ended

    async def __aiter__(self) -> AsyncIterator[str]:
        from anyio import to_thread

        for line in self.lines:
            yield line
        while not self.ended:
            kind, value = await to_thread.run_sync(self.events.get, abandon_on_cancel=True)
            if kind == "line":
                yield value
            self.ended = kind == "eof"


class _Answered:
    """The SDK server's stdout: drops its replies to the requests the front answered."""

    def __init__(self, wire: Wire, answered: dict[str, dict[str, Any]]) -> None:
        self.wire = wire
        self.answered = answered

    async def write(self, text: str) -> None:
        from anyio import to_thread

        if self.answered:
            reply = json.loads(text)
            key = sent_key(reply)
            sent = None if key is None else self.answered.pop(key, None)
            if sent is not None:
                if reply != sent:
                    sys.stderr.write(
                        f"orch mcp: the SDK's reply {key} differs from the one the handshake "
                        "front sent; rerun `python -m orch.mcp.record`\n")
                return
        await to_thread.run_sync(self.wire.write, text)

    async def flush(self) -> None:
        return None


class Front:
    """One front: the claimed stdin and stdout, a thread reading stdin, a thread importing the
    SDK server, and the handshake answered on a thread of its own until :func:`serve` has
    been called and the SDK server is imported; then :func:`serve` hands the stream over."""

    def __init__(self) -> None:
        answers = load_answers()
        self.wire = Wire()
        self.events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self.lines: list[str] = []
        """Every line read before the hand-off, for the SDK server to read first."""
        self.answered: dict[str, dict[str, Any]] = {}
        """What the front sent, by :func:`sent_key`."""
        self.ended = False
        self.loaded: ModuleType | BaseException | None = None
        # The import holds the GIL for long stretches; a short switch interval lets the
        # reader and the front answer between them (restored at the hand-off).
        self.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(FRONT_SWITCH_INTERVAL_S)
        threading.Thread(target=_read, args=(self.wire, self.events), name="orch-mcp-stdin",
                         daemon=True).start()
        threading.Thread(target=_load, args=(self.events,), name="orch-mcp-load-sdk").start()
        # A daemon: when the CLI stops before serving (a usage error), nothing waits for it.
        self.thread = threading.Thread(target=self._answer, args=(Handshake(answers),),
                                       name="orch-mcp-front", daemon=True)
        self.thread.start()

    def _answer(self, front: Handshake) -> None:
        handing_off = serving = False
        while self.loaded is None or not serving:
            kind, value = self.events.get()
            if kind in ("loaded", "failed"):
                self.loaded = value
            elif kind == "serve":
                serving = True
            elif kind == "eof":
                self.ended = handing_off = True
            elif kind == "line":
                self.lines.append(value)
                if handing_off:
                    continue
                message = parse(value)
                reply = HAND_OFF if message is None else front.reply(message)
                if reply is HAND_OFF:
                    handing_off = True
                elif isinstance(reply, dict):
                    self.wire.write(json.dumps(reply, separators=(",", ":")) + "\n")
                    self.answered[str(sent_key(reply))] = reply


_early: Front | None = None


def start_early() -> None:
    """Start the front now, before the CLI has parsed its arguments (``orch mcp``'s entry
    does when its arguments can only mean ``orch mcp``); :func:`serve` then takes it over."""
    global _early
    _early = Front()


def serve(project_dir: Path, plan: Path | None = None, *, debug: bool = False) -> None:
    """Serve orch's MCP tools over stdin/stdout until the client disconnects: the front
    answers the handshake while the SDK loads, then the SDK server serves the stream.
    Raises what importing or building the SDK server raised (ModuleNotFoundError: no SDK)."""
    global _early
    front, _early = _early or Front(), None
    try:
        front.events.put(("serve", None))
        front.thread.join()
        if isinstance(front.loaded, BaseException):
            raise front.loaded
        assert front.loaded is not None
        module = front.loaded
        server: MCPServer = module.build_server(project_dir, plan, debug=debug)
        sys.setswitchinterval(front.switch_interval)
        import anyio

        try:
            anyio.run(module.serve_streams, server, _Replay(front.lines, front.events, front.ended),
                      _Answered(front.wire, front.answered))
        finally:
            front.events.put(("eof", None))  # wakes a reader the SDK abandoned
    finally:
        front.wire.release()
