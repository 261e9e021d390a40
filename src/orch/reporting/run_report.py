"""``orch report``: one run (or several, compared) built from the journal (docs/decisions.md).

The data is the same for the text, JSON and HTML renderings: per task its attempts on a time
line (lane, start, end, outcome), role and adapter, cost and tokens, whether it is verified
(exactly as ``orch status`` says) and its evidence, the task's own checks and the gate that
covered it; per phase its gate, targets, decision and checkpoint; the phase decisions, failures
and resumes as points on the same time line; per role and adapter, across runs, the success
rate, cost per done task, retries and time. Text from the journal (titles, errors, output) is
shown without terminal escape sequences.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from orch.domain.events import (
    CheckRecord,
    Payload,
    PhaseDecision,
    PhaseFinished,
    RunStarted,
    TaskFinished,
    TaskStarted,
)
from orch.domain.state import Event, PhaseState, RunState, TaskState
from orch.domain.status import TaskStatus
from orch.reporting.summary import parse_ts
from orch.text import terminal_safe


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
    verified: bool = False
    """As ``orch status`` says it: done, and at least one check ran and every check passed."""
    checks: list[str] = Field(default_factory=list)
    """The task's own checks in its last attempt (``passed `pytest -q```)."""
    gate: str | None = None
    """The phase gate that covered the task (``passed `pytest -q` (phase 1 gate)``)."""
    hook_blocks: int = 0
    """Times an in-session gate stopped the agent (an early stop caught in its session)."""
    writes_denied: int = 0
    """Times the in-session write fence denied a write outside the task's files."""


class PhaseRow(BaseModel):
    """A phase: its gate, targets, decision and checkpoint."""

    id: str
    title: str
    gate: str = "none"
    """``plan``, ``auto`` or ``none``."""
    gate_commands: list[str] = Field(default_factory=list)
    gate_result: str = "not run"
    """``passed``, ``FAILED`` or ``not run``."""
    targets: list[dict[str, Any]] = Field(default_factory=list)
    decision: str | None = None
    decided_by: str | None = None
    checkpoint: str | None = None
    """``name (commit)`` of the phase's checkpoint, when it was taken."""


class Marker(BaseModel):
    """A failure or a resume on the time line."""

    at: float
    kind: str
    """``failure`` or ``resume``."""
    label: str


class DecisionPoint(BaseModel):
    """A phase decision on the time line."""

    phase: str
    at: float
    decision: str
    decided_by: str
    reason: str = ""
    cost_usd: float = 0.0
    """What the reviewer's model calls for this decision cost."""


class RunReport(BaseModel):
    """One run's report."""

    run: str
    plan: str
    state: str
    created: str
    duration_s: float
    cost_usd: float
    """Everything the run spent on models: its tasks and its phase reviews."""
    review_cost_usd: float = 0.0
    tasks: list[TaskRow]
    attempts: list[Attempt]
    decisions: list[DecisionPoint]
    phases: list[PhaseRow] = Field(default_factory=list)
    markers: list[Marker] = Field(default_factory=list)


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
    markers: list[Marker] = []
    gates: dict[str, list[CheckRecord]] = {}
    phase_targets: dict[str, list[dict[str, Any]]] = {}
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
            attempt.error = terminal_safe(payload.error) if payload.error else None
            attempt.evidence = _evidence(payload)
            if payload.status is not TaskStatus.DONE:
                markers.append(Marker(at=attempt.end, kind="failure", label=(
                    f"{event.task} attempt {attempt.number} {attempt.status}")))
        elif isinstance(payload, PhaseFinished) and event.phase:
            if payload.evidence:
                gates[event.phase] = list(payload.evidence)
            if not payload.ok:
                markers.append(Marker(at=at(event.ts), kind="failure",
                                      label=f"phase {event.phase} gate failed"))
        elif isinstance(payload, RunStarted) and payload.resumed:
            markers.append(Marker(at=at(event.ts), kind="resume", label="resumed"))
        elif isinstance(payload, PhaseDecision) and event.phase:
            verdict = payload.decision
            if payload.awaiting and verdict != "ESCALATE":
                verdict += " (awaiting a person)"
            phase_targets[event.phase] = list(payload.targets)
            decisions.append(DecisionPoint(
                phase=event.phase, at=at(event.ts), decision=verdict,
                decided_by=payload.decided_by, reason=terminal_safe(payload.reason or ""),
                cost_usd=payload.cost_usd))
    phases = [_phase_row(state, phase, gates.get(phase.id, []), phase_targets.get(phase.id, []))
              for phase in state.phases]
    gate_of = {task: row for phase, row in zip(state.phases, phases, strict=True)
               for task in phase.tasks}
    rows = [_task_row(t, adapters.get(t.id), gate_of.get(t.id),
                      sum((a.end or end) - a.start for a in attempts if a.task == t.id) or None)
            for t in state.tasks.values()]
    return RunReport(run=state.run_id, plan=state.plan_path, state=state.state.value,
                     created=state.created, duration_s=end, cost_usd=state.cost_usd,
                     review_cost_usd=round(sum(p.review_cost_usd for p in state.phases), 6),
                     tasks=rows, attempts=attempts, decisions=decisions, phases=phases,
                     markers=markers)


def _task_row(task: TaskState, adapter: str | None, phase: PhaseRow | None,
              duration_s: float | None) -> TaskRow:
    own = [check for check in task.evidence if check.kind != "gate"]
    covered = None
    if phase is not None and phase.gate_commands and task.status is TaskStatus.DONE:
        covered = (f"{phase.gate_result} `{'; '.join(phase.gate_commands)}` "
                   f"(phase {phase.id} gate)")
    return TaskRow(
        id=task.id, phase=task.phase, title=terminal_safe(task.title), status=task.status.value,
        attempts=task.attempts, role=task.agent, adapter=adapter, cost_usd=task.cost_usd,
        input_tokens=task.input_tokens, output_tokens=task.output_tokens, duration_s=duration_s,
        feedback=terminal_safe(task.feedback) if task.feedback else None,
        verified=task.verified, checks=[_check_line(check) for check in own], gate=covered,
        hook_blocks=task.hook_blocks, writes_denied=task.writes_denied)


def _phase_row(state: RunState, phase: PhaseState, gate: list[CheckRecord],
               targets: list[dict[str, Any]]) -> PhaseRow:
    if gate:
        result = "passed" if all(check.ok for check in gate) else "FAILED"
    else:
        result = "FAILED" if phase.gate_failed else "not run"
    latest_first = reversed(state.checkpoints)  # a reopened phase's latest: phase-1.2
    checkpoint = next((f"{point.name} ({point.commit[:10]})" for point in latest_first
                       if point.phase == phase.id and point.kind == "phase"), None)
    return PhaseRow(id=phase.id, title=terminal_safe(phase.title), gate=phase.gate,
                    gate_commands=[check.command for check in gate] or phase.gate_commands,
                    gate_result=result,
                    targets=targets, decision=phase.decision, decided_by=phase.decided_by,
                    checkpoint=checkpoint)


def _check_line(check: CheckRecord) -> str:
    return f"{'passed' if check.ok else 'FAILED'} `{terminal_safe(check.command)}`"


def _payload(event: Event) -> Payload | None:
    """The event's payload; ``None`` for one this orch cannot read (the report shows the rest)."""
    try:
        return event.payload()
    except ValidationError:
        return None


def _evidence(finished: TaskFinished) -> list[str]:
    """What one attempt's checks showed; never a pass that no check gave."""
    found = [_check_line(check) for check in finished.evidence]
    if finished.failed_command:
        tail = terminal_safe((finished.output_tail or "")[-300:])
        found.append(f"FAILED `{terminal_safe(finished.failed_command)}`: {tail}")
    elif finished.status is TaskStatus.DONE and not found:
        found.append("no check of its own ran" if finished.gate_pending
                     else "unverified: no check ran")
    if finished.summary:
        found.append(f"agent said: {terminal_safe(finished.summary[-300:])}")
    return found


def _status_word(row: TaskRow) -> str:
    """``done (verified)`` / ``done (unverified)``, as ``orch status`` writes it."""
    if row.status != TaskStatus.DONE.value:
        return row.status
    return f"done ({'verified' if row.verified else 'unverified'})"


def _phase_line(phase: PhaseRow) -> str:
    """Gate, targets and checkpoint (its decision has a line of its own, with the reason)."""
    gate = (f"gate ({phase.gate}) {phase.gate_result} `{'; '.join(phase.gate_commands)}`"
            if phase.gate_commands else f"gate ({phase.gate}) {phase.gate_result}")
    parts = [gate]
    if phase.targets:
        parts.append("targets " + ", ".join(str(t.get("name", t)) for t in phase.targets))
    parts.append(f"checkpoint {phase.checkpoint}" if phase.checkpoint else "no checkpoint")
    return " · ".join(parts)


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
            lines.append(f"  {row.id:<8} {_status_word(row):<21} attempts {row.attempts}  "
                         f"{row.role or '-'}/{row.adapter or '-'}  ${row.cost_usd:.4f}  "
                         f"{row.input_tokens}/{row.output_tokens} tok  "
                         + (f"{row.hook_blocks} caught in session  " if row.hook_blocks else "")
                         + (f"{row.writes_denied} write(s) denied  " if row.writes_denied
                            else "")
                         + row.title)
            lines += [f"      {line}" for line in [*row.checks, *filter(None, [row.gate])]]
        for phase in report.phases:
            lines.append(f"  phase {phase.id}: {_phase_line(phase)}")
        for point in report.decisions:
            lines.append(f"  phase {point.phase}: {point.decision} by {point.decided_by}"
                         + (f" (${point.cost_usd:.4f})" if point.cost_usd else "")
                         + (f" — {point.reason}" if point.reason else ""))
        lines += [f"  {marker.kind} at {marker.at:.1f}s: {marker.label}"
                  for marker in report.markers]
    if len(reports) > 1:
        lines.append("Agents compared (role/adapter: success, cost per done task, retries, time, "
                     "early stops caught in session / caught after):")
        for s in stats:
            cost = "-" if s.cost_per_done is None else f"${s.cost_per_done:.4f}"
            lines.append(f"  {s.role}/{s.adapter}: {s.done}/{s.tasks} ({s.success_rate:.0%}), "
                         f"{cost}, {s.retries} retries, {s.seconds:.1f}s, "
                         f"{s.caught_in_session} in session / {s.caught_after} after")
    return lines
