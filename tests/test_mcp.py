"""`orch mcp` end to end: the real server as a subprocess, driven by the SDK's stdio client."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import CallToolResult

from conftest import OrchRunner, commit_all, git, make_plan, shell_task, start_orch, wait_for_file
from orch.store.layout import Layout

T = TypeVar("T")

TOOLS = {
    "task_list",
    "task_get",
    "task_queue_status",
    "task_execution_plan",
    "task_enqueue",
    "task_cancel",
    "plan_validate",
    "run_status",
}


def with_server(repo: Path, script: Callable[[Client], Awaitable[T]], *args: str) -> T:
    """Start `orch -C repo mcp ARGS` and run ``script`` against it with the stdio client."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "orch", "-C", str(repo), "mcp", *args],
        cwd=str(repo),
        env=dict(os.environ),
    )

    async def main() -> T:
        async with Client(params, cache=None) as client:
            return await script(client)

    return anyio.run(main)


def call(repo: Path, name: str, arguments: dict[str, Any], *args: str) -> CallToolResult:
    """One tool call on a fresh server."""

    async def script(client: Client) -> CallToolResult:
        result = await client.call_tool(name, arguments)
        assert isinstance(result, CallToolResult)
        return result

    return with_server(repo, script, *args)


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    return result.structured_content


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def chain_plan() -> str:
    return make_plan(
        [
            (
                "Work",
                [
                    shell_task("T001", "Alone", "echo 1 > one.txt"),
                    shell_task("T002", "Base", "echo 2 > two.txt"),
                    shell_task("T003", "Middle", "echo 3 > three.txt", deps="T002"),
                    shell_task("T004", "Top", "echo 4 > four.txt", deps="T003"),
                ],
            ),
            ("Ship", [shell_task("T005", "Last", "echo 5 > five.txt")]),
        ]
    )


def project(git_repo: Path, plan: str) -> Path:
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    return git_repo


def test_lists_tools_with_schemas_and_each_tool_answers(git_repo: Path, orch: OrchRunner) -> None:
    repo = project(git_repo, chain_plan())
    assert orch("run", "plan.md", "--until", "T001", cwd=repo).returncode == 0

    async def script(client: Client) -> dict[str, Any]:
        listed = await client.list_tools()
        found: dict[str, Any] = {"schemas": {t.name: t.input_schema for t in listed.tools}}
        calls = {
            "task_list": {"status": "pending", "limit": 2},
            "task_get": {"task_id": "T003"},
            "task_queue_status": {},
            "task_execution_plan": {},
            "plan_validate": {"path": "plan.md"},
            "run_status": {},
            "task_enqueue": {"description": "Write the changelog", "priority": 4},
            "task_cancel": {"task_id": "T004"},
        }
        for name, arguments in calls.items():
            found[name] = data(await client.call_tool(name, arguments))
        return found

    found = with_server(repo, script)
    schemas = found["schemas"]
    assert set(schemas) == TOOLS
    assert schemas["task_get"]["required"] == ["task_id"]
    assert schemas["task_enqueue"]["required"] == ["description"]
    priority = schemas["task_enqueue"]["properties"]["priority"]
    assert (priority["minimum"], priority["maximum"]) == (0, 10)
    assert schemas["task_list"]["properties"]["limit"]["maximum"] == 500
    assert "pending" in json.dumps(schemas["task_list"]["properties"]["status"])
    assert schemas["task_queue_status"].get("required", []) == []

    listed = found["task_list"]
    assert listed["total"] == 4  # the latest run's plan is served: T002-T005 are pending
    assert [t["id"] for t in listed["tasks"]] == ["T002", "T003"]
    got = found["task_get"]
    assert (got["id"], got["depends_on"], got["dependents"]) == ("T003", ["T002"], ["T004"])
    counts = found["task_queue_status"]
    assert counts["counts"] == {"done": 1, "pending": 4}
    assert counts["oldest_pending"]["id"] == "T002"
    assert counts["current_task"] is None and counts["run_state"] == "completed"
    batches = found["task_execution_plan"]
    assert batches["total_batches"] == 4 and batches["max_parallelism"] == 1
    assert found["plan_validate"]["ok"] is True
    assert found["run_status"]["state"] == "completed"
    assert found["task_enqueue"]["id"] == "T006"
    assert found["task_enqueue"]["phase"] == "2" and found["task_enqueue"]["priority"] == 4
    assert found["task_cancel"]["cancelled"] == ["T004"]


def test_enqueue_then_validate_shows_it_and_diff_only_adds_lines(
    git_repo: Path, orch: OrchRunner
) -> None:
    repo = project(git_repo, chain_plan())
    added = data(
        call(
            repo,
            "task_enqueue",
            {
                "description": "Add a  README section",
                "agent": "shell",
                "priority": 7,
                "prerequisites": ["T001", "T003"],
                "phase": "1",
            },
            "--plan",
            "plan.md",
        )
    )
    assert added["id"] == "T006" and added["phase"] == "1"
    valid = orch("validate", "--json", "plan.md", cwd=repo)
    assert valid.returncode == 0, valid.stderr
    tasks = {t["id"]: t for p in json.loads(valid.stdout)["phases"] for t in p["tasks"]}
    new = tasks["T006"]
    assert (new["title"], new["agent"], new["priority"]) == ("Add a README section", "shell", 7)
    assert new["depends_on"] == ["T001", "T003"]
    diff = git(repo, "diff", "-U0", "plan.md").splitlines()
    changed = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == [
        "+- [ ] T006 Add a  README section (depends on T001, T003)".replace("  ", " "),
        "+  - agent: shell",
        "+  - priority: 7",
    ]


def test_enqueue_refusals_leave_the_plan_untouched(git_repo: Path) -> None:
    repo = project(git_repo, chain_plan())
    before = (repo / "plan.md").read_bytes()

    async def script(client: Client) -> list[str]:
        requests = [
            {"description": "x", "prerequisites": ["T099"]},
            {"description": "x", "prerequisites": ["T006"]},  # its own id: a cycle
            {"description": "x", "prerequisites": ["T005"], "phase": "1"},
            {"description": "x (depends on T001)"},
            {"description": "x", "phase": "9"},
            {"description": "x", "agent": "no-such-role"},
        ]
        messages = []
        for arguments in requests:
            result = await client.call_tool("task_enqueue", arguments)
            assert result.is_error
            messages.append(text(result))
        return messages

    messages = with_server(repo, script, "--plan", "plan.md")
    # No line number or id the refused task would have had: neither was ever written.
    assert "plan.md: refusing to add the task: the new task depends on unknown task T099" \
        in messages[0]
    assert "prerequisite T006 is no task yet: the new task would get that id" in messages[1]
    assert "depends on T005, which is in later phase 2" in messages[2]
    assert "refusing to add the task" in messages[3]
    assert "no such phase: 9" in messages[4]
    assert "error: plan.md: refusing to add the task: unknown agent role 'no-such-role'" \
        in messages[5]
    assert "hint: define it under `agents:`" in messages[5]
    assert all("the plan file is unchanged" in m for m in messages[:3] + messages[5:])
    assert all("error: " in m for m in messages)
    assert (repo / "plan.md").read_bytes() == before


def test_cancel_cascades_through_a_chain_and_run_skips_them(
    git_repo: Path, orch: OrchRunner
) -> None:
    repo = project(git_repo, chain_plan())
    result = data(call(repo, "task_cancel", {"task_id": "T002"}, "--plan", "plan.md"))
    assert result["cancelled"] == ["T002", "T003", "T004"]
    plan = (repo / "plan.md").read_text()
    assert plan.count("- [~] T00") == 3 and "- [ ] T001" in plan
    commit_all(repo, "cancel")
    run = orch("run", "plan.md", cwd=repo)
    assert run.returncode == 0, run.stderr
    status = json.loads(orch("status", "--json", cwd=repo).stdout)
    states = {t["id"]: t["status"] for t in status["tasks"]}
    assert states == {
        "T001": "done",
        "T002": "skipped",
        "T003": "skipped",
        "T004": "skipped",
        "T005": "done",
    }
    assert not any((repo / name).exists() for name in ("two.txt", "three.txt", "four.txt"))


def test_execution_plan_matches_orch_graph_batches(git_repo: Path, orch: OrchRunner) -> None:
    plan = (
        "# Batches\n\n## Phase 1: A\n\n- [ ] T001 [P] a\n- [ ] T002 [P] b\n  - priority: 3\n"
        "- [ ] T003 [P] c (depends on T001)\n- [X] T004 [P] done already\n- [ ] T005 d\n\n"
        "## Phase 2: B\n\n- [ ] T006 [P] e\n  - files: x.py\n- [ ] T007 [P] f\n  - files: x.py\n"
        "- [ ] T008 [P] g\n"
    )
    repo = project(git_repo, plan)
    graph = orch("graph", "--format", "batches", "--json", "plan.md", cwd=repo)
    assert graph.returncode == 0, graph.stderr
    expected = json.loads(graph.stdout)
    served = data(call(repo, "task_execution_plan", {}, "--plan", "plan.md"))
    assert served == expected
    assert [b["tasks"] for b in expected["batches"]] == [
        ["T002", "T001"],
        ["T005"],
        ["T003"],
        ["T006", "T008"],
        ["T007"],
    ]
    assert (expected["total_batches"], expected["max_parallelism"]) == (5, 2)
    text_form = orch("graph", "--format", "batches", "plan.md", cwd=repo).stdout
    assert text_form.splitlines()[0] == "batch 1 (phase 1): T002 T001"
    assert text_form.splitlines()[-1] == "5 batch(es), at most 2 task(s) at once"
    mermaid = orch("graph", "--format", "mermaid", "--json", "plan.md", cwd=repo)
    assert (mermaid.returncode, mermaid.stderr) == (
        2,
        "error: --json does not apply to --format mermaid\n",
    )
    subset = data(
        call(repo, "task_execution_plan", {"task_ids": ["T003", "T006"]}, "--plan", "plan.md")
    )
    assert [b["tasks"] for b in subset["batches"]] == [["T003"], ["T006"]]


def test_reads_work_during_a_run_and_writes_are_refused(
    git_repo: Path, orch: OrchRunner, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    started = tmp_path / "started"
    slow = f"touch {started}\nwhile [ ! -f {go} ]; do sleep 0.05; done\necho slow > slow.txt"
    plan = make_plan(
        [("Slow", [shell_task("T001", "Wait", slow), shell_task("T002", "After", "echo 2 > b")])]
    )
    repo = project(git_repo, plan)
    before = (repo / "plan.md").read_text()
    run = start_orch("run", "plan.md", cwd=repo, output=True)
    try:
        wait_for_file(started, run)

        async def script(client: Client) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for name in ("task_list", "task_queue_status", "run_status", "task_execution_plan"):
                found[name] = data(await client.call_tool(name, {}))
            found["enqueue"] = await client.call_tool("task_enqueue", {"description": "more"})
            found["cancel"] = await client.call_tool("task_cancel", {"task_id": "T002"})
            return found

        found = with_server(repo, script)
        assert run.poll() is None, "the run ended while the server was reading"
    finally:
        go.touch()
        out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert found["task_queue_status"]["current_task"]["id"] == "T001"
    assert found["run_status"]["state"] == "running"
    assert [t["status"] for t in found["task_list"]["tasks"]] == ["running", "pending"]
    for refused in (found["enqueue"], found["cancel"]):
        assert refused.is_error
        assert "another orch process holds the project lock" in text(refused)
        assert f"pid {run.pid}" in text(refused)
    assert (repo / "plan.md").read_text() == before.replace("- [ ] T00", "- [X] T00")
    status = json.loads(orch("status", "--json", cwd=repo).stdout)
    assert [t["status"] for t in status["tasks"]] == ["done", "done"]


def test_priority_decides_a_tie_between_ready_tasks(git_repo: Path, orch: OrchRunner) -> None:
    tied = "# Tie\n\n## Phase 1: A\n\n- [ ] T001 first in the file\n- [ ] T002 second\n"
    repo = project(git_repo, tied)
    plain = orch("run", "plan.md", "--dry-run", "--agent", "shell", cwd=repo)
    assert plain.stdout.index("T001 first") < plain.stdout.index("T002 second")
    (repo / "plan.md").write_text(tied + "  - priority: 5\n")
    dry = orch("run", "plan.md", "--dry-run", "--agent", "shell", cwd=repo)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.index("T002 second") < dry.stdout.index("T001 first")
    assert "[1/2] T002 second  (shell)  priority 5" in dry.stdout
    graph = orch("graph", "plan.md", cwd=repo)
    assert "T002 second  (priority 5)" in graph.stdout
    assert graph.stdout.rstrip().endswith("order: T002 T001")
    (repo / "plan.md").write_text(tied + "  - priority: 11\n")
    bad = orch("validate", "plan.md", cwd=repo)
    assert bad.returncode == 2
    assert "T002: priority: '11' is not a whole number from 0 to 10" in bad.stderr


def test_malformed_requests_are_tool_errors_and_the_server_keeps_serving(
    git_repo: Path,
) -> None:
    repo = project(git_repo, chain_plan())
    before = (repo / "plan.md").read_bytes()
    bad = [
        ("task_get", {"task_id": "T999"}, "no such task in plan.md: T999"),
        ("task_cancel", {"task_id": "T999"}, "no such task in plan.md: T999"),
        ("task_enqueue", {"description": "x", "priority": 11}, "priority 11 is out of range"),
        ("task_enqueue", {"description": ""}, "at least 1 character"),
        ("task_enqueue", {"description": "   "}, "the task description is empty"),
        ("task_enqueue", {}, "description"),
        ("task_list", {"status": "finished"}, "status"),
        ("task_list", {"limit": 501}, "error: limit 501 is out of range"),
        ("task_list", {"phase": "7"}, "no such phase: 7"),
        ("task_execution_plan", {"task_ids": ["T404"]}, "no such task in plan.md: T404"),
        ("plan_validate", {"path": "missing.md"}, "missing.md: no such file"),
        ("run_status", {"run": "nope"}, "no run matches 'nope'"),
    ]

    async def script(client: Client) -> list[tuple[bool, str]]:
        answers = []
        for name, arguments, _ in bad:
            result = await client.call_tool(name, arguments)
            answers.append((bool(result.is_error), text(result)))
        alive = await client.call_tool("task_queue_status", {})
        answers.append((bool(alive.is_error), text(alive)))
        return answers

    answers = with_server(repo, script, "--plan", "plan.md")
    for (name, _, expected), (is_error, message) in zip(bad, answers, strict=False):
        assert is_error, name
        assert expected in message, (name, message)
    assert answers[-1][0] is False
    assert (repo / "plan.md").read_bytes() == before


def test_cancel_in_a_halted_run_is_journaled_and_resume_skips_the_chain(
    git_repo: Path, orch: OrchRunner
) -> None:
    plan = make_plan(
        [
            (
                "Work",
                [
                    shell_task("T001", "Breaks", "echo 1 > one.txt", verify=["false"]),
                    shell_task("T002", "Needs it", "echo 2 > two.txt", deps="T001"),
                    shell_task("T003", "Free", "echo 3 > three.txt"),
                ],
            )
        ]
    )
    repo = project(git_repo, plan)
    assert orch("run", "plan.md", cwd=repo).returncode == 1
    result = data(call(repo, "task_cancel", {"task_id": "T001"}))
    assert result["cancelled"] == ["T001", "T002"]
    assert result["run"] is not None
    resumed = orch("resume", cwd=repo)
    assert resumed.returncode == 0, resumed.stderr
    status = json.loads(orch("status", "--json", cwd=repo).stdout)
    assert status["state"] == "completed"
    assert {t["id"]: t["status"] for t in status["tasks"]} == {
        "T001": "skipped",
        "T002": "skipped",
        "T003": "done",
    }
    assert not (repo / "two.txt").exists() and (repo / "three.txt").exists()


def test_cancel_refuses_a_done_task(git_repo: Path, orch: OrchRunner) -> None:
    repo = project(git_repo, chain_plan())
    assert orch("run", "plan.md", cwd=repo).returncode == 0
    refused = call(repo, "task_cancel", {"task_id": "T003"})
    assert refused.is_error
    assert "error: task T003 is already done; nothing to cancel" in text(refused)


def test_without_the_sdk_orch_mcp_says_what_to_install(
    git_repo: Path, orch: OrchRunner, tmp_path: Path
) -> None:
    shadow = tmp_path / "no_sdk"
    shadow.mkdir()
    (shadow / "mcp.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'mcp'\", name='mcp')\n"
    )
    result = orch("mcp", cwd=git_repo, env={"PYTHONPATH": str(shadow)})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: `orch mcp` needs the MCP Python SDK (the `mcp` package), which is not installed",
        "hint: reinstall orch, or `pip install 'mcp>=2,<3'`",
    ]


def test_a_run_killed_mid_task_is_shown_interrupted(
    git_repo: Path, orch: OrchRunner, tmp_path: Path
) -> None:
    go, started = tmp_path / "go", tmp_path / "started"
    slow = f"touch {started}\nwhile [ ! -f {go} ]; do sleep 0.05; done"
    repo = project(git_repo, make_plan([("Slow", [shell_task("T001", "Wait", slow)])]))
    run = start_orch("run", "plan.md", cwd=repo)
    holder: subprocess.Popen[str] | None = None
    try:
        wait_for_file(started, run)
        run.kill()
        run.wait()
        # another server's write holds the lock now: it is no `run` or `resume`
        holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(Layout(repo).lock)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        found = data(call(repo, "task_queue_status", {}))
        shown = data(call(repo, "run_status", {}))
    finally:
        go.touch()  # lets the orphaned task script end
        if holder is not None:
            holder.communicate("", timeout=30)
    assert found["run_state"] == "interrupted"
    assert shown["state"] == "interrupted"  # as `orch status` shows it
    assert found["current_task"] is None


def test_plan_option_is_relative_to_the_project_not_the_working_directory(
    git_repo: Path, tmp_path: Path
) -> None:
    """An MCP client starts the server from its own directory: `-C DIR mcp --plan P` is DIR/P."""
    repo = project(git_repo, chain_plan())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "orch", "-C", str(repo), "mcp", "--plan", "plan.md"],
        cwd=str(elsewhere),
        env=dict(os.environ),
    )

    async def main() -> CallToolResult:
        async with Client(params, cache=None) as client:
            result = await client.call_tool("task_queue_status", {})
            assert isinstance(result, CallToolResult)
            return result

    status = data(anyio.run(main))
    assert status["total"] == 5 and status["plan"].endswith("plan.md")


def test_enqueue_with_a_repeated_prerequisite_adds_it_once(git_repo: Path) -> None:
    repo = project(git_repo, chain_plan())
    added = data(
        call(
            repo,
            "task_enqueue",
            {"description": "Tidy up", "prerequisites": ["T001", "T001"]},
            "--plan",
            "plan.md",
        )
    )
    assert added["depends_on"] == ["T001"]
    assert "- [ ] T006 Tidy up (depends on T001)\n" in (repo / "plan.md").read_text()


def test_enqueue_through_a_symlinked_plan_edits_the_file_it_points_to(git_repo: Path) -> None:
    """spec-kit's tasks.md found by discovery is a symlink: it stays one, its target changes."""
    (git_repo / "plans").mkdir()
    (git_repo / "plans" / "tasks.md").write_text(chain_plan())
    feature = git_repo / "specs" / "001-feature"
    feature.mkdir(parents=True)
    (feature / "tasks.md").symlink_to(Path("..") / ".." / "plans" / "tasks.md")
    commit_all(git_repo)
    data(call(git_repo, "task_enqueue", {"description": "Tidy up"}))
    assert (feature / "tasks.md").is_symlink()
    assert "- [ ] T006 Tidy up\n" in (git_repo / "plans" / "tasks.md").read_text()


def test_an_unexpected_failure_is_a_tool_error_that_says_what_happened(git_repo: Path) -> None:
    """An OSError (here the lock path is a directory) is not an OrchError: the tool error still
    carries the CLI's lines, no traceback is logged, and the server keeps serving."""
    repo = project(git_repo, chain_plan())
    (repo / ".specify" / "orch" / "lock").mkdir(parents=True)
    log = repo.parent / "server-stderr.txt"
    server = (
        f"exec {shlex.quote(sys.executable)} -m orch mcp --plan plan.md 2>{shlex.quote(str(log))}"
    )
    params = StdioServerParameters(
        command="sh", args=["-c", server], cwd=str(repo), env=dict(os.environ)
    )

    async def main() -> tuple[CallToolResult, CallToolResult]:
        async with Client(params, cache=None) as client:
            failed = await client.call_tool("task_enqueue", {"description": "Tidy up"})
            listed = await client.call_tool("task_list", {})
            assert isinstance(failed, CallToolResult) and isinstance(listed, CallToolResult)
            return failed, listed

    failed, listed = anyio.run(main)
    assert failed.is_error
    lines = text(failed).split("error: ", 1)[1].splitlines()
    assert lines[0].startswith("internal error: IsADirectoryError: ") and "lock" in lines[0]
    assert lines[1].startswith("hint: this is a bug in orch")
    assert data(listed)["total"] == 5
    assert "Traceback" not in log.read_text()


HOLD_LOCK = """
import sys
from pathlib import Path
from orch.store.lock import ProjectLock

with ProjectLock(Path(sys.argv[1]), "mcp task_enqueue"):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_write_waits_for_another_servers_write_instead_of_failing(git_repo: Path) -> None:
    """Two coordinating agents, two servers: a write that meets another server's write (it holds
    the lock for a moment) waits for it; only a run's lock refuses at once."""
    repo = project(git_repo, chain_plan())
    (repo / ".specify" / "orch").mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(repo / ".specify" / "orch" / "lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline() == "held\n"

    async def script(client: Client) -> CallToolResult:
        async def release_soon() -> None:
            await anyio.sleep(1)  # ordering only: the enqueue is already waiting by then
            assert holder.stdin is not None
            holder.stdin.close()

        async with anyio.create_task_group() as group:
            group.start_soon(release_soon)
            result = await client.call_tool("task_enqueue", {"description": "Tidy up"})
        assert isinstance(result, CallToolResult)
        return result

    try:
        added = data(with_server(repo, script, "--plan", "plan.md"))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert added["id"] == "T006"


def test_the_tool_list_arrives_before_any_service_is_imported(git_repo: Path) -> None:
    """`orch mcp` answers the handshake and the tool list with the services not yet imported
    (issue 23: a client that waits little went ahead without orch's tools); a tool call
    imports them. The server runs under ``-X importtime``, its stderr kept in a file."""
    repo = project(git_repo, chain_plan())
    log = repo.parent / "imports.txt"

    def imported() -> set[str]:
        return {line.rsplit("|", 1)[-1].strip() for line in log.read_text().splitlines()
                if line.startswith("import time:")}

    def session(script: Callable[[Client], Awaitable[T]]) -> T:
        command = (f"exec {shlex.quote(sys.executable)} -X importtime -m orch "
                   f"-C {shlex.quote(str(repo))} mcp --plan plan.md 2>{shlex.quote(str(log))}")
        params = StdioServerParameters(command="sh", args=["-c", command], cwd=str(repo),
                                       env=dict(os.environ))

        async def main() -> T:
            async with Client(params, cache=None) as client:
                return await script(client)

        return anyio.run(main)

    async def list_names(client: Client) -> set[str]:
        return {tool.name for tool in (await client.list_tools()).tools}

    assert session(list_names) == TOOLS
    assert "orch.mcp.server" in imported()
    services = {"orch.domain.plan", "orch.domain.graph", "orch.domain.state"}  # what they import
    assert not services & imported()

    async def list_tasks(client: Client) -> dict[str, Any]:
        return data(await client.call_tool("task_list", {}))

    assert [t["id"] for t in session(list_tasks)["tasks"]][:2] == ["T001", "T002"]
    assert services <= imported()  # the log does show them once a tool needs them
