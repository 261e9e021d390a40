"""A hostile model cannot hang orch: runaway regexes are stopped, and a task timeout or Ctrl-C
ends a tool call or a model call in progress, not only between turns."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from conftest import git, start_orch
from fakes.anthropic_server import FakeAnthropic, Stall, tool
from orch.adapters.tools import ProjectTools

API_KEY = "sk-ant-api03-hang-test-key-0123456789"
ISSUE_PATTERN = r"(a+)+$"  # catastrophic for Python's re on "a"*40 + "!"
RUNAWAY_PATTERN = r"(a|aa)+$"  # catastrophic for re and for the regex package alike
SIGNAL_BOUND_S = 10.0
"""From the signal to the run's recorded end (neither start-up nor interpreter exit in it).

The aim is well under 2 s (a regex call lasts at most 0.2 s, a model call is polled every
0.1 s); the bound is generous because a machine shared by many test runs can starve the
process for seconds. Before the fix the run never stopped at all."""


def _plan(timeout: str = "") -> str:
    extra = f"\n  - timeout: {timeout}" if timeout else ""
    return ("# Hang\n\n## Phase 1: Build\n\n- [ ] T001 Look for runs of a in data.txt"
            f"{extra}\n  - verify: `true`\n")


def _project(git_repo: Path, plan: str) -> Path:
    (git_repo / "plan.md").write_text(plan)
    (git_repo / "data.txt").write_text("a" * 40 + "!\n" + "a" * 60 + "!\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "plan")
    return git_repo


def _start(project: Path, server: FakeAnthropic) -> subprocess.Popen[str]:
    env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": server.url,
           "ORCH_RETRY_BASE_DELAY": "0.01"}
    return start_orch("run", "plan.md", "--agent", "anthropic", cwd=project, env=env,
                      output=True)


def _wait_for(predicate: object, limit: float = 60.0) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("the run never got there")


def _log_has(project: Path, text: str) -> bool:
    return any(text in log.read_text(errors="replace")
               for log in (project / ".specify" / "orch" / "runs").glob("*/logs/T001.log"))


def _events(project: Path) -> list[dict[str, object]]:
    (journal,) = (project / ".specify" / "orch" / "runs").glob("*/events.jsonl")
    return [json.loads(line) for line in journal.read_text().splitlines() if line.strip()]


def _when(event: dict[str, object]) -> float:
    return datetime.fromisoformat(str(event["ts"]).replace("Z", "+00:00")).timestamp()


def _interrupt(project: Path, process: subprocess.Popen[str],
               signum: int = signal.SIGINT) -> tuple[int, float, str]:
    """A signal, then the exit code, the seconds from the signal to the run's recorded
    interruption, and the output."""
    sent = time.time()
    process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"signal {signum} did not stop orch within 60 s\n{out}{err}") from None
    ended = [e for e in _events(project) if e["type"] == "run_state"
             and isinstance(e["data"], dict) and e["data"].get("state") == "interrupted"]
    assert ended, out + err
    took = _when(ended[-1]) - sent
    print(f"signal {signum} to recorded interruption: {took:.2f}s")  # the figure, pytest -s
    return process.returncode, took, out + err


def test_runaway_patterns_return_a_tool_error_promptly(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("a" * 40 + "!\n" + "a" * 60 + "!\n")
    tools = ProjectTools(project_dir=tmp_path)
    issue = tools.execute("search", {"pattern": ISSUE_PATTERN, "path": "."})
    assert not issue.is_error and issue.content == "no matches"
    runaway = tools.execute("search", {"pattern": RUNAWAY_PATTERN, "path": "data.txt"})
    assert runaway.is_error and "took over" in runaway.content, runaway.content
    ok = tools.execute("search", {"pattern": r"a{3}!$", "path": "."})
    assert ok.content == "data.txt:1: " + "a" * 40 + "!\ndata.txt:2: " + "a" * 60 + "!"


def test_a_search_stops_at_the_task_deadline(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text(("a" * 60 + "!\n") * 50)
    tools = ProjectTools(project_dir=tmp_path, seconds_left=lambda: 0.2)
    outcome = tools.execute("search", {"pattern": RUNAWAY_PATTERN, "path": "."})
    assert "time limit reached" in outcome.content, outcome.content


def test_a_task_timeout_ends_a_runaway_search_loop(server: FakeAnthropic,
                                                   git_repo: Path) -> None:
    project = _project(git_repo, _plan("3s"))
    server.add(tool("search", {"pattern": ISSUE_PATTERN, "path": "."}))
    server.default = tool("search", {"pattern": RUNAWAY_PATTERN, "path": "."})
    process = _start(project, server)
    try:
        out, err = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("a timeout: 3s task was still running after 90 s") from None
    assert process.returncode == 1, out + err
    events = _events(project)
    (started,) = [e for e in events if e["type"] == "task_started"]
    (finished,) = [e for e in events if e["type"] == "task_finished"]
    assert _when(finished) - _when(started) < 3 + 5
    assert "timed out after 3s" in out + err
    assert _log_has(project, "took over")


def test_sigint_during_a_runaway_search_exits_130_promptly(server: FakeAnthropic,
                                                          git_repo: Path) -> None:
    project = _project(git_repo, _plan())
    server.default = tool("search", {"pattern": RUNAWAY_PATTERN, "path": "."})
    process = _start(project, server)
    _wait_for(lambda: _log_has(project, "tool call search"))
    code, took, output = _interrupt(project, process)
    assert code == 130, output
    assert took < SIGNAL_BOUND_S, f"{took:.2f}s from SIGINT to the recorded interruption"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_during_a_hung_model_call_exits_130_promptly(
        server: FakeAnthropic, git_repo: Path, signum: int) -> None:
    project = _project(git_repo, _plan())
    server.add(Stall(120))
    process = _start(project, server)
    _wait_for(lambda: len(server.requests) == 1)
    code, took, output = _interrupt(project, process, signum)
    assert code == 130, output
    assert took < SIGNAL_BOUND_S, f"{took:.2f}s from SIGINT to the recorded interruption"


def test_a_task_timeout_during_a_hung_model_call_is_a_timeout(server: FakeAnthropic,
                                                              git_repo: Path) -> None:
    project = _project(git_repo, _plan("2s"))
    server.add(Stall(120))
    process = _start(project, server)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, out + err
    assert "timed out after 2s" in out + err
    assert len(server.requests) == 1


@pytest.fixture
def server(anthropic_server: FakeAnthropic) -> FakeAnthropic:
    return anthropic_server
