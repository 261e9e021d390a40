"""The runner's exact event sequence, recorded in process with the fake and shell adapters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import make_plan, point_sdk_at, shell_task
from fakes.anthropic_server import FakeAnthropic, text, tool
from fakes.recording import RecordingReporter
from orch import proc
from orch.adapters.roles import RoleResolver
from orch.config import OrchConfig
from orch.domain.graph import execution_order
from orch.domain.state import RunOptions
from orch.domain.status import RunStatus, TaskStatus
from orch.parsing.markdown import parse_plan
from orch.runner.engine import Runner, RunnerSettings
from orch.runner.hooks import NoCheckpoints
from orch.runner.planmarks import PlanMarker
from orch.runner.session import new_state
from orch.store.layout import Layout
from orch.store.runs import create_run, load_run


def run_plan(
    tmp_path: Path, text: str, *, config: OrchConfig | None = None, agent: str | None = None
) -> tuple[RunStatus, RecordingReporter, Layout, str]:
    plan_path = tmp_path / "plan.md"
    plan_path.write_text(text)
    plan = parse_plan(text, "plan.md").plan
    order = execution_order(plan)
    state = new_state(plan, Path("plan.md"), "0" * 64, order, RunOptions(commit="none"))
    layout = Layout(tmp_path)
    recorder = create_run(layout, state)
    reporter = RecordingReporter()
    config = config or OrchConfig(retry_backoff=0)
    runner = Runner(
        plan=plan,
        project_dir=tmp_path,
        recorder=recorder,
        reporter=reporter,
        resolver=RoleResolver(config, tmp_path, agent),
        hook=NoCheckpoints(),
        marker=PlanMarker(plan_path),
        settings=RunnerSettings(config=config, sleep=lambda s: None),
    )
    proc.reset_interrupt()
    status = runner.execute()
    recorder.close()
    return status, reporter, layout, state.run_id


def test_event_sequence_of_a_two_phase_run(tmp_path: Path) -> None:
    text = make_plan(
        [
            ("A", [shell_task("T001", "one", "true", verify=["true"])]),
            ("B", [shell_task("T002", "two", "true")]),
        ],
        gates={1: ["true"]},
    )
    status, reporter, layout, run_id = run_plan(tmp_path, text)
    assert status is RunStatus.COMPLETED
    assert reporter.types() == [
        "run_started",
        "phase_started",
        "task_started",
        "task_verifying",
        "task_finished",
        "phase_gate",
        "phase_finished",
        "phase_started",
        "task_started",
        "task_finished",
        "phase_finished",
        "run_state",
    ]
    assert reporter.closed
    assert reporter.events[-1].data == {"state": "completed"}
    assert [e.seq for e in reporter.events] == list(range(1, len(reporter.events) + 1))
    assert "- [X] T001" in (tmp_path / "plan.md").read_text()
    assert load_run(layout, run_id).state is RunStatus.COMPLETED


def test_agent_tasks_run_through_the_adapter_and_are_still_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORCH_FAKE_RESULTS", json.dumps({"T002": ["completed"]}))
    text = make_plan(
        [
            (
                "A",
                [
                    "- [ ] T001 Agent says done but the check fails\n  - verify: `test -f nope`",
                    "- [ ] T002 Never reached",
                ],
            )
        ]
    )
    status, reporter, layout, run_id = run_plan(tmp_path, text, agent="fake")
    assert status is RunStatus.FAILED
    state = load_run(layout, run_id)
    assert state.tasks["T001"].status is TaskStatus.FAILED
    assert "test -f nope" in (state.tasks["T001"].error or "")
    assert state.tasks["T002"].status is TaskStatus.PENDING
    started = [e.task for e in reporter.events if e.type == "task_started"]
    assert started == ["T001"]


def test_agent_failure_retries_with_feedback_then_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, anthropic_server: FakeAnthropic
) -> None:
    point_sdk_at(monkeypatch, anthropic_server, "sk-ant-api03-retry-feedback-0123")
    usage = {"input_tokens": 1000, "output_tokens": 50}
    anthropic_server.add(
        tool("write_file", {"path": "hello.txt", "content": "nope\n"}, **usage),
        text("done", **usage),
        tool("write_file", {"path": "hello.txt", "content": "hello\n"}, **usage),
        text("done", **usage),
    )
    check = 'echo CHECK-SAW-$(cat hello.txt); test "$(cat hello.txt)" = hello'
    text_ = make_plan([("A", [f"- [ ] T001 Write hello.txt\n  - retries: 1\n"
                              f"  - verify: `{check}`"])])
    status, reporter, layout, run_id = run_plan(tmp_path, text_, agent="anthropic")
    assert status is RunStatus.COMPLETED
    types = reporter.types()
    assert types.count("task_started") == 2
    assert "task_retry" in types
    retry = next(e for e in reporter.events if e.type == "task_retry")
    assert retry.data["attempt"] == 2
    task = load_run(layout, run_id).tasks["T001"]
    assert task.attempts == 2
    costs = [e.data["cost_usd"] for e in reporter.events if e.type == "task_finished"]
    assert len(costs) == 2 and min(costs) > 0  # both attempts cost money: the task pays both
    assert task.cost_usd == pytest.approx(sum(costs))
    assert task.input_tokens == 4 * 1000 and task.output_tokens == 4 * 50
    first, retried = (json.dumps(anthropic_server.requests[i]["messages"][0]) for i in (0, 2))
    assert "CHECK-SAW-nope" not in first
    assert "did not pass verification" in retried and "CHECK-SAW-nope" in retried
    assert "Failing command: echo CHECK-SAW-" in retried


def test_budget_cap_stops_before_the_next_model_task(tmp_path: Path) -> None:
    config = OrchConfig.model_validate({"budgets": {"run": {"max_cost_usd": 0}}})
    text = make_plan([("A", ["- [ ] T001 Needs a model"])])
    status, reporter, layout, run_id = run_plan(tmp_path, text, config=config, agent="anthropic")
    assert status is RunStatus.BUDGET_EXCEEDED
    assert "task_started" not in reporter.types()
    assert load_run(layout, run_id).tasks["T001"].status is TaskStatus.BUDGET_EXCEEDED
