"""The anthropic adapter against a real HTTP server speaking the Messages API, via the SDK."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import point_sdk_at
from fakes.anthropic_server import FakeAnthropic, text, tool
from fakes.contexts import make_context
from orch.adapters.anthropic_loop import AnthropicAdapter
from orch.adapters.base import AgentStatus, Budget, Handoff, Role

API_KEY = "sk-ant-test-0123456789abcdef-SECRET"


@pytest.fixture
def server(anthropic_server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropic:
    return point_sdk_at(monkeypatch, anthropic_server, API_KEY)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    (path / "README.md").write_text("# demo\n")
    return path


@pytest.mark.parametrize("stream", [True, False], ids=["streaming", "plain"])
def test_writes_a_file_runs_a_command_and_completes(
        server: FakeAnthropic, project: Path, stream: bool) -> None:
    server.add(
        tool("write_file", {"path": "src/hello.txt", "content": "hello\n"}, say="Writing.",
             input_tokens=1000, output_tokens=50, cache_creation_input_tokens=2000),
        tool("run_command", {"command": "cat src/hello.txt && echo ran-ok"},
             input_tokens=200, output_tokens=30, cache_read_input_tokens=2000),
        text("Created src/hello.txt and checked it.", input_tokens=300, output_tokens=40),
    )
    result = AnthropicAdapter(stream=stream).run(make_context(project))
    assert result.status is AgentStatus.COMPLETED, result.error
    assert (project / "src" / "hello.txt").read_text() == "hello\n"
    assert result.summary == "Created src/hello.txt and checked it."
    assert result.files_changed == ["src/hello.txt"]
    assert result.turns == 3
    assert result.usage.input_tokens == 1500
    assert result.usage.output_tokens == 120
    assert result.usage.cache_creation_input_tokens == 2000
    assert result.usage.cache_read_input_tokens == 2000
    expected = (1500 * 3 + 120 * 15 + 2000 * 3.75 + 2000 * 0.3) / 1e6
    assert result.cost_usd == pytest.approx(expected)
    assert result.session_id and result.session_id.startswith("msg_")
    # The command's result went back to the model as a tool_result.
    third = server.requests[2]["messages"]
    results = [b for m in third if m["role"] == "user" for b in m["content"]
               if isinstance(b, dict) and b.get("type") == "tool_result"]
    assert len(results) == 2 and "ran-ok" in results[1]["content"]
    assert all(r["is_error"] is False for r in results)
    assert all(r.get("stream", False) is stream for r in server.requests)
    log = Path(result.log_path or "").read_text()
    assert "write_file" in log and "ran-ok" in log and API_KEY not in log
    sent = server.headers[0]
    assert API_KEY in (sent.get("x-api-key", "") + sent.get("authorization", ""))


def test_requests_carry_cache_control_on_the_stable_prefix(
        server: FakeAnthropic, project: Path) -> None:
    server.add(tool("list_files", {"path": "."}), text("ok"))
    AnthropicAdapter(stream=False).run(make_context(
        project, conventions="Use tabs.", role=Role(name="dev", adapter="anthropic",
                                                     prompt="You are careful.")))
    first = server.requests[0]
    assert first["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "You are careful." in first["system"][0]["text"]
    assert "Use tabs." in first["system"][0]["text"]
    assert first["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert {t["name"] for t in first["tools"]} == {
        "read_file", "write_file", "edit_file", "list_files", "search", "run_command"}
    # The conversation so far is marked too, and at most 4 breakpoints are used.
    second = server.requests[1]
    assert second["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    marks = json.dumps(second).count('"cache_control"')
    assert marks <= 4
    # The system prefix is identical between turns (and holds nothing task-specific).
    assert second["system"] == first["system"]
    assert "T001" not in first["system"][0]["text"]


def test_request_for_task_50_of_a_chain_is_at_most_twice_task_1(
        server: FakeAnthropic, project: Path) -> None:
    adapter = AnthropicAdapter(stream=False)
    conventions = "Write tests first. Keep functions small.\n" * 20
    adapter.run(make_context(project, task_id="T001", title="Task 1", conventions=conventions))
    # Each task of the chain depends on the one before: task 50 gets task 49's handoff only,
    # however long the summaries of the chain have grown.
    handoff = Handoff(task_id="T049", title="Task 49", status="done",
                      summary="Implemented many things. " * 2_000,
                      files_changed=[f"src/module_{n}.py" for n in range(500)])
    adapter.run(make_context(project, task_id="T050", title="Task 50", handoffs=[handoff],
                             conventions=conventions))
    first, fiftieth = server.raw_sizes
    assert fiftieth <= 2 * first, (first, fiftieth)


def test_handoffs_and_retry_feedback_are_bounded(server: FakeAnthropic, project: Path) -> None:
    adapter = AnthropicAdapter(stream=False)
    adapter.run(make_context(project, task_id="T001", title="Task 1"))
    previous = [Handoff(task_id=f"T{n:03d}", title=f"Task {n}", status="done",
                        summary="Implemented many things. " * 400,
                        files_changed=[f"src/module_{n}.py" for n in range(200)])
                for n in range(1, 50)]
    adapter.run(make_context(project, task_id="T050", title="Task 50", handoffs=previous,
                             retry_feedback="E" * 50_000 + "LAST-LINE", attempt=2))
    first, fiftieth = server.raw_sizes
    assert fiftieth <= first + 12_000, (first, fiftieth)
    prompt = server.requests[1]["messages"][0]["content"][0]["text"]
    assert "more dependencies not shown" in prompt
    assert "LAST-LINE" in prompt  # the tail of the failing output is what is kept


def test_stops_before_a_call_that_could_pass_the_cost_cap(server: FakeAnthropic,
                                                          project: Path) -> None:
    server.add(*(tool("list_files", {"path": "."}, input_tokens=20_000, output_tokens=2_000)
                 for _ in range(10)))
    result = AnthropicAdapter(stream=False).run(
        make_context(project, budget=Budget(max_cost_usd=0.25)))
    assert result.status is AgentStatus.BUDGET_EXCEEDED
    assert result.cost_usd <= 0.25
    assert 1 <= len(server.requests) < 10
    assert "stopped before" in (result.error or "")


def test_no_call_at_all_when_the_budget_is_spent(server: FakeAnthropic, project: Path) -> None:
    result = AnthropicAdapter().run(make_context(project, budget=Budget(max_cost_usd=0.0)))
    assert result.status is AgentStatus.BUDGET_EXCEEDED
    assert server.requests == []
    result = AnthropicAdapter().run(make_context(project, budget=Budget(max_tokens=500)))
    assert result.status is AgentStatus.BUDGET_EXCEEDED
    assert server.requests == []


def test_turn_cap_gives_max_turns(server: FakeAnthropic, project: Path) -> None:
    server.add(*(tool("list_files", {"path": "."}) for _ in range(5)))
    result = AnthropicAdapter(stream=False).run(
        make_context(project, budget=Budget(max_turns=2)))
    assert result.status is AgentStatus.MAX_TURNS
    assert len(server.requests) == 2


def test_max_tokens_stop_reason_gives_max_turns(server: FakeAnthropic, project: Path) -> None:
    server.add(text("partial", stop_reason="max_tokens"))
    result = AnthropicAdapter(stream=False).run(make_context(project))
    assert result.status is AgentStatus.MAX_TURNS


def test_cancel_check_interrupts(server: FakeAnthropic, project: Path) -> None:
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    server.add(*(tool("list_files", {"path": "."}) for _ in range(5)))
    result = AnthropicAdapter(stream=False).run(make_context(project, cancel_check=cancel))
    assert result.status is AgentStatus.INTERRUPTED


def test_model_choice(server: FakeAnthropic, project: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_MODEL", "claude-haiku-4-5")
    AnthropicAdapter(stream=False).run(make_context(project))
    AnthropicAdapter(stream=False).run(make_context(
        project, role=Role(name="r", adapter="anthropic", model="opus")))
    assert [r["model"] for r in server.requests] == ["claude-haiku-4-5", "claude-opus-4-6"]


def test_missing_key_is_unavailable_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    reason = AnthropicAdapter().available()
    assert reason and "ANTHROPIC_API_KEY" in reason and "export" in reason
    monkeypatch.setenv("ANTHROPIC_API_KEY", "x")
    assert AnthropicAdapter().available() is None
