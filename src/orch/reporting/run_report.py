"""``orch report``: one run (or several, compared) built from the journal (docs/decisions.md).

The data is the same for the text, JSON and HTML renderings: per task its attempts on a time
line (lane, start, end, outcome), role and adapter, cost and tokens, and the verification
evidence; the phase decisions as points on the same time line; per role and adapter, across
runs, the success rate, cost per done task, retries and time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from orch.domain.events import Payload, PhaseDecision, TaskFinished, TaskStarted
from orch.domain.state import Event, RunState
from orch.domain.status import TaskStatus
from orch.reporting.summary import parse_ts


class Attempt(BaseModel):
    """One attempt at a task: a bar on the time line."""

    task: str
    number: int
    lane: str = "main"
    """The worker lane (``"1"``, ``"2"``, …) of an attempt run in a worktree (``--jobs``);
    ``"main"`` for one run in the main working tree."""
    start: float
    end: float | None = None
    status: str = TaskStatus.RUNNING.value
    error: str | None = None
    evidence: list[str] = Field(default_factory=list)
    """What orch checked: the verify commands and their outcome."""


class TaskRow(BaseModel):
    """A task's totals."""

    id: str
    phase: str
    title: str
    status: str
    attempts: int
    role: str | None
    adapter: str | None
    cost_usd: float
    input_tokens: int
    output_tokens: int
    duration_s: float | None
    feedback: str | None = None
    hook_blocks: int = 0
    """Times an in-session gate stopped the agent (an early stop caught in its session)."""
    writes_denied: int = 0
    """Times the in-session write fence denied a write outside the task's files."""


class DecisionPoint(BaseModel):
    """A phase decision on the time line."""

    phase: str
    at: float
    decision: str
    decided_by: str
    reason: str = ""


class RunReport(BaseModel):
    """One run's report."""

    run: str
    plan: str
    state: str
    created: str
    duration_s: float
    cost_usd: float
    tasks: list[TaskRow]
    attempts: list[Attempt]
    decisions: list[DecisionPoint]


class AgentStats(BaseModel):
    """A role on an adapter, compared across runs."""

    role: str
    adapter: str
    tasks: int = 0
    done: int = 0
    retries: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    caught_in_session: int = 0
    """Early stops an in-session gate caught while the agent's session was open."""
    caught_after: int = 0
    """Attempts orch's own verification failed after the agent had returned."""

    @property
    def success_rate(self) -> float:
        return self.done / self.tasks if self.tasks else 0.0

    @property
    def cost_per_done(self) -> float | None:
        return self.cost_usd / self.done if self.done else None


def build_report(state: RunState, events: list[Event]) -> RunReport:
    """The report of one run from its state and journal."""
    origin = parse_ts(state.created)
    base = origin.timestamp() if origin else 0.0

    def at(ts: str) -> float:
        found = parse_ts(ts)
        return round(found.timestamp() - base, 3) if found else 0.0

    attempts: list[Attempt] = []
    open_: dict[str, Attempt] = {}
    adapters: dict[str, str] = {}
    decisions: list[DecisionPoint] = []
    end = 0.0
    for event in events:
        end = max(end, at(event.ts))
        payload = _payload(event)
        if isinstance(payload, TaskStarted) and event.task:
            adapters[event.task] = payload.adapter or ""
            lane = "main" if payload.lane is None else str(payload.lane)
            attempt = Attempt(task=event.task, number=payload.attempt or 1, lane=lane,
                              start=at(event.ts))
            open_[event.task] = attempt
            attempts.append(attempt)
        elif isinstance(payload, TaskFinished) and event.task in open_:
            attempt = open_.pop(event.task)
            attempt.end = at(event.ts)
            attempt.status = payload.status.value
            attempt.error = payload.error
            attempt.evidence = _evidence(payload)
        elif isinstance(payload, PhaseDecision) and event.phase:
            verdict = payload.decision
            if payload.awaiting and verdict != "ESCALATE":
                verdict += " (awaiting a person)"
            decisions.append(DecisionPoint(
                phase=event.phase, at=at(event.ts), decision=verdict,
                decided_by=payload.decided_by, reason=payload.reason or ""))
    rows = [TaskRow(
        id=t.id, phase=t.phase, title=t.title, status=t.status.value, attempts=t.attempts,
        role=t.agent, adapter=adapters.get(t.id), cost_usd=t.cost_usd,
        input_tokens=t.input_tokens, output_tokens=t.output_tokens,
        duration_s=sum((a.end or end) - a.start for a in attempts if a.task == t.id) or None,
        feedback=t.feedback, hook_blocks=t.hook_blocks, writes_denied=t.writes_denied)
        for t in state.tasks.values()]
    return RunReport(run=state.run_id, plan=state.plan_path, state=state.state.value,
                     created=state.created, duration_s=end, cost_usd=state.cost_usd,
                     tasks=rows, attempts=attempts, decisions=decisions)


def _payload(event: Event) -> Payload | None:
    """The event's payload; ``None`` for one this orch cannot read (the report shows the rest)."""
    try:
        return event.payload()
    except ValidationError:
        return None


def _evidence(finished: TaskFinished) -> list[str]:
    found = [f"{'passed' if check.ok else 'FAILED'} `{check.command}`"
             for check in finished.evidence]
    if finished.failed_command:
        tail = (finished.output_tail or "")[-300:]
        found.append(f"FAILED `{finished.failed_command}`: {tail}")
    elif finished.status is TaskStatus.DONE and not found:
        found.append("orch's checks passed")
    if finished.summary:
        found.append(f"agent said: {finished.summary[-300:]}")
    return found


def compare(reports: list[RunReport]) -> list[AgentStats]:
    """Roles and adapters across ``reports``: one row per (role, adapter)."""
    stats: dict[tuple[str, str], AgentStats] = defaultdict(lambda: AgentStats(role="", adapter=""))
    for report in reports:
        for row in report.tasks:
            if not row.attempts:
                continue
            key = (row.role or "?", row.adapter or "?")
            entry = stats[key]
            entry.role, entry.adapter = key
            entry.tasks += 1
            entry.done += row.status == TaskStatus.DONE.value
            entry.retries += max(row.attempts - 1, 0)
            entry.caught_in_session += row.hook_blocks
            entry.caught_after += max(row.attempts - 1, 0) + (
                row.status == TaskStatus.FAILED.value)
            entry.cost_usd += row.cost_usd
            entry.seconds += row.duration_s or 0.0
    return sorted(stats.values(), key=lambda s: (s.role, s.adapter))


def comparison_dict(stats: list[AgentStats]) -> list[dict[str, Any]]:
    """The comparison rows with their derived figures, for JSON and HTML."""
    return [{**s.model_dump(), "success_rate": round(s.success_rate, 3),
             "cost_per_done_task": None if s.cost_per_done is None else round(s.cost_per_done, 6)}
            for s in stats]


def text_lines(reports: list[RunReport], stats: list[AgentStats]) -> list[str]:
    """The plain-text rendering."""
    lines: list[str] = []
    for report in reports:
        lines.append(f"Run {report.run} ({report.plan}): {report.state} · "
                     f"{report.duration_s:.1f}s · ${report.cost_usd:.4f}")
        for row in report.tasks:
            lines.append(f"  {row.id:<8} {row.status:<10} attempts {row.attempts}  "
                         f"{row.role or '-'}/{row.adapter or '-'}  ${row.cost_usd:.4f}  "
                         f"{row.input_tokens}/{row.output_tokens} tok  "
                         + (f"{row.hook_blocks} caught in session  " if row.hook_blocks else "")
                         + (f"{row.writes_denied} write(s) denied  " if row.writes_denied
                            else "")
                         + row.title)
        for point in report.decisions:
            lines.append(f"  phase {point.phase}: {point.decision} by {point.decided_by}"
                         + (f" — {point.reason}" if point.reason else ""))
    if len(reports) > 1:
        lines.append("Agents compared (role/adapter: success, cost per done task, retries, time, "
                     "early stops caught in session / caught after):")
        for s in stats:
            cost = "-" if s.cost_per_done is None else f"${s.cost_per_done:.4f}"
            lines.append(f"  {s.role}/{s.adapter}: {s.done}/{s.tasks} ({s.success_rate:.0%}), "
                         f"{cost}, {s.retries} retries, {s.seconds:.1f}s, "
                         f"{s.caught_in_session} in session / {s.caught_after} after")
    return lines
