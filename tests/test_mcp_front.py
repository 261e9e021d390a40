"""`orch mcp`'s handshake front (src/orch/mcp/front.py): it answers the opening requests while
the SDK imports, then hands the stream to the SDK server, and a client cannot tell the two
apart. Each conversation runs against `orch mcp` and against the SDK server alone (no front);
``tests/fakes/sdk_gate`` holds the SDK's import in `orch mcp` until the test releases it, so
the answers received before that came from the front, and requests sent before that were
sent while the SDK could not yet serve them."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from conftest import OrchRunner, make_plan, shell_task
from orch.cli.entry import is_mcp_invocation
from orch.mcp.front import HANDSHAKE_FILE
from orch.mcp.record import envelope, record_answers
from orch.mcp.server import TOOL_NAMES
from test_mcp import data, project

GATE_DIR = Path(__file__).parent / "fakes" / "sdk_gate"
SDK_ONLY = ("from pathlib import Path; from orch.mcp.server import serve; "
            "serve(Path.cwd(), Path.cwd() / 'plan.md')")
INFO = {"name": "test-client", "version": "1"}


def plan_repo(git_repo: Path) -> Path:
    return project(git_repo, make_plan([("Work", [shell_task("T001", "One", "true"),
                                                  shell_task("T002", "Two", "true")])]))


class Server:
    """A server process spoken to in raw JSON-RPC lines."""

    def __init__(self, repo: Path, *, front: bool, gate: Path | None = None) -> None:
        env = dict(os.environ)
        if gate is not None:
            env["ORCH_TEST_SDK_GATE"] = str(gate)
            env["PYTHONPATH"] = os.pathsep.join([str(GATE_DIR), env.get("PYTHONPATH", "")])
        command = ([sys.executable, "-m", "orch", "mcp", "--plan", "plan.md"] if front
                   else [sys.executable, "-c", SDK_ONLY])
        self.process = subprocess.Popen(command, cwd=repo, env=env, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(b"")

    def send(self, message: dict[str, Any] | str) -> None:
        assert self.process.stdin is not None
        line = message if isinstance(message, str) else json.dumps(message)
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def reply(self) -> dict[str, Any]:
        line = self.lines.get(timeout=120)
        assert line, "the server closed its stdout"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def finish(self) -> tuple[list[dict[str, Any]], int, str]:
        """Close stdin; the replies still to come, the exit code and stderr."""
        assert self.process.stdin is not None and self.process.stderr is not None
        self.process.stdin.close()
        code = self.process.wait(timeout=120)
        rest = []
        while line := self.lines.get(timeout=120):
            rest.append(json.loads(line))
        return rest, code, self.process.stderr.read().decode()


Step = tuple[dict[str, Any] | str, bool]
"""A message (or a raw line) and whether a reply is awaited before the next one."""


def converse(server: Server, steps: list[Step], gate: Path | None = None,
             release_at: int = 0) -> list[dict[str, Any]]:
    """Every reply to ``steps``, in order; ``gate`` is released just after step
    ``release_at`` is sent (the front must have answered every awaited reply before it)."""
    replies = []
    for index, (message, awaited) in enumerate(steps):
        server.send(message)
        if gate is not None and index == release_at:
            gate.touch()
        if awaited:
            replies.append(server.reply())
    if gate is not None:
        gate.touch()
    rest, code, stderr = server.finish()
    assert code == 0, stderr
    assert "Traceback" not in stderr and "differs" not in stderr, stderr
    return replies + rest


def same_as_sdk(repo: Path, steps: list[Step], release_at: int) -> list[dict[str, Any]]:
    """The replies of `orch mcp` (its SDK held until step ``release_at`` is sent), checked
    equal to the SDK server's own."""
    gate = repo.parent / f"gate-{release_at}-{len(steps)}"
    front = converse(Server(repo, front=True, gate=gate), steps, gate, release_at)
    assert front == converse(Server(repo, front=False), steps)
    return front


def request(ident: int | str, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        message["params"] = params
    return message


def initialize(version: str) -> dict[str, Any]:
    return request(1, "initialize", {"protocolVersion": version, "capabilities": {},
                                     "clientInfo": INFO})


INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
TASK_LIST = request(9, "tools/call", {"name": "task_list", "arguments": {}})


def test_the_recorded_answers_are_the_sdk_servers_own() -> None:
    """handshake.json is what the installed SDK and orch's server answer today (else rerun
    `python -m orch.mcp.record`): tool names, descriptions and input schemas included."""
    recorded = json.loads(HANDSHAKE_FILE.read_text())
    installed = {name: installed_version(name) for name in recorded["sdk"]}
    if installed != recorded["sdk"]:
        pytest.skip(f"handshake.json was recorded with {recorded['sdk']}; with {installed} the "
                    "front stays off and the SDK answers alone (python -m orch.mcp.record)")
    assert recorded == record_answers()
    for answers in [*recorded["handshake"].values(), *recorded["modern"].values()]:
        assert [tool["name"] for tool in answers["tools/list"]["tools"]] == list(TOOL_NAMES)


def test_the_sdk_client_lists_the_tools_then_calls_one_in_the_same_session(
    git_repo: Path,
) -> None:
    repo = plan_repo(git_repo)
    gate = repo.parent / "gate"
    env = {**os.environ, "ORCH_TEST_SDK_GATE": str(gate),
           "PYTHONPATH": os.pathsep.join([str(GATE_DIR), os.environ.get("PYTHONPATH", "")])}
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "orch", "mcp", "--plan", "plan.md"],
                                   cwd=str(repo), env=env)

    async def main() -> tuple[list[str], dict[str, Any]]:
        async with Client(params, cache=None) as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            gate.touch()  # the list came from the front; the call needs the SDK server
            return names, data(await client.call_tool("task_list", {}))

    names, tasks = anyio.run(main)
    assert names == list(TOOL_NAMES)
    assert [task["id"] for task in tasks["tasks"]] == ["T001", "T002"]


def test_the_front_starts_before_the_cli_only_for_what_can_only_mean_orch_mcp() -> None:
    for args in (["mcp"], ["mcp", "--plan", "p.md"], ["mcp", "--plan=p.md"], ["--debug", "mcp"],
                 ["-C", "mcp", "mcp"], ["--project-dir=d", "--debug", "mcp", "--plan", "x"]):
        assert is_mcp_invocation(args), args
    for args in ([], ["mcp", "--help"], ["mcp", "-h"], ["--version"], ["mcp", "--plan"],
                 ["run", "mcp"], ["-C", "mcp"], ["-C"], ["mcp", "extra"], ["--help", "mcp"]):
        assert not is_mcp_invocation(args), args


def test_help_still_prints_and_the_cli_entry_alone_still_serves(
    git_repo: Path, orch: OrchRunner
) -> None:
    """`orch mcp --help` is the CLI's (no front); an installed console script that still
    names `orch.cli.main:main` (no early start) serves through the front all the same."""
    repo = plan_repo(git_repo)
    shown = orch("mcp", "--help", cwd=repo)
    assert shown.returncode == 0 and "--plan" in shown.stdout
    params = StdioServerParameters(
        command=sys.executable, cwd=str(repo), env=dict(os.environ),
        args=["-c", "from orch.cli.main import main; main()", "mcp", "--plan", "plan.md"])

    async def main() -> tuple[list[str], dict[str, Any]]:
        async with Client(params, cache=None) as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            return names, data(await client.call_tool("task_list", {}))

    names, tasks = anyio.run(main)
    assert names == list(TOOL_NAMES) and tasks["total"] == 2


def test_a_tool_call_sent_before_the_sdk_has_loaded_is_answered(git_repo: Path) -> None:
    repo = plan_repo(git_repo)
    steps: list[Step] = [(initialize("2025-06-18"), True), (INITIALIZED, False),
                         (request(2, "tools/list"), True), (TASK_LIST, False)]
    gate = repo.parent / "gate"
    server = Server(repo, front=True, gate=gate)
    replies = []
    for message, awaited in steps:
        server.send(message)
        if awaited:
            replies.append(server.reply())
    assert [reply["id"] for reply in replies] == [1, 2]  # both answered with the SDK held
    gate.touch()
    call = server.reply()
    assert call["id"] == 9 and call["result"]["isError"] is False
    assert [t["id"] for t in call["result"]["structuredContent"]["tasks"]] == ["T001", "T002"]
    rest, code, stderr = server.finish()
    assert (rest, code) == ([], 0), stderr


def test_protocol_versions_are_negotiated_as_the_sdk_does(git_repo: Path) -> None:
    """An older version is echoed, an unknown one gets the latest handshake version, the
    stateless protocol gets the same discovery and list; then a tool call is the SDK's."""
    repo = plan_repo(git_repo)
    for version in ("2024-11-05", "2025-03-26", "1999-01-01"):
        replies = same_as_sdk(repo, [(initialize(version), True), (INITIALIZED, False),
                                     (request(2, "tools/list"), True), (request(3, "ping"), True),
                                     (TASK_LIST, True)], release_at=4)
        expected = "2025-11-25" if version == "1999-01-01" else version
        assert replies[0]["result"]["protocolVersion"] == expected
        assert [t["name"] for t in replies[1]["result"]["tools"]] == list(TOOL_NAMES)
    stateless = envelope("2026-07-28")
    replies = same_as_sdk(repo, [(request(1, "server/discover", stateless), True),
                                 (request(2, "tools/list", stateless), True),
                                 (request(9, "tools/call", {"name": "task_list", "arguments": {},
                                                            **stateless}), True)], release_at=2)
    assert replies[0]["result"]["supportedVersions"] == ["2026-07-28"]
    # A listen with another filter than the recorded one is the SDK's to acknowledge.
    tools_only = {**stateless, "notifications": {"toolsListChanged": True}}
    replies = same_as_sdk(repo, [(request(1, "subscriptions/listen", tools_only), True),
                                 (request(2, "tools/list", stateless), True)], release_at=0)
    assert replies[0]["params"]["notifications"] == {"toolsListChanged": True}


def test_claude_codes_opening_is_answered_before_the_sdk_loads_as_the_sdk_does(
    git_repo: Path,
) -> None:
    """Claude Code 2.1 (captured from the real CLI): a discovery probe, a listen it waits to
    see acknowledged, discovery, the tool list. All four while the SDK is held."""
    repo = plan_repo(git_repo)
    meta = {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {
            "name": "claude-code", "title": "Claude Code", "version": "2.1.332",
            "description": "Anthropic's agentic coding tool",
            "websiteUrl": "https://claude.com/claude-code"},
        "io.modelcontextprotocol/clientCapabilities": {
            "roots": {"listChanged": True}, "elicitation": {"form": {}, "url": {}}}}}
    listen = {**meta, "notifications": {"toolsListChanged": True, "promptsListChanged": True,
                                        "resourcesListChanged": True}}
    probe = request("server-discover-probe-1", "server/discover", meta)
    replies = same_as_sdk(repo, [(probe, True),
                                 (request("listen:0", "subscriptions/listen", listen), True),
                                 (request(0, "server/discover", meta), True),
                                 (request(1, "tools/list", meta), True),
                                 (request(9, "tools/call", {"name": "task_list", "arguments": {},
                                                            **meta}), True)], release_at=4)
    assert replies[1]["method"] == "notifications/subscriptions/acknowledged"
    assert [t["name"] for t in replies[3]["result"]["tools"]] == list(TOOL_NAMES)
    assert replies[4]["result"]["isError"] is False


def test_malformed_json_and_unknown_methods_get_the_sdks_errors(git_repo: Path) -> None:
    repo = plan_repo(git_repo)
    unknown = request(2, "no/such/method")
    # Malformed JSON after the handshake: the SDK answers nothing and keeps serving.
    replies = same_as_sdk(repo, [(initialize("2025-06-18"), True), ("{not json", False),
                                 (unknown, True), (request(3, "tools/list"), True)], release_at=1)
    assert replies[1]["error"]["code"] == -32601
    assert [t["name"] for t in replies[2]["result"]["tools"]] == list(TOOL_NAMES)
    # Before the handshake: an unknown method, a list before initialize; a second initialize.
    assert same_as_sdk(repo, [(unknown, True), (initialize("2025-06-18"), True)],
                       release_at=0)[0]["error"]["code"] == -32601
    assert same_as_sdk(repo, [(request(3, "tools/list"), True), (initialize("2025-06-18"), True)],
                       release_at=0)[0]["error"]["code"] == -32602
    same_as_sdk(repo, [(initialize("2025-06-18"), True),
                       (initialize("2025-06-18") | {"id": 4}, True)], release_at=1)
    # A legacy session refuses an enveloped request; a stateless one refuses initialize.
    same_as_sdk(repo, [(initialize("2025-06-18"), True),
                       (request(2, "tools/list", envelope("2026-07-28")), True)], release_at=1)
    same_as_sdk(repo, [(request(1, "tools/list", envelope("2026-07-28")), True),
                       (initialize("2025-06-18") | {"id": 2}, True)], release_at=1)


def test_eof_during_the_handshake_exits_cleanly(git_repo: Path) -> None:
    """The client leaves after `initialize`, before the SDK has loaded: one reply (the SDK's
    own reply to the replayed `initialize` is not sent twice), exit 0, nothing on stderr."""
    repo = plan_repo(git_repo)
    gate = repo.parent / "gate"
    server = Server(repo, front=True, gate=gate)
    server.send(initialize("2025-06-18"))
    assert server.reply()["result"]["protocolVersion"] == "2025-06-18"
    assert server.process.stdin is not None
    server.process.stdin.close()
    gate.touch()
    rest, code, stderr = server.finish()
    assert (rest, code, stderr) == ([], 0, "")
