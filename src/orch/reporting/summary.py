"""The end-of-run summary: the figures behind it and their plain and rich renderings.

Shared by the console and plain reporters (printed once at close) and by ``orch status``.
Everything here is a pure function of a :class:`RunState`; times come from its timestamps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from orch.domain.clock import IN_SESSION_RESETS
from orch.domain.state import RunState, TaskState
from orch.domain.status import (
    ALWAYS_REPORTED_TASK_STATUSES,
    HALTING_TASK_STATUSES,
    RunStatus,
    TaskStatus,
)
from orch.durations import format_duration
from orch.text import terminal_safe

STATUS_ORDER: tuple[TaskStatus, ...] = (
    TaskStatus.DONE,
    TaskStatus.FAILED,
    TaskStatus.BLOCKED,
    TaskStatus.BUDGET_EXCEEDED,
    TaskStatus.SKIPPED,
    TaskStatus.RUNNING,
    TaskStatus.VERIFYING,
    TaskStatus.PENDING,
)
ALWAYS_COUNTED: frozenset[TaskStatus] = ALWAYS_REPORTED_TASK_STATUSES


def parse_ts(ts: str | None) -> datetime | None:
    """An orch timestamp (ISO-8601, ``Z`` suffix) as a datetime; ``None`` when absent or bad."""
    if not ts:
        return None
    try:
        return datetime.fromisoformat(ts)
    except ValueError:
        return None


def seconds_between(start: str | None, end: str | None) -> float | None:
    """Seconds from ``start`` to ``end``; ``None`` when either is missing or unparsable."""
    first, last = parse_ts(start), parse_ts(end)
    if first is None or last is None:
        return None
    return max(0.0, (last - first).total_seconds())


def format_cost(cost_usd: float) -> str:
    """``$0.0123`` below a dollar, ``$4.20`` above."""
    return f"${cost_usd:.4f}" if cost_usd < 1 else f"${cost_usd:.2f}"


INTERNAL_RESETS = IN_SESSION_RESETS
"""``task_reset`` reasons the live display does not print: the retry and interrupt lines say it."""


def format_usd(amount: float) -> str:
    """An amount as the user gave it, never rounded away: ``0.015`` -> ``$0.015``,
    ``5`` -> ``$5.00`` (caps; spending is :func:`format_cost`)."""
    whole, _, fraction = f"{amount:.6f}".rstrip("0").partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


def format_opt_duration(seconds: float | None) -> str:
    """:func:`format_duration`, or ``-`` when unknown."""
    return "-" if seconds is None else format_duration(seconds)


def task_duration(task: TaskState) -> float | None:
    """Time the task's attempts ran, all sessions together; ``None`` until an attempt ended."""
    return task.duration_s if task.ended is not None else None


@dataclass(frozen=True)
class PhaseSummary:
    """One phase's line of the summary."""

    id: str
    title: str
    total: int
    done: int
    duration_s: float | None
    gate_passed: bool
    gate: str = "none"
    gate_failed: bool = False
    ran: bool = True
    """Whether this run ran any of the phase's tasks (else they were all done in the plan)."""


@dataclass(frozen=True)
class EstimateRow:
    """A task that carries an ``estimate:``, with its actual time."""

    id: str
    title: str
    status: TaskStatus
    estimate_s: float
    actual_s: float | None


@dataclass(frozen=True)
class RunSummary:
    """Everything the end-of-run summary shows."""

    run_id: str
    plan: str
    state: RunStatus
    counts: dict[TaskStatus, int]
    total: int
    duration_s: float | None
    cost_usd: float
    input_tokens: int
    output_tokens: int
    phases: list[PhaseSummary]
    estimates: list[EstimateRow]
    error: str | None
    verified: int = 0
    unverified: int = 0
    in_plan: int = 0
    """Done (or skipped) in the plan before the run: not run by orch."""
    in_plan_done: int = 0

    def count(self, status: TaskStatus) -> int:
        """How many tasks are in ``status``."""
        return self.counts.get(status, 0)

    def counts_text(self) -> str:
        """``7 done (5 verified, 2 unverified), 0 failed, 0 skipped`` plus every other status
        that has tasks, and the tasks done in the plan before the run."""
        parts = []
        for status in STATUS_ORDER:
            n = self.count(status)
            if status is TaskStatus.DONE:
                n -= self.in_plan_done
                detail = f" ({self.verified} verified, {self.unverified} unverified)" if n else ""
                parts.append(f"{n} done{detail}")
            elif n or status in ALWAYS_COUNTED:
                parts.append(f"{n} {status.value.replace('_', ' ')}")
        if self.in_plan_done:
            parts.append(f"{self.in_plan_done} done in plan, not run")
        return ", ".join(parts)



def summarize(state: RunState, *, duration_s: float | None = None) -> RunSummary:
    """The summary of ``state``; ``duration_s`` overrides the run's active time."""
    counts = Counter(task.status for task in state.tasks.values())
    run_done = [t for t in state.tasks.values() if t.status is TaskStatus.DONE and not t.in_plan]
    phases = []
    for phase in state.phases:
        tasks = [state.tasks[t] for t in phase.tasks if t in state.tasks]
        phases.append(
            PhaseSummary(
                id=phase.id,
                title=terminal_safe(phase.title),
                total=len(tasks),
                done=sum(1 for t in tasks if t.status == TaskStatus.DONE),
                duration_s=phase.duration_s if phase.started is not None else None,
                gate_passed=phase.gate_passed,
                gate=phase.gate,
                gate_failed=phase.gate_failed,
                ran=not all(t.in_plan for t in tasks),
            )
        )
    estimates = [
        EstimateRow(t.id, terminal_safe(t.title), t.status, t.estimate_s, task_duration(t))
        for t in state.tasks.values()
        if t.estimate_s is not None
    ]
    if duration_s is None:
        duration_s = state.active_s or None
    return RunSummary(
        run_id=state.run_id,
        plan=state.plan_path,
        state=state.state,
        counts=dict(counts),
        total=len(state.tasks),
        duration_s=duration_s,
        cost_usd=state.cost_usd,
        input_tokens=sum(t.input_tokens for t in state.tasks.values()),
        output_tokens=sum(t.output_tokens for t in state.tasks.values()),
        phases=phases,
        estimates=estimates,
        error=state.error,
        verified=sum(1 for t in run_done if t.verified),
        unverified=sum(1 for t in run_done if not t.verified),
        in_plan=sum(1 for t in state.tasks.values() if t.in_plan),
        in_plan_done=sum(1 for t in state.tasks.values()
                         if t.in_plan and t.status is TaskStatus.DONE),
    )


def status_label(task: TaskState) -> str:
    """A task's status as people read it: ``done (verified)``, ``done (unverified)``,
    ``done in plan, not run``, else the status itself."""
    if task.in_plan and task.status is TaskStatus.DONE:
        return "done in plan, not run"
    if task.status is TaskStatus.DONE:
        return "done (verified)" if task.verified else "done (unverified)"
    return task.status.value


def evidence_line(task: TaskState) -> str:
    """``verify `pytest -q` exit 0 · file changed src/x.py exit 0 · diff 2 files +10 -1``."""
    parts = [f"{r.kind} {r.command} exit {r.exit_code if r.exit_code is not None else '-'}"
             for r in task.evidence]
    if task.diffstat is not None:
        stat = task.diffstat
        parts.append(f"diff {stat.files} files +{stat.insertions} -{stat.deletions}")
    return " · ".join(parts) if parts else "no check ran"


def shown_state(state: RunState) -> str:
    """The run's state as a person reads it: a run whose waiting phase was decided is ready to
    resume, not awaiting a decision."""
    if state.state is RunStatus.AWAITING_DECISION and not any(p.awaiting for p in state.phases):
        return "decided, ready to resume"
    return state.state.value


def state_note(state: RunState) -> tuple[str, bool] | None:
    """The line under a run's header, and whether it is an error: a rollback the user asked
    for, or a decision already taken on the phase that waited, is where the run stands, not
    an error."""
    if state.state is RunStatus.AWAITING_DECISION and not any(p.awaiting for p in state.phases):
        decided = [f"phase {p.id} ({p.decision.lower()})" for p in state.phases
                   if p.decision and p.decided_by == "human"]
        done = f"{decided[-1]} was decided" if decided else "the waiting phase was decided"
        return f"{done}; `orch resume` goes on from there", False
    if not state.error:
        return None
    if state.state is RunStatus.INTERRUPTED and state.error.startswith("rolled back to "):
        return state.error, False
    return state.error, True


def next_step_hint(state: RunState) -> str | None:
    """What the user should run next, or ``None`` when the run completed."""
    halted = [t.id for t in state.tasks.values() if t.status in _RETRYABLE]
    if state.state is RunStatus.COMPLETED:
        return None
    if state.state is RunStatus.AWAITING_DECISION and not any(p.awaiting for p in state.phases):
        return "continue with `orch resume`"
    if state.state is RunStatus.AWAITING_DECISION:
        waiting = next((p.id for p in state.phases if p.awaiting), "PHASE")
        return (f"decide: `orch approve {waiting}` or `orch revise {waiting} --feedback TEXT`,"
                " then `orch resume`")
    if state.state is RunStatus.BUDGET_EXCEEDED:
        return "raise the cost limit and continue: `orch resume --max-cost USD`"
    if state.state is RunStatus.FAILED and halted:
        return (
            f"fix the cause of {', '.join(halted[:3])}{' …' if len(halted) > 3 else ''} failing,"
            f" then run `orch resume --retry-failed` (or `orch resume --skip {halted[0]}`)"
        )
    if state.state is RunStatus.FAILED:
        return "fix the cause of the failure, then run `orch resume`"
    return "continue with `orch resume`"


_RETRYABLE = HALTING_TASK_STATUSES


def totals_line(summary: RunSummary) -> str:
    """``Tasks: 7 done, 0 failed, 0 skipped of 7 · time 3.1s · cost $0.0000`` (+ tokens)."""
    line = f"Tasks: {summary.counts_text()} of {summary.total}"
    line += f" · time {format_opt_duration(summary.duration_s)}"
    line += f" · cost {format_cost(summary.cost_usd)}"
    if summary.input_tokens or summary.output_tokens:
        line += f" · tokens {summary.input_tokens:,} in / {summary.output_tokens:,} out"
    return line


def format_rows(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A left-aligned plain-text table (two spaces between columns, no trailing blanks)."""
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in (headers, *rows)
    ]


def gate_cell(phase: PhaseSummary) -> str:
    """``none``, ``auto``, ``passed`` or ``failed``; ``-`` only for a phase not finished yet."""
    if phase.gate_failed:
        return "failed"
    if not phase.gate_passed:
        return "-"
    if not phase.ran or phase.gate == "none":
        return "none"
    return "auto" if phase.gate == "auto" else "passed"


def phase_cells(phase: PhaseSummary) -> list[str]:
    gate = gate_cell(phase)
    return [
        phase.id,
        phase.title,
        f"{phase.done}/{phase.total}",
        format_opt_duration(phase.duration_s),
        gate,
    ]


def estimate_cells(row: EstimateRow) -> list[str]:
    return [
        row.id,
        row.status.value,
        format_opt_duration(row.actual_s),
        format_duration(row.estimate_s),
    ]


PHASE_HEADERS = ("Phase", "Title", "Done", "Time", "Gate")
ESTIMATE_HEADERS = ("Task", "Status", "Actual", "Estimate")


def summary_lines(summary: RunSummary) -> list[str]:
    """The summary as plain text lines (no colour, stable)."""
    lines = ["Summary", "  " + totals_line(summary)]
    if summary.phases:
        rows = [phase_cells(p) for p in summary.phases]
        lines += ["  " + line for line in format_rows(PHASE_HEADERS, rows)]
    if summary.estimates:
        rows = [estimate_cells(r) for r in summary.estimates]
        lines += ["  " + line for line in format_rows(ESTIMATE_HEADERS, rows)]
    return lines
