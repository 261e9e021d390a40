"""Run state and its journal events. The state is a fold of the events (``apply_event``).

The store writes every event to ``events.jsonl`` (fsync'd) and snapshots the folded state to
``run.json`` now and then; loading a run replays the events newer than the snapshot. That keeps
the cost of recording one transition constant however long the plan is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from orch.domain.clock import tick
from orch.domain.events import (
    CheckpointCreated,
    CheckRecord,
    DiffStat,
    EventType,
    Payload,
    PhaseDecision,
    PhaseFinished,
    PhaseHumanDecision,
    PlanChanged,
    ProcessEnded,
    ProcessStarted,
    RunStarted,
    RunStateChanged,
    TaskFinished,
    TaskReset,
    TaskStarted,
    payload_of,
)
from orch.domain.status import RunStatus, TaskStatus, can_run_transition, can_transition
from orch.errors import StateError

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
    cut_off: bool = False
    """Its last attempt was cut off (kill -9, Ctrl-C): a main-tree task's next attempt starts
    from its ``baseline``, its partial output saved first."""
    feedback: str | None = None
    """A phase decision's findings (REVISE), handed to the task's next attempt."""
    verified: bool = False
    """At least one check ran for the task and every check passed."""
    hook_blocks: int = 0
    """How often an in-session gate blocked the agent's stop (its checks failed)."""
    writes_denied: int = 0
    """How often the in-session write fence denied a write outside the task's files."""
    evidence: list[CheckRecord] = Field(default_factory=list)
    diffstat: DiffStat | None = None
    baseline: str | None = None
    """The working tree (a git tree id) when the task first started: "changed during the
    task" is measured against it, across retries and resumes."""
    in_plan: bool = False
    """Already marked done (or skipped) in the plan before the run: not run by orch."""
    lane: int | None = None
    """The worker lane running the task in its own worktree (``--jobs`` > 1), else ``None``."""
    work_base: str | None = None
    """The commit the task's worktree started from."""
    work_commit: str | None = None
    """The task's finished work on its branch, not yet integrated."""
    work_cost_usd: float = 0.0
    """What the attempt that made ``work_commit`` cost (not yet in ``cost_usd``)."""
    integrating: list[str] | None = None
    """``[before_tree, result_tree]`` while an integration is under way."""
    integrated: str | None = None
    alone: bool = False
    """Sent back by the merge queue: the task re-runs once, alone, on the integrated tree."""
    kept_branch: str | None = None
    returning: bool = False
    """Its last attempt failed but was to run again (a retry, or sent back by the merge queue):
    a kill before the ``task_reset`` that follows leaves it ``failed``, and resume goes on."""
    rerun_reason: str | None = None
    """Why a resume ran this task again after the plan was edited (``plan changed: …``)."""
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
    """The last decision (APPROVE, CONDITIONAL, REVISE, ESCALATE); see docs/decisions.md."""
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
    gate: str = "none"
    """Which gate the phase has: ``plan`` (its **Gate**: lines), ``auto`` (the project's test
    command) or ``none``."""
    reopened: bool = False
    """A resume reopened the phase after its checkpoint (a plan edit): when it closes again, a
    new checkpoint (``phase-1.2``) commits the work done in it since."""
    gate_commands: list[str] = Field(default_factory=list)
    """The commands of the gate the phase will run (``run_started``), until it has run."""
    gate_failed: bool = False
    review_cost_usd: float = 0.0
    """What the phase's reviewer calls cost, every round together (part of the run's cost)."""
    duration_s: float = 0.0
    """Time spent in the phase (tasks, retries, gate), all sessions together."""


class Checkpoint(CheckpointCreated):
    """A git checkpoint taken after a phase (or a task with ``--commit task``): the fields of
    its ``checkpoint_created`` event, without the unknown keys a payload keeps."""

    model_config = ConfigDict(extra="ignore")


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
    jobs: int | None = None
    """``--jobs``: worker slots; ``None`` = config ``jobs:``."""
    executor: str | None = None
    """``--executor``: where lane attempts run; ``None`` = config ``executor.kind``."""
    ray_address: str | None = None
    """``--ray-address``; ``None`` = config ``executor.address``."""


class Event(BaseModel):
    """One line of ``events.jsonl``. ``seq`` is contiguous from 1 within a run."""

    seq: int
    ts: str
    type: str
    run: str
    task: str | None = None
    phase: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    _payload: tuple[Payload | None] | None = PrivateAttr(default=None)

    def payload(self) -> Payload | None:
        """``data`` as its type's payload model, parsed once and shared by the fold and every
        reporter; ``None`` for a type this orch does not know. Invalid data raises pydantic's
        ``ValidationError``."""
        if self._payload is None:
            self._payload = (payload_of(self.type, self.data),)
        return self._payload[0]


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
    fingerprints: dict[str, str] = Field(default_factory=dict)
    """Each task's fingerprint (:mod:`orch.domain.fingerprint`) in the plan the run last used;
    empty for runs started before fingerprints existed."""
    auto_gate: str | None = None
    """The test command ``gate: auto`` runs, decided once at the run's start (``""``: none);
    ``None`` for runs started before orch journalled it (resume then detects it)."""
    removed_tasks: dict[str, TaskState] = Field(default_factory=dict)
    """Tasks an edit removed from the plan mid-run: out of the run, their spending kept."""
    process_groups: list[ProcessGroup] = Field(default_factory=list)
    """Groups started and not yet ended: after a SIGKILL of orch, what resume must stop."""
    active_s: float = 0.0
    """Time the run ran, all sessions together, idle time between them excluded."""
    clock_ts: str | None = None
    """Timestamp the active-time clock last advanced to; ``None`` outside a session."""
    open_phase: str | None = None
    active_task: str | None = None
    lane_tasks: list[str] = Field(default_factory=list)
    """Tasks with a worktree (``--jobs``): running at once, each one's clock advances."""

    @property
    def cost_usd(self) -> float:
        every = [*self.tasks.values(), *self.removed_tasks.values()]
        reviews = sum(phase.review_cost_usd for phase in self.phases)
        return round(sum(task.cost_usd for task in every) + reviews, 6)

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
    (:func:`~orch.domain.status.can_transition`); an illegal one is a :class:`StateError`, as
    is a payload that does not match its event type's model.
    """
    state.last_seq = max(state.last_seq, event.seq)
    state.updated = event.ts
    tick(state, event)
    try:
        payload = event.payload()
    except ValidationError as exc:
        raise StateError(f"run {event.run}: event {event.seq} ({event.type}) is malformed: "
                         f"{exc.errors()[0]['msg']}") from None
    if payload is None:
        return
    task = state.tasks.get(event.task) if event.task else None
    kind = EventType(event.type)
    if task is not None and kind in _TASK_FOLDS:
        _TASK_FOLDS[kind](state, task, event, payload)
    elif event.phase and kind in _PHASE_FOLDS:
        phase = _find_phase(state, event.phase)
        if phase is not None:
            _PHASE_FOLDS[kind](state, phase, payload)
    elif kind in _RUN_FOLDS:
        _RUN_FOLDS[kind](state, event, payload)


def _move(task: TaskState, new: TaskStatus, event: Event) -> None:
    if new is not task.status and not can_transition(task.status, new):
        raise StateError(
            f"run {event.run}: event {event.seq} ({event.type}) moves task {task.id} from "
            f"{task.status.value} to {new.value}, which is not an allowed transition",
            hint="the journal was edited or written by an incompatible orch version",
        )
    task.status = new


def _task_started(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    started: TaskStarted = payload
    _move(task, TaskStatus.RUNNING, event)
    state.active_task = task.id
    task.attempts = started.attempt if started.attempt is not None else task.attempts + 1
    task.started = task.started or event.ts
    task.ended = None
    task.error = None
    task.agent = started.agent or task.agent
    task.verified = False
    task.cut_off = False
    task.baseline = task.baseline or started.baseline
    if started.interrupted_before:
        task.interrupted_attempts += 1


def _task_verifying(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    _move(task, TaskStatus.VERIFYING, event)


def _task_finished(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    finished: TaskFinished = payload
    state.active_task = None
    _move(task, finished.status, event)
    task.ended = event.ts
    task.error = finished.error
    task.summary = finished.summary if finished.summary is not None else task.summary
    if finished.files_changed is not None:
        task.files_changed = list(finished.files_changed)
    task.cost_usd = round(task.cost_usd + finished.cost_usd, 6)
    task.input_tokens += finished.input_tokens
    task.output_tokens += finished.output_tokens
    task.reasoning_output_tokens += finished.reasoning_output_tokens
    task.session_id = finished.session_id or task.session_id
    task.evidence = list(finished.evidence)
    task.diffstat = finished.diffstat
    task.verified = finished.verified and task.status is TaskStatus.DONE
    task.returning = finished.retrying and task.status is TaskStatus.FAILED


def _task_reset(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    reset: TaskReset = payload
    if state.active_task == task.id:
        state.active_task = None
    _move(task, reset.status, event)
    task.error = reset.error
    task.returning = False
    task.cut_off = reset.reason == "interrupted"
    if reset.reason == "revise" or reset.feedback is not None:
        task.feedback = reset.feedback  # a REVISE's findings, or a retried failure's reason
    if task.status is TaskStatus.PENDING:
        task.ended = None
        task.verified = False
        task.evidence = []  # a task still to do has passed no check (a rollback, a re-run)
    if reset.fresh or reset.reason.startswith("rollback"):
        # A rollback: the task's work is gone, so are its attempts (its cost stays spent).
        task.baseline = None
        task.attempts = 0
        task.started = None
        task.interrupted_attempts = 0
        _forget_worktree(state, task)
    if reset.reason.startswith("plan changed"):
        task.in_plan = False  # the plan's old mark no longer stands: orch runs it now
        task.rerun_reason = reset.reason


def _forget_worktree(state: RunState, task: TaskState) -> None:
    """The task's worktree fields after a rollback: it is neither committed nor integrated
    any more (its old branch, if one is kept, stays in git and in ``orch status``)."""
    task.lane = task.work_base = task.work_commit = task.integrated = None
    task.integrating = None
    task.alone, task.kept_branch = False, None
    if task.id in state.lane_tasks:
        state.lane_tasks.remove(task.id)


def _phase_started(state: RunState, phase: PhaseState, payload: Any) -> None:
    phase.started = phase.started or state.updated
    state.open_phase = phase.id


def _phase_finished(state: RunState, phase: PhaseState, payload: Any) -> None:
    """The gate's verdict; a passing gate's evidence joins every task the run did in it."""
    finished: PhaseFinished = payload
    state.open_phase = None
    phase.gate_passed = finished.ok
    phase.gate_failed = not finished.ok
    phase.gate = finished.gate
    phase.ended = state.updated
    if not (finished.ok and finished.evidence):
        return
    for task_id in phase.tasks:
        task = state.tasks.get(task_id)
        if task is None or task.status is not TaskStatus.DONE or task.in_plan:
            continue
        own_ok = all(r.ok for r in task.evidence)
        task.evidence = [*task.evidence, *finished.evidence]
        task.verified = own_ok


def _phase_reset(state: RunState, phase: PhaseState, payload: Any) -> None:
    phase.reopened = phase.reopened or state.has_phase_checkpoint(phase.id)
    phase.gate_passed = False
    phase.gate_failed = False
    phase.started = None
    phase.ended = None
    phase.decision = phase.decided_by = phase.human_approval = None
    phase.revisions = 0
    phase.awaiting = False
    phase.conditions = []
    phase.context = ""


def _phase_decision(state: RunState, phase: PhaseState, payload: Any) -> None:
    decided: PhaseDecision = payload
    phase.decision = decided.decision
    phase.decided_by = decided.decided_by
    phase.awaiting = decided.awaiting
    phase.human_approval = None
    if decided.decision == "REVISE":
        phase.revisions += 1
    phase.review_cost_usd = round(phase.review_cost_usd + decided.cost_usd, 6)
    phase.conditions = list(decided.conditions)
    phase.context = decided.context


def _phase_human_decision(state: RunState, phase: PhaseState, payload: Any) -> None:
    approved: PhaseHumanDecision = payload
    phase.human_approval = approved.model_dump()
    phase.awaiting = False


def _checkpoint_created(state: RunState, event: Event, payload: Any) -> None:
    created: CheckpointCreated = payload
    state.checkpoints.append(Checkpoint.model_validate(created.model_dump()))
    phase = _find_phase(state, created.phase) if created.kind == "phase" else None
    if phase is not None:
        phase.reopened = False


def _checkpoints_dropped(state: RunState, event: Event, payload: Any) -> None:
    dropped = set(payload.names)
    state.checkpoints = [cp for cp in state.checkpoints if cp.name not in dropped]


def _run_state(state: RunState, event: Event, payload: Any) -> None:
    changed: RunStateChanged = payload
    if not can_run_transition(state.state, changed.state):
        raise StateError(
            f"run {event.run}: event {event.seq} (run_state) moves the run from "
            f"{state.state.value} to {changed.state.value}, which is not an allowed transition",
            hint="the journal was edited or written by an incompatible orch version",
        )
    state.state = changed.state
    state.error = changed.error
    if state.state is not RunStatus.RUNNING:
        state.clock_ts = state.open_phase = state.active_task = None


def _plan_changed(state: RunState, event: Event, payload: Any) -> None:
    """Take the edited plan's layout: removed tasks leave, added ones join, order follows it."""
    changed: PlanChanged = payload
    for task_id in changed.removed:
        record = state.tasks.pop(task_id, None)
        if record is not None:
            state.removed_tasks[task_id] = record
    for added in changed.added:
        marked = added.status is not TaskStatus.PENDING
        state.tasks.setdefault(added.id, TaskState(
            id=added.id, phase=added.phase, title=added.title, estimate_s=added.estimate_s,
            status=added.status, in_plan=marked,
            summary="marked in the plan before the run" if marked else None))
    old_phases = {phase.id: phase for phase in state.phases}
    phases: list[PhaseState] = []
    for layout in changed.phases:
        phase = old_phases.get(layout.id) or PhaseState(id=layout.id, title=layout.title)
        phase.title = layout.title or phase.title
        phase.tasks = [task_id for task_id in layout.tasks if task_id in state.tasks]
        for task_id in phase.tasks:
            state.tasks[task_id].phase = layout.id  # a task the edit moved to this phase
        phases.append(phase)
    state.phases = phases
    order = [task_id for phase in phases for task_id in phase.tasks]
    state.tasks = {task_id: state.tasks[task_id] for task_id in order}
    state.fingerprints = dict(changed.fingerprints)
    state.plan_sha256 = changed.plan_sha256 or state.plan_sha256


def _run_started(state: RunState, event: Event, payload: Any) -> None:
    """Each unfinished phase takes the gate this session will run there."""
    started: RunStarted = payload
    for phase in state.phases:
        gate = started.gates.get(phase.id)
        if gate is not None and phase.ended is None:
            phase.gate, phase.gate_commands = gate.gate, list(gate.commands)


def _options_changed(state: RunState, event: Event, payload: Any) -> None:
    state.options = state.options.model_copy(update=payload.model_dump())


def _worktree_created(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    task.lane, task.work_base = payload.lane, payload.base
    if task.id not in state.lane_tasks:
        state.lane_tasks.append(task.id)
    task.work_commit = task.integrating = task.integrated = None
    task.work_cost_usd = 0.0


def _task_committed(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    task.work_commit, task.work_cost_usd = payload.commit, payload.cost_usd


def _integration_started(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    task.integrating = [payload.before_tree, payload.result_tree]


def _task_integrated(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    task.integrated, task.integrating = payload.commit, None


def _integration_failed(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    task.alone, task.kept_branch = True, payload.branch or None
    task.work_commit = task.integrating = task.integrated = None


def _worktree_removed(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    task.lane = None
    if task.id in state.lane_tasks:
        state.lane_tasks.remove(task.id)
    if not payload.kept_branch:
        task.work_base = task.work_commit = None


def _process_started(state: RunState, event: Event, payload: Any) -> None:
    started: ProcessStarted = payload
    state.process_groups.append(
        ProcessGroup(pgid=started.pgid, start=started.start, task=event.task)
    )


def _process_ended(state: RunState, event: Event, payload: Any) -> None:
    ended: ProcessEnded = payload
    state.process_groups = [g for g in state.process_groups if g.pgid != ended.pgid]


def _hook_blocked(state: RunState, task: TaskState, event: Event, payload: Any) -> None:
    if getattr(payload, "kind", "stop") == "write":
        task.writes_denied += 1
    else:
        task.hook_blocks += 1


_TASK_FOLDS: dict[EventType, Callable[[RunState, TaskState, Event, Any], None]] = {
    EventType.TASK_STARTED: _task_started,
    EventType.TASK_VERIFYING: _task_verifying,
    EventType.TASK_FINISHED: _task_finished,
    EventType.TASK_RESET: _task_reset,
    EventType.WORKTREE_CREATED: _worktree_created,
    EventType.ATTEMPT_DISPATCHED: _worktree_created,
    EventType.TASK_COMMITTED: _task_committed,
    EventType.INTEGRATION_STARTED: _integration_started,
    EventType.TASK_INTEGRATED: _task_integrated,
    EventType.INTEGRATION_FAILED: _integration_failed,
    EventType.WORKTREE_REMOVED: _worktree_removed,
    EventType.HOOK_BLOCKED: _hook_blocked,
}
_PHASE_FOLDS: dict[EventType, Callable[[RunState, PhaseState, Any], None]] = {
    EventType.PHASE_STARTED: _phase_started,
    EventType.PHASE_FINISHED: _phase_finished,
    EventType.PHASE_RESET: _phase_reset,
    EventType.PHASE_DECISION: _phase_decision,
    EventType.PHASE_HUMAN_DECISION: _phase_human_decision,
}
_RUN_FOLDS: dict[EventType, Callable[[RunState, Event, Any], None]] = {
    EventType.RUN_STARTED: _run_started,
    EventType.CHECKPOINT_CREATED: _checkpoint_created,
    EventType.CHECKPOINTS_DROPPED: _checkpoints_dropped,
    EventType.RUN_STATE: _run_state,
    EventType.OPTIONS_CHANGED: _options_changed,
    EventType.PLAN_CHANGED: _plan_changed,
    EventType.PROCESS_STARTED: _process_started,
    EventType.PROCESS_ENDED: _process_ended,
}


def _find_phase(state: RunState, phase_id: str) -> PhaseState | None:
    for phase in state.phases:
        if phase.id == phase_id:
            return phase
    return None
