"""Contract test: the REAL Claude Code binary, run by `orch run`, against a fake Anthropic
Messages API (SSE) on 127.0.0.1. One success, one transient error, one client error."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import OrchRunner, git
from fakes.anthropic_server import Failure, FakeAnthropic, text, tool
from real_cli_support import (
    assert_agents_check_passes,
    claude_env,
    failed_run_error,
    one_task_project,
    run_plan,
    task_of,
)

MODEL = "claude-sonnet-4-6"


@pytest.fixture
def env(tmp_path: Path, anthropic_server: FakeAnthropic) -> dict[str, str]:
    return claude_env(tmp_path, anthropic_server.url)


def test_success_writes_the_file_and_records_usage_and_cost(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "claude-code", MODEL)
    anthropic_server.add(
        tool("Write", {"file_path": str(project / "hello.txt"), "content": "hi\n"},
             input_tokens=1500, output_tokens=60),
        text("Created hello.txt.", input_tokens=1700, output_tokens=20))
    code, status, output = run_plan(orch, project, env)
    assert code == 0, output
    assert (project / "hello.txt").read_text() == "hi\n"
    task = task_of(status)
    assert task["status"] == "done", task  # done only after its verify command passed
    assert task["input_tokens"] == 3200 and task["output_tokens"] == 80
    assert task["cost_usd"] == pytest.approx((3200 * 3 + 80 * 15) / 1e6)
    assert "hello.txt" in git(project, "show", "--stat", "HEAD")


def test_overloaded_is_a_transient_api_error(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "claude-code", MODEL)
    anthropic_server.default = Failure(529, "overloaded_error", "Overloaded")
    failed_run_error(orch, project, env, "api_error")
    # CLAUDE_CODE_MAX_RETRIES=2 bounded Claude Code's own retries: 1 call + 2 retries
    calls = [r for r in anthropic_server.requests if r.get("model") == MODEL]
    assert 1 < len(calls) <= 3


def test_bad_key_is_a_client_error_with_a_key_hint(
        env: dict[str, str], git_repo: Path, anthropic_server: FakeAnthropic,
        orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "claude-code", MODEL)
    anthropic_server.default = Failure(401, "authentication_error", "invalid x-api-key")
    error = failed_run_error(orch, project, env)
    assert "hint: check the API key" in error


def test_agents_check_accepts_every_flag_orch_passes(
        env: dict[str, str], git_repo: Path, orch: OrchRunner) -> None:
    assert_agents_check_passes(orch, git_repo, env, "claude-code", MODEL, "Claude Code")
