"""Retries on 429 (retry-after), 529, 500 and dropped streams; then api_error. The key never
reaches the log."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import point_sdk_at
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
