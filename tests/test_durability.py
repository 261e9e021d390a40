"""Durable before the next action: fsync order seen from inside a real ``orch`` process.

SIGKILL keeps the page cache, so no kill test notices a missing fsync. Here the orch subprocess
loads ``tests/fakes/durability/sitecustomize.py``, which records every fsync, rename, process
start and HTTP request in order; the checks below read that trace. They fail when the journal
skips its fsync, when the runner's barrier does nothing, when an atomic write renames a file
it never fsync'd, or when a rename's directory is not fsync'd before the next action.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import OrchRunner, commit_all, make_plan, shell_task
from fakes.anthropic_server import FakeAnthropic, text, tool

TRACER = Path(__file__).resolve().parent / "fakes" / "durability"
NOT_DURABLE_BY_DESIGN = ("status.md",)
"""Regenerated views, written with ``durable=False``."""


def traced(orch: OrchRunner, repo: Path, trace: Path, *args: str,
           env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Run ``orch ARGS`` with the tracer loaded; the trace records, in order."""
    path = os.pathsep.join(filter(None, [str(TRACER), os.environ.get("PYTHONPATH")]))
    result = orch(*args, cwd=repo, env={**(env or {}), "PYTHONPATH": path,
                                        "ORCH_TEST_TRACE": str(trace),
                                        "ORCH_TEST_PROJECT": str(repo)})
    assert result.returncode == 0, result.stdout + result.stderr
    return [json.loads(line) for line in trace.read_text().splitlines()]


def is_checkpoint(argv: list[str]) -> bool:
    """A git command that makes a checkpoint: the commit, or the ref that names it."""
    return argv[1] == "commit" or (argv[1] == "update-ref" and argv[2:3] == ["-m"]
                                   and argv[3].startswith("orch: checkpoint"))


def check_durable(records: list[dict[str, Any]]) -> dict[str, int]:
    """Assert the durability rules over a trace; how many actions and renames were checked."""
    synced: dict[str, int] = {}
    fsynced_since_rename: set[str] = set()
    renamed_in: set[str] = set()  # directories with a rename not yet fsync'd
    checked = {"exec": 0, "call": 0, "replace": 0, "checkpoint": 0}
    for record in records:
        op = record["op"]
        if op == "fsync":
            synced[record["path"]] = record["size"]
            fsynced_since_rename.add(record["path"])
            renamed_in.discard(record["path"])
        elif op in ("exec", "call"):
            if op == "exec" and Path(record["argv"][0]).name == "git":
                if not is_checkpoint(record["argv"]):
                    continue
                op = "checkpoint"
            what = record.get("argv") or record.get("url")
            assert not renamed_in, f"rename in {renamed_in} not fsync'd before {what}"
            for journal, size in record["journals"].items():
                assert synced.get(journal, 0) >= size, (
                    f"{size - synced.get(journal, 0)} bytes of {journal} not fsync'd "
                    f"before {what}")
            checked[op] += 1
        elif op == "replace" and not record["dst"].endswith(NOT_DURABLE_BY_DESIGN):
            assert record["src"] in fsynced_since_rename, (
                f"{record['src']} renamed to {record['dst']} without an fsync")
            fsynced_since_rename.discard(record["src"])
            renamed_in.add(os.path.dirname(record["dst"]))
            checked["replace"] += 1
    return checked


def test_journal_and_snapshots_are_on_disk_before_every_command_and_rename(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    plan = make_plan([
        ("One", [shell_task("T001", "First", "echo 1 > one.txt", verify=["test -f one.txt"]),
                 shell_task("T002", "Second", "echo 2 > two.txt")]),
        ("Two", [shell_task("T003", "Third", "echo 3 > three.txt", verify=["true"])]),
    ], gates={1: ["test -f two.txt"]})
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    checked = check_durable(traced(orch, git_repo, tmp_path / "run.trace", "run", "plan.md"))
    assert checked["exec"] >= 6, checked  # 3 tasks, 2 verify commands, 1 gate
    assert checked["replace"] >= 2, checked  # run.json, current
    assert checked["checkpoint"] == 4, checked  # the commit and the ref of each phase
    rolled = traced(orch, git_repo, tmp_path / "rollback.trace", "rollback", "phase-1", "--yes")
    assert check_durable(rolled)["replace"] >= 1  # the rollback journal
    resumed = check_durable(traced(orch, git_repo, tmp_path / "resume.trace", "resume"))
    assert resumed["exec"] >= 2, resumed  # T003 and its verify command again


@pytest.fixture
def server(anthropic_server: FakeAnthropic) -> FakeAnthropic:
    return anthropic_server


def _one_model_task(git_repo: Path, server: FakeAnthropic, marker: str = "") -> dict[str, str]:
    """A one-task plan the fake Messages API completes in two calls; the run's environment."""
    (git_repo / "plan.md").write_text(make_plan([("One", [
        f"- [ ] T001 {marker}Create hello.txt saying hello\n"
        "  - verify: `grep -q hello hello.txt`"])]))
    commit_all(git_repo)
    server.add(tool("write_file", {"path": "hello.txt", "content": "hello\n"}),
               text("Wrote hello.txt."))
    return {"ANTHROPIC_API_KEY": "sk-ant-api03-durability-0123456789",
            "ANTHROPIC_BASE_URL": server.url, "ORCH_RETRY_BASE_DELAY": "0.01"}


def test_journal_is_on_disk_before_every_model_call(
        git_repo: Path, orch: OrchRunner, tmp_path: Path, server: FakeAnthropic) -> None:
    env = _one_model_task(git_repo, server)
    records = traced(orch, git_repo, tmp_path / "run.trace", "run", "plan.md", "--agent",
                     "anthropic", env=env)
    checked = check_durable(records)
    assert checked["call"] == 2, checked


SECRET = "tok-9f8e7d6c5b4a39281706"


def test_journal_redacts_a_secret_an_event_really_carries(
        git_repo: Path, orch: OrchRunner) -> None:
    check = f"curl -s -H 'Authorization: token {SECRET}' http://127.0.0.1:9/ >/dev/null"
    (git_repo / "plan.md").write_text(make_plan([("One", [
        shell_task("T001", "Deploy", "true", verify=[check])])]))
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo, env={"DEPLOY_TOKEN": SECRET})
    assert result.returncode == 1, result.stdout + result.stderr
    [events] = (git_repo / ".specify" / "orch" / "runs").glob("*/events.jsonl")
    journal = events.read_text()
    finished = [json.loads(line) for line in journal.splitlines()
                if json.loads(line)["type"] == "task_finished"]
    assert finished and "Authorization: token [REDACTED]" in json.dumps(finished)
    assert SECRET not in journal


def journal_events(repo: Path) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    """The run journal's real path and each event with the byte offset where its line ends."""
    [path] = (repo / ".specify" / "orch" / "runs").glob("*/events.jsonl")
    out, end = [], 0
    for line in path.read_bytes().splitlines(keepends=True):
        end += len(line)
        out.append((end, json.loads(line)))
    return os.path.realpath(path), out


def check_lanes_durable(records: list[dict[str, Any]], repo: Path) -> dict[str, int]:
    """The ``--jobs`` rules: a lane's own ``task_started`` is fsync'd before the lane starts a
    command, and the whole journal (its ``integration_started`` last) before ``git apply``
    writes a task's work into the main tree; the controller's other commands as in
    :func:`check_durable`. Other lanes' events may still be in flight while a lane acts."""
    journal, events = journal_events(repo)
    lanes = {os.path.realpath(e["data"]["path"]): e["task"] for _, e in events
             if e["type"] == "worktree_created"}
    synced = 0
    checked = {"lane": 0, "apply": 0, "main": 0}
    for record in records:
        if record["op"] == "fsync" and record["path"] == journal:
            synced = record["size"]
        if record["op"] != "exec":
            continue
        size = record["journals"].get(journal, 0)
        written = [e for end, e in events if end <= size]
        argv = record["argv"]
        if record["thread"].startswith("orch-lane"):
            [task] = [t for p, t in lanes.items() if record["cwd"].startswith(p + os.sep)
                      or record["cwd"] == p]
            ends = [end for end, e in events if end <= size and e["type"] == "task_started"
                    and e["task"] == task]
            assert ends and synced >= ends[-1], f"{task}'s start not fsync'd before {argv}"
            checked["lane"] += Path(argv[0]).name != "git"
        elif Path(argv[0]).name == "git" and argv[1:2] == ["apply"]:
            assert written[-1]["type"] == "integration_started", written[-1]
            assert synced >= size, f"{size - synced} bytes not fsync'd before git apply"
            checked["apply"] += 1
        elif Path(argv[0]).name != "git":
            assert synced >= size, f"{size - synced} bytes not fsync'd before {argv}"
            checked["main"] += 1
    return checked


def test_parallel_lanes_journal_before_each_command_and_integration(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    tasks = [shell_task(f"T00{n}", f"[P] part {n}", f"sleep 0.{n}\necho {n} > p{n}.txt",
                        verify=[f"test -f p{n}.txt"]) for n in (1, 2, 3)]
    tasks.append(shell_task("T004", "Alone", "echo 4 > four.txt", verify=["test -f p1.txt"]))
    (git_repo / "plan.md").write_text(make_plan([("One", tasks)], gates={1: ["true"]}))
    commit_all(git_repo)
    records = traced(orch, git_repo, tmp_path / "run.trace", "run", "plan.md", "--jobs", "2",
                     "--yes")
    checked = check_lanes_durable(records, git_repo)
    assert checked["lane"] >= 6, checked  # 3 [P] tasks, each its script and its verify
    assert checked["apply"] == 3, checked  # each [P] task's work into the main tree
    assert checked["main"] >= 6, checked  # 3 re-checks after integration, T004 twice, gate
    check_durable([r for r in records if not r.get("thread", "").startswith("orch-lane")])


def test_journal_is_on_disk_before_every_model_call_of_a_lane(
        git_repo: Path, orch: OrchRunner, tmp_path: Path, server: FakeAnthropic) -> None:
    env = _one_model_task(git_repo, server, "[P] ")
    records = traced(orch, git_repo, tmp_path / "run.trace", "run", "plan.md", "--agent",
                     "anthropic", "--jobs", "2", "--yes", env=env)
    _, events = journal_events(git_repo)
    assert [e["data"].get("lane") for _, e in events if e["type"] == "task_started"] == [1]
    # One lane and an idle controller: nothing else writes while the lane calls the model.
    assert check_durable(records)["call"] == 2
    assert check_lanes_durable(records, git_repo)["apply"] == 1


def test_journal_is_on_disk_before_each_task_checkpoint(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    (git_repo / "plan.md").write_text(make_plan([("One", [
        shell_task("T001", "First", "echo 1 > one.txt"),
        shell_task("T002", "Second", "echo 2 > two.txt")])]))
    commit_all(git_repo)
    records = traced(orch, git_repo, tmp_path / "run.trace", "run", "plan.md", "--commit",
                     "task")
    # Both tasks, then the phase: a commit and a ref each.
    assert check_durable(records)["checkpoint"] == 6
