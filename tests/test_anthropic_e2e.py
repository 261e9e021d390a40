"""End to end: `orch run` with the anthropic adapter against a fake Messages API server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import OrchRunner, git
from fakes.anthropic_server import Failure, FakeAnthropic, text, tool

API_KEY = "sk-ant-api03-e2e-secret-key-0123456789"

PLAN = """# Demo

## Phase 1: Build

- [ ] T001 Create hello.txt saying hello
  - verify: `grep -q hello hello.txt`
"""

CHAIN = """# Chain

## Phase 1: Build

- [ ] T001 Create one.txt
  - verify: `test -f one.txt`
- [ ] T002 Create two.txt (depends on T001)
  - verify: `test -f two.txt`
"""


@pytest.fixture
def server(anthropic_server: FakeAnthropic) -> FakeAnthropic:
    return anthropic_server


def _env(server: FakeAnthropic) -> dict[str, str]:
    return {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": server.url,
            "ORCH_RETRY_BASE_DELAY": "0.01", "ORCH_RETRY_MAX_ATTEMPTS": "3",
            "ORCH_ANTHROPIC_STREAM": "1"}


def _project(git_repo: Path, plan: str) -> Path:
    (git_repo / "plan.md").write_text(plan)
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "plan")
    return git_repo


def _no_key_anywhere(project: Path) -> None:
    for path in (project / ".specify").rglob("*"):
        if path.is_file():
            assert API_KEY not in path.read_text(errors="replace"), path
    history = subprocess.run(["git", "log", "-p", "--all"], cwd=project, capture_output=True,
                             text=True).stdout
    assert API_KEY not in history


def test_run_completes_and_status_shows_tokens_and_cost(
        server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, PLAN)
    server.add(
        tool("write_file", {"path": "hello.txt", "content": "hello\n"},
             input_tokens=1200, output_tokens=60),
        tool("run_command", {"command": "cat hello.txt"}, input_tokens=1300, output_tokens=30),
        text("Wrote hello.txt.", input_tokens=1400, output_tokens=20),
    )
    out = orch("run", "plan.md", "--agent", "anthropic", cwd=project, env=_env(server))
    assert out.returncode == 0, out.stdout + out.stderr
    assert (project / "hello.txt").read_text() == "hello\n"
    status = orch("status", "--json", cwd=project)
    data = json.loads(status.stdout)
    task = data["tasks"][0]
    assert task["status"] == "done"
    assert task["input_tokens"] >= 3900 and task["output_tokens"] == 110
    assert task["cost_usd"] > 0 and data["cost_usd"] > 0
    log = orch("log", "T001", cwd=project)
    assert "write_file" in log.stdout and "verification passed" in log.stdout
    _no_key_anywhere(project)


def test_api_that_never_answers_fails_the_run_and_resume_finishes_it(
        server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, PLAN)
    server.default = Failure(529, "overloaded_error", "Overloaded")
    out = orch("run", "plan.md", "--agent", "anthropic", cwd=project, env=_env(server))
    assert out.returncode == 1, out.stdout + out.stderr
    data = json.loads(orch("status", "--json", cwd=project).stdout)
    assert data["tasks"][0]["status"] == "failed"
    assert "api_error" in (data["tasks"][0]["error"] or "")
    _no_key_anywhere(project)
    server.default = text("ok")
    server.add(tool("write_file", {"path": "hello.txt", "content": "hello\n"}), text("done"))
    again = orch("resume", "--retry-failed", cwd=project, env=_env(server))
    assert again.returncode == 0, again.stdout + again.stderr
    _no_key_anywhere(project)


def test_cost_cap_stops_before_the_next_call_and_resume_with_more_finishes(
        server: FakeAnthropic, git_repo: Path, orch: OrchRunner) -> None:
    project = _project(git_repo, CHAIN)
    server.add(
        tool("write_file", {"path": "one.txt", "content": "1"}, input_tokens=20_000,
             output_tokens=1_000),
        text("one done", input_tokens=20_000, output_tokens=1_000))
    out = orch("run", "plan.md", "--agent", "anthropic", "--max-cost", "0.16", cwd=project,
               env=_env(server))
    assert out.returncode == 3, out.stdout + out.stderr
    data = json.loads(orch("status", "--json", cwd=project).stdout)
    assert data["state"] == "budget_exceeded"
    assert data["cost_usd"] <= 0.16
    assert len(server.requests) == 1  # the second call could have passed the cap
    server.script.clear()
    server.add(tool("write_file", {"path": "one.txt", "content": "1"}), text("one done"),
               tool("write_file", {"path": "two.txt", "content": "2"}), text("two done"))
    calls = len(server.requests)
    again = orch("resume", "--max-cost", "5", cwd=project, env=_env(server))
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(server.requests) > calls
    assert (project / "two.txt").exists()


def test_no_key_and_no_cli_exits_2_naming_the_options_but_shell_plans_run(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {"PATH": f"{empty}:/usr/bin:/bin"}
    project = _project(git_repo, PLAN)
    out = orch("run", "plan.md", cwd=project, env=env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "ANTHROPIC_API_KEY" in out.stderr and "claude" in out.stderr
    assert not (project / ".specify" / "orch" / "runs").exists() or not any(
        (project / ".specify" / "orch" / "runs").iterdir())
    (project / "plan.md").write_text("# Shell\n\n## Phase 1: Build\n\n- [ ] T001 Make it\n\n"
                                     "  ```bash\n  echo hello > hello.txt\n  ```\n")
    git(project, "commit", "-qam", "shell plan")
    ok = orch("run", "plan.md", cwd=project, env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert (project / "hello.txt").read_text() == "hello\n"
