"""Reporting: shared scenario helpers, the summary figures and the reporter fan-out.

Other ``test_reporting_*`` modules import ``Sim`` and the scenarios from here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fakes.recording import RecordingReporter
from orch.domain.state import Event, PhaseState, RunState, TaskState, apply_event
from orch.domain.status import RunStatus, TaskStatus
from orch.reporting.base import Reporter
from orch.reporting.console import ConsoleReporter
from orch.reporting.factory import MultiReporter, make_reporter, wants_color
from orch.reporting.jsonl import JsonLinesReporter
from orch.reporting.plain import PlainReporter
from orch.reporting.status_md import StatusMdWriter
from orch.reporting.summary import (
    format_rows,
    next_step_hint,
    summarize,
    summary_lines,
)

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PhaseSpec = tuple[str, str, Sequence[tuple[str, str]]]
PLAN: list[PhaseSpec] = [
    ("1", "Setup", [("T001", "Create project skeleton"), ("T002", "Add config")]),
    ("2", "Core", [("T003", "Write the parser"), ("T004", "Wire the CLI")]),
]


def stamp(seconds: float) -> str:
    """The orch timestamp ``seconds`` after T0."""
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


class Sim:
    """Builds a RunState and drives reporters with events, as the runner does, on a fake clock."""

    def __init__(
        self,
        reporters: Sequence[Reporter],
        plan: Sequence[PhaseSpec] = PLAN,
        estimates: dict[str, float] | None = None,
    ) -> None:
        self.reporters = list(reporters)
        self.now = 0.0
        self.seq = 0
        tasks: dict[str, TaskState] = {}
        phases = []
        for phase_id, title, items in plan:
            phases.append(PhaseState(id=phase_id, title=title, tasks=[t for t, _ in items]))
            for task_id, task_title in items:
                tasks[task_id] = TaskState(
                    id=task_id, phase=phase_id, title=task_title,
                    estimate_s=(estimates or {}).get(task_id),
                )
        self.state = RunState(
            run_id="20260102-030405-abcd", plan_path="plan.md", plan_sha256="0" * 64,
            created=stamp(0), updated=stamp(0), phases=phases, tasks=tasks,
        )

    def ev(self, type_: str, *, task: str | None = None, phase: str | None = None,
           after: float = 0.0, fields: dict[str, Any] | None = None, **data: Any) -> Event:
        """Advance the clock by ``after`` seconds, then record and emit one event."""
        data = {**(fields or {}), **data}
        self.now += after
        self.seq += 1
        event = Event(seq=self.seq, ts=stamp(self.now), type=type_, run=self.state.run_id,
                      task=task, phase=phase, data=data)
        apply_event(self.state, event)
        for reporter in self.reporters:
            reporter.emit(event, self.state)
        return event

    def close(self) -> None:
        for reporter in self.reporters:
            reporter.close(self.state)

    def task_ok(self, task_id: str, index: int, *, took: float = 0.2, cost: float = 0.0,
                attempt: int = 1) -> None:
        title = self.state.tasks[task_id].title
        self.ev("task_started", task=task_id, attempt=attempt, agent="shell", adapter="shell",
                title=title, index=index, count=len(self.state.tasks))
        self.ev("task_verifying", task=task_id, after=took / 2, commands=["true"])
        data: dict[str, Any] = {"status": "done", "duration_s": took, "summary": "ok",
                                "verified": True, "evidence": [
                                    {"kind": "verify", "command": "true", "exit_code": 0,
                                     "ok": True}]}
        if cost:
            data.update(cost_usd=cost, input_tokens=1000, output_tokens=200)
        self.ev("task_finished", task=task_id, after=took / 2, **data)

    def phase(self, index: int) -> None:
        phase = self.state.phases[index - 1]
        self.ev("phase_started", phase=phase.id, title=phase.title, index=index,
                count=len(self.state.phases))

    def phase_end(self, index: int, *, took: float, commit: str = "") -> None:
        phase = self.state.phases[index - 1]
        self.ev("phase_gate", phase=phase.id, commands=["pytest -q"])
        self.ev("phase_finished", phase=phase.id, after=0.1, ok=True, duration_s=took,
                gate="plan")
        if commit:
            self.ev("checkpoint_created", fields={
                "name": f"phase-{phase.id}", "phase": phase.id, "commit": commit,
                "ref": f"refs/orch/x/phase-{phase.id}", "created": stamp(self.now),
                "tasks": list(phase.tasks), "kind": "phase"})


FAIL_TAIL = (
    "\x1b[31mE   assert 1 == 2\x1b[0m\n\nFAILED tests/test_x.py::test_y\n1 failed in 0.01s\n\n"
)


def happy_run(sim: Sim) -> None:
    """Two phases, four tasks, a paid task, gates and checkpoints, completed."""
    sim.ev("run_started", plan="plan.md", tasks=4, resumed=False)
    sim.ev("run_state", state="running")
    sim.phase(1)
    sim.task_ok("T001", 1)
    sim.task_ok("T002", 2, took=0.4, cost=0.0123)
    sim.phase_end(1, took=0.7, commit="1a2b3c4d5e6f")
    sim.phase(2)
    sim.task_ok("T003", 3, took=65.0)
    sim.task_ok("T004", 4)
    sim.phase_end(2, took=65.3, commit="9f8e7d6c5b4a")
    sim.ev("run_state", state="completed")
    sim.close()


def failing_run(sim: Sim) -> None:
    """T003 fails verification, is retried, fails again with an output tail: run halts."""
    sim.ev("run_started", plan="plan.md", tasks=4, resumed=False)
    sim.phase(1)
    sim.task_ok("T001", 1)
    sim.task_ok("T002", 2)
    sim.phase_end(1, took=0.5, commit="1a2b3c4d5e6f")
    sim.phase(2)
    for attempt in (1, 2):
        sim.ev("task_started", task="T003", attempt=attempt, agent="backend", adapter="fake",
               title="Write the parser", index=3, count=4)
        sim.ev("task_verifying", task="T003", after=0.05, commands=["pytest -q", "ruff check"])
        sim.ev("task_finished", task="T003", after=0.05, status="failed",
               error="verify failed: pytest -q (exit 1)", failed_command="pytest -q",
               output_tail=FAIL_TAIL, duration_s=0.1)
        if attempt == 1:
            sim.ev("task_retry", task="T003", attempt=2, delay_s=1.0,
                   error="verify failed: pytest -q (exit 1)")
            sim.ev("task_reset", task="T003", status="pending", reason="retry")
    sim.ev("run_state", state="failed", error="task T003 failed")
    sim.close()


def render_plain(scenario: Any, **kwargs: Any) -> str:
    out = io.StringIO()
    scenario(Sim([PlainReporter(out)], **kwargs))
    return out.getvalue()


# -- summary -------------------------------------------------------------------------------


def test_summary_counts_times_cost_and_estimates() -> None:
    sim = Sim([], estimates={"T001": 60.0, "T003": 30.0})
    happy_run(sim)
    summary = summarize(sim.state)
    assert summary.count(TaskStatus.DONE) == 4
    assert summary.counts_text() == "4 done (4 verified, 0 unverified), 0 failed, 0 skipped"
    assert summary.cost_usd == pytest.approx(0.0123)
    assert (summary.input_tokens, summary.output_tokens) == (1000, 200)
    assert [p.done for p in summary.phases] == [2, 2]
    assert summary.phases[0].duration_s == pytest.approx(0.7)
    assert [(r.id, r.estimate_s) for r in summary.estimates] == [("T001", 60.0), ("T003", 30.0)]
    assert summary.estimates[1].actual_s == pytest.approx(65.0)
    assert summary.duration_s == pytest.approx(sim.now)
    assert next_step_hint(sim.state) is None


def test_summary_lines_are_plain_aligned_text() -> None:
    sim = Sim([], estimates={"T003": 30.0})
    happy_run(sim)
    assert summary_lines(summarize(sim.state, duration_s=66.2)) == [
        "Summary",
        "  Tasks: 4 done (4 verified, 0 unverified), 0 failed, 0 skipped of 4 · time 1m06s"
        " · cost $0.0123"
        " · tokens 1,000 in / 200 out",
        "  Phase  Title  Done  Time   Gate",
        "  1      Setup  2/2   0.7s   passed",
        "  2      Core   2/2   1m05s  passed",
        "  Task  Status  Actual  Estimate",
        "  T003  done    1m05s   30.0s",
    ]


def test_format_rows_pads_columns() -> None:
    assert format_rows(("a", "bb"), [("ccc", "d")]) == ["a    bb", "ccc  d"]


@pytest.mark.parametrize(
    ("state", "statuses", "expected"),
    [
        (RunStatus.COMPLETED, {}, None),
        (RunStatus.INTERRUPTED, {"T003": TaskStatus.RUNNING}, "continue with `orch resume`"),
        (RunStatus.FAILED, {"T003": TaskStatus.FAILED},
         "fix the cause of T003 failing, then run `orch resume --retry-failed`"
         " (or `orch resume --skip T003`)"),
        (RunStatus.FAILED, {}, "fix the cause of the failure, then run `orch resume`"),
        (RunStatus.BUDGET_EXCEEDED, {"T003": TaskStatus.BUDGET_EXCEEDED},
         "raise the cost limit and continue: `orch resume --max-cost USD`"),
    ],
)
def test_next_step_hint(state: RunStatus, statuses: dict[str, TaskStatus],
                        expected: str | None) -> None:
    sim = Sim([])
    sim.state.state = state
    for task_id, status in statuses.items():
        sim.state.tasks[task_id].status = status
    assert next_step_hint(sim.state) == expected


# -- factory and fan-out -------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_make_reporter_picks_by_mode_tty_and_no_color(tmp_path: Path) -> None:
    tty, pipe = _Tty(), io.StringIO()
    assert isinstance(make_reporter("auto", stream=tty, environ={}), ConsoleReporter)
    assert isinstance(make_reporter("auto", stream=tty, environ={"NO_COLOR": "1"}),
                      PlainReporter)
    assert isinstance(make_reporter("auto", stream=pipe, environ={}), PlainReporter)
    assert isinstance(make_reporter("plain", stream=tty, environ={}), PlainReporter)
    assert isinstance(make_reporter("json", stream=tty, environ={}), JsonLinesReporter)
    multi = make_reporter("json", stream=pipe, status_path=tmp_path / "status.md")
    assert isinstance(multi, MultiReporter)
    assert [type(r) for r in multi.reporters] == [JsonLinesReporter, StatusMdWriter]
    assert not wants_color(tty, {"NO_COLOR": "1"})
    assert wants_color(tty, {"NO_COLOR": ""})
    assert not wants_color(tty, {"TERM": "dumb"})


def test_make_reporter_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = make_reporter("plain")
    Sim([reporter]).ev("note", message="hello", level="info")
    assert capsys.readouterr().out == "note: hello\n"


class _Exploding(RecordingReporter):
    def close(self, state: RunState) -> None:
        super().close(state)
        raise RuntimeError("boom")


def test_multi_reporter_fans_out_and_closes_all() -> None:
    first, broken, last = RecordingReporter(), _Exploding(), RecordingReporter()
    sim = Sim([MultiReporter([first, broken, last])])
    sim.ev("run_started", plan="plan.md", tasks=4, resumed=False)
    sim.ev("some_future_event", data_key=1)
    assert first.types() == last.types() == ["run_started", "some_future_event"]
    with pytest.raises(RuntimeError, match="boom"):
        sim.close()
    assert first.closed and broken.closed and last.closed
