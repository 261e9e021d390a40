"""Contract test: the REAL aider (in its own venv), run by `orch run`, against the fake
Anthropic Messages API on 127.0.0.1 reached through litellm's ANTHROPIC_API_BASE. One success,
one edit-nothing run, one transient error and one client error (aider exits 0 on both)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import OrchRunner, git
from fakes.anthropic_server import Failure, FakeAnthropic, text
from real_cli_support import (
    assert_agents_check_passes,
    failed_run_error,
    one_task_project,
    real_cli,
    run_plan,
    task_of,
)

MODEL = "anthropic/claude-sonnet-4-5"
EDIT = "hello.txt\n```\n<<<<<<< SEARCH\n=======\nhi\n>>>>>>> REPLACE\n```\n"


@pytest.fixture
def env(tmp_path: Path, anthropic_server: FakeAnthropic) -> dict[str, str]:
    return {**real_cli("aider", tmp_path), "ANTHROPIC_API_KEY": "sk-ant-fake-key",
            "ANTHROPIC_API_BASE": anthropic_server.url, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}


def _aider_files(project: Path) -> list[str]:
    return [p.name for p in project.iterdir() if p.name.startswith(".aider")]


def test_success_checkpoints_only_the_task_change(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "aider", MODEL)
    anthropic_server.add(text(EDIT, input_tokens=2000, output_tokens=50))
    code, status, output = run_plan(orch, project, env)
    assert code == 0, output
    assert (project / "hello.txt").read_text() == "hi\n"
    task = task_of(status)
    assert task["status"] == "done", task
    assert task["input_tokens"] == 2000 and task["output_tokens"] == 50
    assert float(str(task["cost_usd"])) > 0
    assert task["files_changed"] == ["hello.txt"]
    committed = git(project, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == ["hello.txt", "plan.md"], committed  # plan.md: its [x] mark
    assert _aider_files(project), "aider wrote its history files"  # …but they stay untracked
    assert not (project / ".gitignore").exists()
    assert git(project, "status", "--porcelain") == ""


def test_an_edit_nothing_run_is_no_change(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "aider", MODEL)
    anthropic_server.add(text("Nothing needs to change."))
    code, status, output = run_plan(orch, project, env)
    assert code == 1, output
    task = task_of(status)
    assert task["error"] == "agent failed: aider made no changes", task
    assert task["files_changed"] == []
    assert not (project / ".gitignore").exists()
    assert git(project, "status", "--porcelain") == ""


def test_overloaded_is_a_transient_api_error_despite_exit_0(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "aider", MODEL)
    anthropic_server.default = Failure(529, "overloaded_error", "Overloaded")
    error = failed_run_error(orch, project, env, "api_error")  # aider retries ~60 s
    assert error.startswith("agent api_error: aider: litellm."), error


def test_bad_key_is_a_client_error_despite_exit_0(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "aider", MODEL)
    anthropic_server.default = Failure(401, "authentication_error", "invalid x-api-key")
    error = failed_run_error(orch, project, env)
    assert error.startswith("agent failed: aider: litellm.AuthenticationError"), error
    assert "hint: check the API key" in error


def test_agents_check_accepts_every_flag_orch_passes(
        env: dict[str, str], git_repo: Path, orch: OrchRunner) -> None:
    assert_agents_check_passes(orch, git_repo, env, "aider", MODEL, "aider ")
