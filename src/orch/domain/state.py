"""Run state and its journal events. The state is a fold of the events (``apply_event``).

The store writes every event to ``events.jsonl`` (fsync'd) and snapshots the folded state to
``run.json`` now and then; loading a run replays the events newer than the snapshot. That keeps
the cost of recording one transition constant however long the plan is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from orch.domain.status import RunStatus, TaskStatus, can_transition
from orch.errors import StateError

SCHEMA_VERSION = 1


class CheckRecord(BaseModel):
    """One check orch ran for a task: the evidence behind ``verified``."""

    kind: str
    """``verify`` (a ``verify:`` command), ``file`` (a derived file check) or ``gate``."""
    command: str
    exit_code: int | None = None
    """``None`` when the command timed out or could not finish."""
    duration_s: float = 0.0
    output_sha256: str = ""
    ok: bool = False


class DiffStat(BaseModel):
    """What the task changed, measured by orch from git (never the agent's own claim)."""

    files: int = 0
    insertions: int = 0
    deletions: int = 0
    paths: list[str] = Field(default_factory=list)
    """The first changed paths (at most 50)."""


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
    session_id: str | None = None
    estimate_s: float | None = None
    interrupted_attempts: int = 0
    """How many times a resume found this task ``running`` and re-ran it."""
    verified: bool = False
    """At least one check ran for the task and every check passed."""
    evidence: list[CheckRecord] = Field(default_factory=list)
    diffstat: DiffStat | None = None
    baseline: str | None = None
    """The working tree (a git tree id) when the task first started: "changed during the
    task" is measured against it, across retries and resumes."""
    in_plan: bool = False
    """Already marked done (or skipped) in the plan before the run: not run by orch."""


class PhaseState(BaseModel):
    """One phase's record: its tasks (in run order) and whether its gate passed."""

    id: str
    title: str
    tasks: list[str] = Field(default_factory=list)
    started: str | None = None
    ended: str | None = None
    gate_passed: bool = False
    """Set once the phase's tasks are done and its gate commands passed."""
    gate: str = "none"
    """Which gate the phase has: ``plan`` (its **Gate**: lines), ``auto`` (the project's test
    command) or ``none``."""
    gate_failed: bool = False


class Checkpoint(BaseModel):
    """A git checkpoint taken after a phase (or a task with ``--commit task``)."""

    name: str
    phase: str
    commit: str
    ref: str | None = None
    created: str = ""
    tasks: list[str] = Field(default_factory=list)
    kind: str = "phase"


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
    """Fold one event into the state, in place. Unknown event types only advance ``last_seq``.

    Every task status change is checked against the declared transitions
    (:func:`~orch.domain.status.can_transition`); an illegal one is a :class:`StateError`.
    """
    state.last_seq = max(state.last_seq, event.seq)
    state.updated = event.ts
    task = state.tasks.get(event.task) if event.task else None
    if task is not None and event.type in _TASK_FOLDS:
        _TASK_FOLDS[event.type](task, event)
    elif event.phase and event.type in _PHASE_FOLDS:
        phase = _find_phase(state, event.phase)
        if phase is not None:
            _PHASE_FOLDS[event.type](state, phase, event)
    elif event.type in _RUN_FOLDS:
        _RUN_FOLDS[event.type](state, event)


def _move(task: TaskState, new: TaskStatus, event: Event) -> None:
    if new is not task.status and not can_transition(task.status, new):
        raise StateError(
            f"run {event.run}: event {event.seq} ({event.type}) moves task {task.id} from "
            f"{task.status.value} to {new.value}, which is not an allowed transition",
            hint="the journal was edited or written by an incompatible orch version",
        )
    task.status = new


def _task_started(task: TaskState, event: Event) -> None:
    data = event.data
    _move(task, TaskStatus.RUNNING, event)
    task.attempts = int(data.get("attempt", task.attempts + 1))
    task.started = task.started or event.ts
    task.ended = None
    task.error = None
    task.agent = data.get("agent", task.agent)
    task.verified = False
    task.baseline = task.baseline or data.get("baseline")
    if data.get("interrupted_before"):
        task.interrupted_attempts += 1


def _task_verifying(task: TaskState, event: Event) -> None:
    _move(task, TaskStatus.VERIFYING, event)


def _task_finished(task: TaskState, event: Event) -> None:
    data = event.data
    _move(task, TaskStatus(data["status"]), event)
    task.ended = event.ts
    task.error = data.get("error")
    task.summary = data.get("summary", task.summary)
    task.files_changed = list(data.get("files_changed", task.files_changed))
    task.cost_usd = round(task.cost_usd + float(data.get("cost_usd", 0.0)), 6)
    task.input_tokens += int(data.get("input_tokens", 0))
    task.output_tokens += int(data.get("output_tokens", 0))
    task.session_id = data.get("session_id", task.session_id)
    task.evidence = [CheckRecord.model_validate(r) for r in data.get("evidence", [])]
    stat = data.get("diffstat")
    task.diffstat = DiffStat.model_validate(stat) if stat is not None else None
    task.verified = bool(data.get("verified", False)) and task.status is TaskStatus.DONE


def _task_reset(task: TaskState, event: Event) -> None:
    data = event.data
    _move(task, TaskStatus(data.get("status", TaskStatus.PENDING)), event)
    task.error = data.get("error")
    if task.status is TaskStatus.PENDING:
        task.ended = None
        task.verified = False
    if str(data.get("reason", "")).startswith("rollback"):
        task.baseline = None  # the code went back: the task starts afresh


def _phase_started(state: RunState, phase: PhaseState, event: Event) -> None:
    phase.started = phase.started or event.ts


def _phase_finished(state: RunState, phase: PhaseState, event: Event) -> None:
    """The gate's verdict; a passing gate's evidence joins every task the run did in it."""
    data = event.data
    ok = bool(data.get("ok", True))
    phase.gate_passed = ok
    phase.gate_failed = not ok
    phase.gate = str(data.get("gate", phase.gate))
    phase.ended = event.ts
    records = [CheckRecord.model_validate(r) for r in data.get("evidence", [])]
    if not (ok and records):
        return
    for task_id in phase.tasks:
        task = state.tasks.get(task_id)
        if task is None or task.status is not TaskStatus.DONE or task.in_plan:
            continue
        own_ok = all(r.ok for r in task.evidence)
        task.evidence = [*task.evidence, *records]
        task.verified = own_ok


def _phase_reset(state: RunState, phase: PhaseState, event: Event) -> None:
    phase.gate_passed = False
    phase.gate_failed = False
    phase.started = None
    phase.ended = None


def _checkpoint_created(state: RunState, event: Event) -> None:
    state.checkpoints.append(Checkpoint.model_validate(event.data))


def _checkpoints_dropped(state: RunState, event: Event) -> None:
    dropped = set(event.data.get("names", []))
    state.checkpoints = [cp for cp in state.checkpoints if cp.name not in dropped]


def _run_state(state: RunState, event: Event) -> None:
    state.state = RunStatus(event.data["state"])
    state.error = event.data.get("error")


def _options_changed(state: RunState, event: Event) -> None:
    state.options = state.options.model_copy(update=event.data)


_TASK_FOLDS: dict[str, Callable[[TaskState, Event], None]] = {
    "task_started": _task_started,
    "task_verifying": _task_verifying,
    "task_finished": _task_finished,
    "task_reset": _task_reset,
}
_PHASE_FOLDS: dict[str, Callable[[RunState, PhaseState, Event], None]] = {
    "phase_started": _phase_started,
    "phase_finished": _phase_finished,
    "phase_reset": _phase_reset,
}
_RUN_FOLDS: dict[str, Callable[[RunState, Event], None]] = {
    "checkpoint_created": _checkpoint_created,
    "checkpoints_dropped": _checkpoints_dropped,
    "run_state": _run_state,
    "options_changed": _options_changed,
}


def _find_phase(state: RunState, phase_id: str) -> PhaseState | None:
    for phase in state.phases:
        if phase.id == phase_id:
            return phase
    return None
