"""Contract test: the REAL Gemini CLI, run by `orch run` in a fresh project the user never
trusted, against a fake Gemini API (``streamGenerateContent?alt=sse``) on 127.0.0.1 reached
through GOOGLE_GEMINI_BASE_URL. One success, one transient error, one client error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import OrchRunner, git
from fakes.gemini_server import FakeGemini, Fault, Turn
from real_cli_support import (
    assert_agents_check_passes,
    failed_run_error,
    one_task_project,
    real_cli,
    run_plan,
    task_of,
)

MODEL = "gemini-2.5-pro"


@pytest.fixture
def server() -> Iterator[FakeGemini]:
    fake = FakeGemini().start()
    yield fake
    fake.stop()


@pytest.fixture
def env(tmp_path: Path, server: FakeGemini) -> dict[str, str]:
    base = real_cli("gemini", tmp_path)
    settings = Path(base["HOME"]) / ".gemini" / "settings.json"
    settings.parent.mkdir(exist_ok=True)
    # Auth only: with GOOGLE_GEMINI_BASE_URL set the CLI would pick its "gateway" auth, which
    # headless mode rejects. No trust setting: orch must trust the project itself. Two attempts
    # keep the CLI's own 429 retries short.
    settings.write_text(json.dumps({"security": {"auth": {"selectedType": "gemini-api-key"}},
                                    "general": {"maxAttempts": 2}}))
    return {**base, "GEMINI_API_KEY": "fake-gemini-key", "GOOGLE_GEMINI_BASE_URL": server.url}


def test_success_in_an_untrusted_project(
        env: dict[str, str], git_repo: Path, server: FakeGemini, orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "gemini", MODEL)
    server.add(Turn(function="write_file",
                    args={"file_path": str(project / "hello.txt"), "content": "hi\n"}),
               Turn(text="Created hello.txt."))
    code, status, output = run_plan(orch, project, env)
    assert code == 0, output
    assert (project / "hello.txt").read_text() == "hi\n"
    task = task_of(status)
    assert task["status"] == "done", task
    # two calls of 500 prompt tokens (100 cached) and 40 output
    assert task["input_tokens"] == 800 and task["output_tokens"] == 80
    assert task["cost_usd"] == pytest.approx((800 * 1.25 + 200 * 0.31 + 80 * 10.0) / 1e6,
                                             abs=1e-6)
    assert "hello.txt" in git(project, "show", "--stat", "HEAD")


def test_rate_limit_is_a_transient_api_error(
        env: dict[str, str], git_repo: Path, server: FakeGemini, orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "gemini", MODEL)
    server.default = Fault(429, "Resource has been exhausted (e.g. check quota).")
    failed_run_error(orch, project, env, "api_error")


def test_bad_request_is_a_client_error(
        env: dict[str, str], git_repo: Path, server: FakeGemini, orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "gemini", MODEL)
    server.default = Fault(400, "Request contains an invalid argument.")
    failed_run_error(orch, project, env)
    assert len(server.model_calls()) == 1  # a client error is not retried


def test_agents_check_accepts_every_flag_orch_passes(
        env: dict[str, str], git_repo: Path, orch: OrchRunner) -> None:
    assert_agents_check_passes(orch, git_repo, env, "gemini", MODEL, ".")
