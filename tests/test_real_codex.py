"""Contract test: the REAL Codex CLI, run by `orch run`, against a fake OpenAI Responses API
(SSE) on 127.0.0.1, configured as a ``model_providers`` entry with ``wire_api = "responses"``
in a private CODEX_HOME. One success, one transient error, one client error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import OrchRunner, git
from fakes.openai_responses_server import Answer, Error, FakeResponses
from real_cli_support import (
    assert_agents_check_passes,
    failed_run_error,
    one_task_project,
    real_cli,
    run_plan,
    task_of,
)

MODEL = "gpt-5-codex"


@pytest.fixture
def server() -> Iterator[FakeResponses]:
    fake = FakeResponses().start()
    yield fake
    fake.stop()


@pytest.fixture
def env(tmp_path: Path, server: FakeResponses) -> dict[str, str]:
    base = real_cli("codex", tmp_path)
    codex_home = tmp_path / "codex-home"
    codex_home.mkdir()
    (codex_home / "config.toml").write_text(
        f'model = "{MODEL}"\nmodel_provider = "fake"\n\n[model_providers.fake]\n'
        f'name = "fake"\nbase_url = "{server.url}"\nenv_key = "FAKE_OPENAI_KEY"\n'
        'wire_api = "responses"\nrequest_max_retries = 1\nstream_max_retries = 1\n')
    return {**base, "CODEX_HOME": str(codex_home), "FAKE_OPENAI_KEY": "sk-fake-openai-key"}


def test_success_writes_the_file_and_counts_reasoning_and_cache_writes(
        env: dict[str, str], git_repo: Path, server: FakeResponses, orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "codex", MODEL)
    server.add(Answer(tool="exec_command", arguments={"cmd": "printf 'hi\\n' > hello.txt"}),
               Answer(text="Created hello.txt."))
    code, status, output = run_plan(orch, project, env)
    assert code == 0, output
    assert (project / "hello.txt").read_text() == "hi\n"
    task = task_of(status)
    assert task["status"] == "done", task
    # two responses of 1000 input (200 cached, 50 cache-written) and 80 output (30 reasoning)
    assert task["input_tokens"] == 1500 and task["output_tokens"] == 160
    assert task["reasoning_output_tokens"] == 60
    expected = (1500 * 1.25 + 400 * 0.125 + 100 * 1.25 * 1.25 + 160 * 10.0) / 1e6
    assert task["cost_usd"] == pytest.approx(expected, abs=1e-6)
    assert "hello.txt" in git(project, "show", "--stat", "HEAD")


def test_server_error_is_a_transient_api_error(
        env: dict[str, str], git_repo: Path, server: FakeResponses, orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "codex", MODEL)
    server.default = Error(500, "The server had an error while processing your request.")
    failed_run_error(orch, project, env, "api_error")


def test_a_server_error_codex_retries_past_is_a_success(
        env: dict[str, str], git_repo: Path, server: FakeResponses, orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "codex", MODEL)
    # request_max_retries = 1: two 500s exhaust the request, Codex reports "Reconnecting... 1/1"
    # as an `error` event and its stream retry then succeeds
    server.add(Error(500, "boom"), Error(500, "boom"),
               Answer(tool="exec_command", arguments={"cmd": "printf 'hi\\n' > hello.txt"}),
               Answer(text="Created hello.txt."))
    code, status, output = run_plan(orch, project, env)
    assert code == 0, output
    assert task_of(status)["status"] == "done", status
    assert (project / "hello.txt").read_text() == "hi\n"


def test_bad_key_is_a_client_error_with_a_key_hint(
        env: dict[str, str], git_repo: Path, server: FakeResponses, orch: OrchRunner) -> None:
    project = one_task_project(git_repo, "dev", "codex", MODEL)
    server.default = Error(401, "Incorrect API key provided", "invalid_api_key")
    error = failed_run_error(orch, project, env)
    assert "hint: check the API key" in error


def test_agents_check_accepts_every_flag_orch_passes(
        env: dict[str, str], git_repo: Path, orch: OrchRunner) -> None:
    assert_agents_check_passes(orch, git_repo, env, "codex", MODEL, "codex-cli")
