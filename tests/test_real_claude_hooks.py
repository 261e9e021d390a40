"""In-session gates against the REAL Claude Code binary and a scripted Messages API on 127.0.0.1.

The scripted model first ends its turn without doing the task; orch's Stop hook, given to that
one invocation with ``--settings``, runs the task's check and blocks the stop, so the next
request to the model carries the failing check, and the task is done in ONE orch attempt.
Without the gate the same script costs two attempts. The write fence denies a ``Write`` outside
the task's files. The user's own ``.claude/settings.json`` is never touched, and its hook runs.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all
from fakes.anthropic_server import FakeAnthropic, text, tool
from real_cli_support import claude_env, run_plan, task_of

MODEL = "claude-sonnet-4-6"


@pytest.fixture
def env(tmp_path: Path, anthropic_server: FakeAnthropic) -> dict[str, str]:
    return claude_env(tmp_path, anthropic_server.url)


def _project(repo: Path, config: str = "", task_extra: str = "") -> Path:
    (repo / "plan.md").write_text(
        "# Hooks\n\n## Phase 1: Build\n\n"
        "- [ ] T001 Create hello.txt containing the word hi\n"
        "  - agent: dev\n"
        "  - verify: `grep -q hi hello.txt`\n" + task_extra)
    path = repo / ".specify" / "orch" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"agents:\n  dev:\n    adapter: claude-code\n    model: {MODEL}\n"
                    f"gate: none\n{config}")
    commit_all(repo, "plan")
    return repo


def _model_calls(server: FakeAnthropic) -> list[dict[str, object]]:
    return [r for r in server.requests if r.get("model") == MODEL]


def _events(project: Path, kind: str) -> list[dict[str, object]]:
    runs = project / ".specify" / "orch" / "runs"
    (run,) = list(runs.iterdir())
    lines = (run / "events.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["type"] == kind]


def test_stop_gate_catches_an_early_stop_in_one_attempt(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner, tmp_path: Path) -> None:
    project = _project(git_repo, "retries: 1\n")
    # the user's own project settings, with a hook of their own
    marker = tmp_path / "user-hook-ran"
    user_settings = project / ".claude" / "settings.json"
    user_settings.parent.mkdir()
    user_settings.write_text(json.dumps({"hooks": {"Stop": [{"hooks": [
        {"type": "command", "command": f"echo ran >> {marker}"}]}]}}, indent=2) + "\n")
    commit_all(project, "user settings")
    before = user_settings.read_bytes()
    anthropic_server.add(
        text("All done."),  # ends its turn without creating the file
        tool("Write", {"file_path": str(project / "hello.txt"), "content": "hi\n"}),
        text("Created hello.txt."))
    code, status, output = run_plan(orch, project, env)
    assert code == 0, output
    task = task_of(status)
    assert task["status"] == "done" and task["verified"] is True, task
    assert task["attempts"] == 1, task
    calls = _model_calls(anthropic_server)
    assert len(calls) == 3, len(calls)
    # the request after the blocked stop carries the hook's reason: the failing check
    assert "grep -q hi hello.txt" in json.dumps(calls[1]["messages"])
    (blocked,) = _events(project, "hook_blocked")
    assert blocked["task"] == "T001" and blocked["data"]["kind"] == "stop"
    assert blocked["data"]["check"] == "grep -q hi hello.txt"
    assert user_settings.read_bytes() == before
    assert marker.exists()  # their hook ran beside orch's
    assert not list(project.glob(".claude/settings.local.json"))
    # nothing of the gate is left in the project: the checkpoint holds the task's work only
    left = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                          cwd=project, capture_output=True, text=True, check=True).stdout
    assert left == "", left
    log = orch("log", "T001", cwd=project, env=env)
    assert "in-session gate stopped the agent 1 time" in log.stdout, log.stdout
    report = json.loads(orch("report", "--json", cwd=project, env=env).stdout)
    assert "1 caught in session" in orch("report", cwd=project, env=env).stdout
    assert json.dumps(report).count('"hook_blocks": 1') == 1


def test_without_the_gate_the_same_script_takes_two_attempts(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    project = _project(git_repo, "retries: 1\nretry_backoff: 0\nin_session_gate: false\n")
    anthropic_server.add(
        text("All done."),
        tool("Write", {"file_path": str(project / "hello.txt"), "content": "hi\n"}),
        text("Created hello.txt."))
    code, status, output = run_plan(orch, project, env)
    assert code == 0, output
    task = task_of(status)
    assert task["status"] == "done" and task["attempts"] == 2, task
    assert _events(project, "hook_blocked") == []


def test_write_fence_denies_a_write_outside_the_task_files(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    project = _project(git_repo, task_extra="  - files: hello.txt\n  - strict: true\n")
    anthropic_server.add(
        tool("Write", {"file_path": str(project / "elsewhere.txt"), "content": "x\n"}),
        tool("Write", {"file_path": str(project / "hello.txt"), "content": "hi\n"}),
        text("Created hello.txt."))
    code, status, output = run_plan(orch, project, env)
    assert code == 0, output
    assert not (project / "elsewhere.txt").exists()
    calls = _model_calls(anthropic_server)
    assert "outside the task's files" in json.dumps(calls[1]["messages"])
    kinds = [e["data"]["kind"] for e in _events(project, "hook_blocked")]
    assert kinds == ["write"]
    assert task_of(status)["status"] == "done"
    log = orch("log", "T001", cwd=project, env=env).stdout
    assert "the write fence denied 1 write(s)" in log and "stopped the agent" not in log, log
    report = orch("report", cwd=project, env=env).stdout
    assert "1 write(s) denied" in report and "caught in session" not in report, report


def test_the_stop_gate_checks_the_project_after_the_agent_cd_ed_elsewhere(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    # Claude Code runs its hooks in the shell's current directory: after a `cd sub` the task's
    # check must still run in the project, and not block a task that is done.
    (git_repo / "sub").mkdir()
    (git_repo / "sub" / "notes.md").write_text("notes\n")
    project = _project(git_repo, "retries: 0\n")
    anthropic_server.add(
        tool("Write", {"file_path": str(project / "hello.txt"), "content": "hi\n"}),
        tool("Bash", {"command": "cd sub && pwd"}),  # read-only: allowed without asking
        text("Created hello.txt."))
    code, status, output = run_plan(orch, project, env)
    assert code == 0, output
    assert task_of(status)["status"] == "done"
    assert _events(project, "hook_blocked") == []
    assert len(_model_calls(anthropic_server)) == 3


def test_a_users_own_settings_file_in_orch_claude_args_keeps_its_hooks(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner, tmp_path: Path) -> None:
    project = _project(git_repo, "retries: 0\n")
    marker = tmp_path / "their-hook-ran"
    (project / "mine.json").write_text(json.dumps({"hooks": {"Stop": [{"hooks": [
        {"type": "command", "command": f"echo ran >> {marker}"}]}]}}))
    commit_all(project, "their settings")
    anthropic_server.add(
        text("All done."),
        tool("Write", {"file_path": str(project / "hello.txt"), "content": "hi\n"}),
        text("Created hello.txt."))
    # a path relative to the project, as Claude Code itself would read it
    theirs = {**env, "ORCH_CLAUDE_ARGS": "--settings mine.json"}
    code, status, output = run_plan(orch, project, theirs)
    assert code == 0, output
    assert task_of(status)["attempts"] == 1
    assert len(_events(project, "hook_blocked")) == 1
    assert marker.exists()
