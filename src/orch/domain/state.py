"""Run state and its journal events. The state is a fold of the events (``apply_event``).

The store writes every event to ``events.jsonl`` (fsync'd) and snapshots the folded state to
``run.json`` now and then; loading a run replays the events newer than the snapshot. That keeps
the cost of recording one transition constant however long the plan is.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from orch.domain.clock import tick
from orch.domain.status import RunStatus, TaskStatus

SCHEMA_VERSION = 1


class TaskState(BaseModel):
    """One task's record inside a run."""

    id: str
    phase: str
    title: str = ""
    status: TaskStatus = TaskStatus.PENDING
    attempts: int = 0
    started: str | None = None
    ended: str | None = None
    error: str | None = None
    agent: str | None = None
    summary: str | None = None
    files_changed: list[str] = Field(default_factory=list)
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    """The part of ``output_tokens`` a reasoning model spent thinking."""
    session_id: str | None = None
    estimate_s: float | None = None
    interrupted_attempts: int = 0
    """How many times a resume found this task ``running`` and re-ran it."""
    feedback: str | None = None
    """A phase decision's findings (REVISE), handed to the task's next attempt."""
    duration_s: float = 0.0
    """Time its attempts ran, all sessions together (``domain/clock.py``)."""


class PhaseState(BaseModel):
    """One phase's record: its tasks (in run order) and whether its gate passed."""

    id: str
    title: str
    tasks: list[str] = Field(default_factory=list)
    started: str | None = None
    ended: str | None = None
    gate_passed: bool = False
    """Set once the phase's tasks are done and its gate commands passed."""
    decision: str | None = None
    """The last decision (APPROVE, CONDITIONAL, REVISE, ESCALATE) and who made it (§9)."""
    decided_by: str | None = None
    revisions: int = 0
    """REVISE rounds so far; past ``max_revisions`` the phase escalates."""
    awaiting: bool = False
    """The phase waits for a person (``orch approve`` / ``orch revise``)."""
    human_approval: dict[str, Any] | None = None
    """A person's ``orch approve`` not yet taken up by the runner."""
    conditions: list[str] = Field(default_factory=list)
    context: str = ""
    """What the decision hands to the next phase's agents."""
    duration_s: float = 0.0
    """Time spent in the phase (tasks, retries, gate), all sessions together."""


class Checkpoint(BaseModel):
    """A git checkpoint taken after a phase (or a task with ``--commit task``)."""

    name: str
    phase: str
    commit: str
    ref: str | None = None
    created: str = ""
    tasks: list[str] = Field(default_factory=list)
    kind: str = "phase"


class ProcessGroup(BaseModel):
    """A process group a task started and orch has not yet seen end (``process_started``)."""

    pgid: int
    start: int | None = None
    """The leader's start time, to tell the group from a later process reusing its id."""
    task: str | None = None


class RunOptions(BaseModel):
    """The options a run was started with; ``resume`` reuses them unless told otherwise."""

    agent: str | None = None
    only: list[str] | None = None
    from_task: str | None = None
    until_task: str | None = None
    phase: str | None = None
    commit: str | None = None
    """phase | task | none; ``None`` until the run resolves it from the config."""
    max_cost_usd: float | None = None
    task_timeout_s: float | None = None
    allow_dirty: bool = False


class Event(BaseModel):
    """One line of ``events.jsonl``. ``seq`` is contiguous from 1 within a run."""

    seq: int
    ts: str
    type: str
    run: str
    task: str | None = None
    phase: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class RunState(BaseModel):
    """The snapshot in ``run.json``: everything ``status``, ``resume`` and ``rollback`` need."""

    schema_version: int = SCHEMA_VERSION
    run_id: str
    plan_path: str
    plan_sha256: str
    state: RunStatus = RunStatus.RUNNING
    created: str
    updated: str
    last_seq: int = 0
    options: RunOptions = Field(default_factory=RunOptions)
    phases: list[PhaseState] = Field(default_factory=list)
    tasks: dict[str, TaskState] = Field(default_factory=dict)
    """Selected tasks in execution order (dicts keep insertion order)."""
    checkpoints: list[Checkpoint] = Field(default_factory=list)
    error: str | None = None
    process_groups: list[ProcessGroup] = Field(default_factory=list)
    """Groups started and not yet ended: after a SIGKILL of orch, what resume must stop."""
    active_s: float = 0.0
    """Time the run ran, all sessions together, idle time between them excluded."""
    clock_ts: str | None = None
    """Timestamp the active-time clock last advanced to; ``None`` outside a session."""
    open_phase: str | None = None
    active_task: str | None = None

    @property
    def cost_usd(self) -> float:
        return round(sum(task.cost_usd for task in self.tasks.values()), 6)

    def order(self) -> list[str]:
        return list(self.tasks)

    def has_phase_checkpoint(self, phase_id: str) -> bool:
        """Whether the phase's checkpoint commit is recorded."""
        return any(cp.phase == phase_id and cp.kind == "phase" for cp in self.checkpoints)

    def phase(self, phase_id: str) -> PhaseState:
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        raise KeyError(phase_id)


def apply_event(state: RunState, event: Event) -> None:
    """Fold one event into the state, in place. Unknown event types only advance ``last_seq``."""
    state.last_seq = max(state.last_seq, event.seq)
    state.updated = event.ts
    tick(state, event)
    data = event.data
    task = state.tasks.get(event.task) if event.task else None
    kind = event.type
    if kind == "task_started" and task is not None:
        state.active_task = task.id
        task.status = TaskStatus.RUNNING
        task.attempts = int(data.get("attempt", task.attempts + 1))
        task.started = task.started or event.ts
        task.ended = None
        task.error = None
        task.agent = data.get("agent", task.agent)
        if data.get("interrupted_before"):
            task.interrupted_attempts += 1
    elif kind == "task_verifying" and task is not None:
        task.status = TaskStatus.VERIFYING
    elif kind == "task_finished" and task is not None:
        state.active_task = None
        task.status = TaskStatus(data["status"])
        task.ended = event.ts
        task.error = data.get("error")
        task.summary = data.get("summary", task.summary)
        task.files_changed = list(data.get("files_changed", task.files_changed))
        task.cost_usd = round(task.cost_usd + float(data.get("cost_usd", 0.0)), 6)
        task.input_tokens += int(data.get("input_tokens", 0))
        task.output_tokens += int(data.get("output_tokens", 0))
        task.reasoning_output_tokens += int(data.get("reasoning_output_tokens", 0))
        task.session_id = data.get("session_id", task.session_id)
    elif kind == "task_reset" and task is not None:
        if state.active_task == task.id:
            state.active_task = None
        task.status = TaskStatus(data.get("status", TaskStatus.PENDING))
        task.error = data.get("error")
        if data.get("reason") == "revise":
            task.feedback = data.get("feedback")
        if task.status is TaskStatus.PENDING:
            task.ended = None
        if data.get("fresh"):
            # A rollback: the task's work is gone, so are its attempts (its cost stays spent).
            task.attempts = 0
            task.started = None
            task.interrupted_attempts = 0
    elif kind == "phase_started" and event.phase:
        phase = _find_phase(state, event.phase)
        if phase is not None:
            phase.started = phase.started or event.ts
            state.open_phase = phase.id
    elif kind == "phase_finished" and event.phase:
        phase = _find_phase(state, event.phase)
        if phase is not None:
            phase.gate_passed = bool(data.get("ok", True))
            phase.ended = event.ts
        state.open_phase = None
    elif kind == "phase_reset" and event.phase:
        phase = _find_phase(state, event.phase)
        if phase is not None:
            phase.gate_passed = False
            phase.started = None
            phase.ended = None
            phase.decision = phase.decided_by = phase.human_approval = None
            phase.revisions = 0
            phase.awaiting = False
    elif kind in ("phase_decision", "phase_human_decision") and event.phase:
        phase = _find_phase(state, event.phase)
        if phase is not None:
            _fold_decision(phase, kind, data)
    elif kind == "checkpoint_created":
        state.checkpoints.append(Checkpoint.model_validate(data))
    elif kind == "checkpoints_dropped":
        dropped = set(data.get("names", []))
        state.checkpoints = [cp for cp in state.checkpoints if cp.name not in dropped]
    elif kind == "run_state":
        state.state = RunStatus(data["state"])
        state.error = data.get("error")
        if state.state is not RunStatus.RUNNING:
            state.clock_ts = state.open_phase = state.active_task = None
    elif kind == "options_changed":
        state.options = state.options.model_copy(update=data)
    elif kind == "process_started":
        state.process_groups.append(ProcessGroup.model_validate({**data, "task": event.task}))
    elif kind == "process_ended":
        state.process_groups = [g for g in state.process_groups if g.pgid != data.get("pgid")]


def _fold_decision(phase: PhaseState, kind: str, data: dict[str, Any]) -> None:
    if kind == "phase_human_decision":
        phase.human_approval = dict(data)
        phase.awaiting = False
        return
    phase.decision = data.get("decision")
    phase.decided_by = data.get("decided_by")
    phase.awaiting = bool(data.get("awaiting", False))
    phase.human_approval = None
    if phase.decision == "REVISE":
        phase.revisions += 1
    phase.conditions = list(data.get("conditions", []))
    phase.context = str(data.get("context", ""))


def _find_phase(state: RunState, phase_id: str) -> PhaseState | None:
    for phase in state.phases:
        if phase.id == phase_id:
            return phase
    return None
