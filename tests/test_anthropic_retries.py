"""Retries on 429 (retry-after), 529, 500 and dropped streams; then api_error. Every retry is
shown and journaled; an unreachable host is given up quickly; the total is bounded by config.
The key never reaches the log."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest

from conftest import OrchRunner, git, point_sdk_at
from fakes.anthropic_server import Failure, FakeAnthropic, text
from fakes.contexts import make_context
from orch.adapters.anthropic_client import RetryPolicy
from orch.adapters.anthropic_loop import AnthropicAdapter
from orch.adapters.base import AgentStatus

API_KEY = "sk-ant-api03-retry-test-key-XYZXYZXYZ"


@pytest.fixture
def server(anthropic_server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropic:
    return point_sdk_at(monkeypatch, anthropic_server, API_KEY)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


@pytest.mark.parametrize("stream", [True, False], ids=["streaming", "plain"])
def test_429_529_500_then_success(server: FakeAnthropic, project: Path, stream: bool) -> None:
    server.add(
        Failure(429, "rate_limit_error", "slow down", headers={"retry-after": "1"}),
        Failure(529, "overloaded_error", "Overloaded"),
        Failure(500, "api_error", "Internal server error"),
        text("finished"),
    )
    started = time.monotonic()
    result = AnthropicAdapter(stream=stream).run(make_context(project))
    assert result.status is AgentStatus.COMPLETED, result.error
    assert result.summary == "finished"
    assert len(server.requests) == 4
    assert time.monotonic() - started >= 0.95  # retry-after: 1 was respected
    log = Path(result.log_path or "").read_text()
    assert "HTTP 429" in log and "HTTP 529" in log and "HTTP 500" in log
    assert API_KEY not in log


def test_overloaded_error_inside_a_stream_is_retried(server: FakeAnthropic,
                                                     project: Path) -> None:
    server.add(Failure(200, "overloaded_error", "Overloaded", in_stream=True), text("ok"))
    result = AnthropicAdapter(stream=True).run(make_context(project))
    assert result.status is AgentStatus.COMPLETED, result.error
    assert len(server.requests) == 2


def test_never_succeeding_ends_api_error(server: FakeAnthropic, project: Path) -> None:
    server.default = Failure(503, "api_error", "unavailable")
    policy = RetryPolicy(base_delay=0.01, max_attempts=4)
    result = AnthropicAdapter(retry_policy=policy, stream=False).run(make_context(project))
    assert result.status is AgentStatus.API_ERROR
    assert "503" in (result.error or "") and "4 attempts" in (result.error or "")
    assert len(server.requests) == 4
    assert API_KEY not in Path(result.log_path or "").read_text()


def test_total_retry_time_is_capped(server: FakeAnthropic, project: Path) -> None:
    server.default = Failure(429, "rate_limit_error", "later", headers={"retry-after": "30"})
    policy = RetryPolicy(base_delay=0.01, max_total_s=5)
    started = time.monotonic()
    result = AnthropicAdapter(retry_policy=policy).run(make_context(project))
    assert result.status is AgentStatus.API_ERROR
    assert time.monotonic() - started < 5
    assert len(server.requests) == 1


def test_client_errors_are_not_retried(server: FakeAnthropic, project: Path) -> None:
    server.add(Failure(401, "authentication_error", "invalid x-api-key"))
    result = AnthropicAdapter(stream=False).run(make_context(project))
    assert result.status is AgentStatus.API_ERROR
    assert "401" in (result.error or "")
    assert len(server.requests) == 1


def test_connection_refused_is_retried_then_api_error(
        monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    policy = RetryPolicy(base_delay=0.01, max_attempts=3)
    result = AnthropicAdapter(retry_policy=policy, stream=False).run(make_context(project))
    assert result.status is AgentStatus.API_ERROR
    assert "connection" in (result.error or "").lower()


def _this_machines_address() -> str | None:
    """A non-loopback address of this machine (a UDP connect sends nothing), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("203.0.113.1", 9))
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def test_a_dns_failure_gives_up_after_two_tries(monkeypatch: pytest.MonkeyPatch,
                                                project: Path) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://orch-test-host.invalid")
    heard: list[str] = []
    policy = RetryPolicy(base_delay=0.01, max_attempts=8)
    result = AnthropicAdapter(retry_policy=policy, stream=False).run(
        make_context(project, notify=heard.append))
    assert result.status is AgentStatus.API_ERROR
    assert "DNS" in (result.error or "") and "after 2 attempts" in (result.error or "")
    assert len(heard) == 1 and "retry 1/1" in heard[0]


def test_a_refused_connection_to_another_host_gives_up_after_two_tries(
        monkeypatch: pytest.MonkeyPatch, project: Path) -> None:
    address = _this_machines_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://{address}:1")
    policy = RetryPolicy(base_delay=0.01, max_attempts=8)
    result = AnthropicAdapter(retry_policy=policy, stream=False).run(make_context(project))
    assert result.status is AgentStatus.API_ERROR
    assert "refused" in (result.error or "") and "after 2 attempts" in (result.error or "")


def test_the_total_retry_time_comes_from_config(server: FakeAnthropic, project: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    config = project / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("api_retry_seconds: 1\n")
    monkeypatch.setenv("ORCH_RETRY_BASE_DELAY", "0.2")
    monkeypatch.setenv("ORCH_RETRY_MAX_ATTEMPTS", "6")
    server.default = Failure(503, "api_error", "unavailable")
    result = AnthropicAdapter(stream=False).run(make_context(project))
    assert result.status is AgentStatus.API_ERROR
    assert "the retry limit is 1s" in (result.error or ""), result.error
    assert 2 <= len(server.requests) <= 4


def test_every_retry_is_shown_live_and_journaled(server: FakeAnthropic, git_repo: Path,
                                                 orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text("# R\n\n## Phase 1: B\n\n- [ ] T001 Say hi\n"
                                      "  - verify: `true`\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "plan")
    server.add(Failure(529, "overloaded_error", "Overloaded"),
               Failure(500, "api_error", "Internal server error"), text("hi"))
    out = orch("run", "plan.md", "--agent", "anthropic", cwd=git_repo,
               env={"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": server.url,
                    "ORCH_RETRY_BASE_DELAY": "0.01"})
    assert out.returncode == 0, out.stdout + out.stderr
    shown = [line for line in (out.stdout + out.stderr).splitlines() if "retry" in line]
    assert len(shown) == 2, out.stdout + out.stderr
    assert "HTTP 529" in shown[0] and "retry 1/7" in shown[0] and "T001" in shown[0]
    assert "HTTP 500" in shown[1] and "retry 2/7" in shown[1]
    (journal,) = (git_repo / ".specify" / "orch" / "runs").glob("*/events.jsonl")
    notes = [json.loads(line) for line in journal.read_text().splitlines()
             if '"note"' in line]
    assert [n["data"]["message"] for n in notes if "retry" in n["data"]["message"]] == [
        line.split(": ", 1)[1] for line in shown]
    log = orch("log", "T001", cwd=git_repo).stdout
    assert log.count("--- api retry ---") == 2
