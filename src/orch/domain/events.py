"""The journal's event types and one small payload model per type.

An event on disk stays ``{"seq", "ts", "type", "run", "task", "phase", "data"}`` (schema 1):
``type`` is an :class:`EventType` value and ``data`` the payload's fields. Payloads are checked
when an event is recorded and parsed when it is folded, so the schema lives here and only here.
Every field has a default, so journals written before a field existed still load.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from orch.domain.status import RunStatus, TaskStatus


class EventType(StrEnum):
    """Every kind of event a run's journal holds."""

    RUN_STARTED = "run_started"
    RUN_STATE = "run_state"
    OPTIONS_CHANGED = "options_changed"
    PHASE_STARTED = "phase_started"
    PHASE_GATE = "phase_gate"
    PHASE_FINISHED = "phase_finished"
    PHASE_RESET = "phase_reset"
    PHASE_DECISION = "phase_decision"
    PHASE_HUMAN_DECISION = "phase_human_decision"
    TASK_STARTED = "task_started"
    TASK_IN_PLAN = "task_in_plan"
    TASK_VERIFYING = "task_verifying"
    TASK_FINISHED = "task_finished"
    TASK_RETRY = "task_retry"
    TASK_RESET = "task_reset"
    CHECKPOINT_CREATED = "checkpoint_created"
    CHECKPOINTS_DROPPED = "checkpoints_dropped"
    PLAN_CHANGED = "plan_changed"
    NOTE = "note"
    WORKTREE_CREATED = "worktree_created"
    ATTEMPT_DISPATCHED = "attempt_dispatched"
    TASK_COMMITTED = "task_committed"
    INTEGRATION_STARTED = "integration_started"
    TASK_INTEGRATED = "task_integrated"
    INTEGRATION_FAILED = "integration_failed"
    WORKTREE_REMOVED = "worktree_removed"
    PROCESS_STARTED = "process_started"
    PROCESS_ENDED = "process_ended"
    HOOK_BLOCKED = "hook_blocked"


class Payload(BaseModel):
    """Base of every payload: unknown keys are kept (a newer orch may add some)."""

    model_config = ConfigDict(extra="allow")


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
    before: str | None = None
    after: str | None = None
    """The git trees of the working tree the change was measured between (what a checkpoint
    uses to tell the tasks' changes from anyone else's)."""


class PhaseGate(Payload):
    commands: list[str] = Field(default_factory=list)
    gate: str = "plan"


class RunStarted(Payload):
    plan: str = ""
    tasks: int | None = None
    """``None`` in a journal that does not say: the run's own task count stands."""
    resumed: bool = False
    gates: dict[str, PhaseGate] = Field(default_factory=dict)
    """The gate each phase will run (by phase id), as decided when this session started: a
    phase not finished yet is shown with the gate it will run, never as having none."""


class RunStateChanged(Payload):
    state: RunStatus
    error: str | None = None
    reason: str | None = None
    """Set when recorded outside a run session (``rollback``): no active time is counted."""


class OptionsChanged(Payload):
    """A partial update of the run's options; only the keys present change."""


class PhaseStarted(Payload):
    title: str = ""
    index: int = 0
    count: int | None = None


class Failure(Payload):
    """What a failed task or gate leaves for the reporters."""

    error: str | None = None
    failed_command: str | None = None
    output_tail: str | None = None


class PhaseFinished(Failure):
    ok: bool = True
    gate: str = "none"
    """``plan``, ``auto`` or ``none``."""
    ran: bool = True
    """False when every task of the phase was done in the plan (no gate, no checkpoint)."""
    duration_s: float = 0.0
    evidence: list[CheckRecord] = Field(default_factory=list)
    decision: str | None = None
    """The phase decision that closed it (APPROVE, CONDITIONAL), when it was decided."""


class PhaseDecision(Payload):
    """A phase's decision (docs/decisions.md): by orch, a reviewer agent or a person."""

    decision: str
    """APPROVE, CONDITIONAL, REVISE or ESCALATE."""
    decided_by: str = "orch"
    """``orch``, ``reviewer:ROLE`` or ``human``."""
    reason: str | None = None
    conditions: list[str] = Field(default_factory=list)
    context: str = ""
    """What the decision hands to the next phase's agents."""
    awaiting: bool = False
    """The run stops awaiting ``orch approve`` / ``orch revise``."""
    targets: list[dict[str, Any]] = Field(default_factory=list)
    report: str | None = None
    cost_usd: float = 0.0
    """What the reviewer's model calls for this decision cost (counted in the run's cost)."""
    input_tokens: int = 0
    output_tokens: int = 0


class PhaseHumanDecision(Payload):
    """``orch approve``: a person's approval, taken up by the next ``orch resume``."""

    decision: str = "APPROVE"
    decided_by: str = "human"
    note: str | None = None


class Reason(Payload):
    reason: str = ""


class TaskStarted(Payload):
    attempt: int | None = None
    agent: str | None = None
    adapter: str | None = None
    title: str = ""
    index: int = 0
    count: int | None = None
    interrupted_before: bool = False
    baseline: str | None = None
    lane: int | None = None
    """The worker lane running the attempt in a worktree (``--jobs`` > 1); ``None`` in the
    main working tree."""


class TaskInPlan(Payload):
    status: TaskStatus = TaskStatus.DONE


class TaskVerifying(Payload):
    commands: list[str] = Field(default_factory=list)


class TaskFinished(Failure):
    status: TaskStatus
    summary: str | None = None
    files_changed: list[str] | None = None
    duration_s: float = 0.0
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0
    session_id: str | None = None
    verified: bool = False
    gate_pending: bool = False
    retrying: bool = False
    """A failed attempt that will be retried (``task_retry`` follows)."""
    evidence: list[CheckRecord] = Field(default_factory=list)
    diffstat: DiffStat | None = None


class TaskRetry(Payload):
    attempt: int = 0
    delay_s: float = 0.0
    error: str | None = None


class TaskReset(Payload):
    status: TaskStatus = TaskStatus.PENDING
    reason: str = ""
    error: str | None = None
    fresh: bool = False
    """A rollback: the task's work is gone, so are its attempts and baseline."""
    feedback: str | None = None
    """With ``reason: revise``: the decision's findings; with ``resume`` (``--retry-failed``):
    the last attempt's failing command and output tail. Handed to the task's next attempt."""


class CheckpointsDropped(Payload):
    names: list[str] = Field(default_factory=list)
    reason: str = ""


class Note(Payload):
    message: str = ""
    level: str = "warning"


class ProcessStarted(Payload):
    """A process group a task started (``runner/orphans.py``); resume stops it if never ended."""

    pgid: int
    start: int | None = None
    """The leader's start time, to tell the group from a later process reusing its id."""


class ProcessEnded(Payload):
    pgid: int
    reason: str = ""
    """``resume`` when a resume stopped a group a killed run left behind."""


class AddedTask(BaseModel):
    """A task the edited plan added to a run."""

    id: str
    phase: str
    title: str = ""
    estimate_s: float | None = None
    status: TaskStatus = TaskStatus.PENDING
    """``done`` or ``skipped`` when it was added already marked so in the plan."""


class PhaseLayout(BaseModel):
    """A phase of the run after a plan edit: its title and tasks in run order."""

    id: str
    title: str = ""
    tasks: list[str] = Field(default_factory=list)


class PlanChanged(Payload):
    """A resume found the plan edited: what it decided (docs/state.md, "Plans edited mid-run").

    ``changed`` tasks and their ``dependents`` are reset by ``task_reset`` events that follow;
    ``added`` tasks join the run, ``removed`` ones leave it (their records are kept apart).
    """

    changed: list[str] = Field(default_factory=list)
    dependents: list[str] = Field(default_factory=list)
    added: list[AddedTask] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    moved: list[str] = Field(default_factory=list)
    """Tasks not done that the edit moved to another phase: they run there (it reopens)."""
    phases: list[PhaseLayout] = Field(default_factory=list)
    fingerprints: dict[str, str] = Field(default_factory=dict)
    plan_sha256: str = ""


class CheckpointCreated(Payload):
    """A checkpoint was taken; :class:`orch.domain.state.Checkpoint` is its record in the state."""

    name: str
    phase: str
    commit: str
    ref: str | None = None
    created: str = ""
    tasks: list[str] = Field(default_factory=list)
    kind: str = "phase"


class WorktreeCreated(Payload):
    path: str = ""
    branch: str = ""
    base: str = ""
    lane: int = 0


class AttemptDispatched(Payload):
    """A lane attempt sent to a remote executor (docs/distributed.md): like a worktree made,
    it gives the task its lane and the base its commit will be integrated onto."""

    executor: str = ""
    branch: str = ""
    base: str = ""
    lane: int = 0


class TaskCommitted(Payload):
    commit: str = ""
    cost_usd: float = 0.0
    """What the finished attempt cost: counted from its result once integrated (or sent back),
    from here when a kill came first."""


class IntegrationStarted(Payload):
    before_tree: str = ""
    result_tree: str = ""


class TaskIntegrated(Payload):
    commit: str = ""


class IntegrationFailed(Payload):
    reason: str = ""
    branch: str = ""


class WorktreeRemoved(Payload):
    kept_branch: bool = False


class HookBlocked(Payload):
    """An in-session gate (docs/verification.md) stopped the agent: ``stop`` when the task's
    check failed as the agent tried to end its turn, ``write`` when a write outside the
    task's files was denied."""

    kind: str = "stop"
    check: str = ""
    """The failing check's command, or the path a write was denied for."""
    attempt: int = 0
    reason: str = ""


PAYLOADS: dict[EventType, type[Payload]] = {
    EventType.RUN_STARTED: RunStarted,
    EventType.RUN_STATE: RunStateChanged,
    EventType.OPTIONS_CHANGED: OptionsChanged,
    EventType.PHASE_STARTED: PhaseStarted,
    EventType.PHASE_GATE: PhaseGate,
    EventType.PHASE_FINISHED: PhaseFinished,
    EventType.PHASE_RESET: Reason,
    EventType.PHASE_DECISION: PhaseDecision,
    EventType.PHASE_HUMAN_DECISION: PhaseHumanDecision,
    EventType.TASK_STARTED: TaskStarted,
    EventType.TASK_IN_PLAN: TaskInPlan,
    EventType.TASK_VERIFYING: TaskVerifying,
    EventType.TASK_FINISHED: TaskFinished,
    EventType.TASK_RETRY: TaskRetry,
    EventType.TASK_RESET: TaskReset,
    EventType.CHECKPOINT_CREATED: CheckpointCreated,
    EventType.CHECKPOINTS_DROPPED: CheckpointsDropped,
    EventType.PLAN_CHANGED: PlanChanged,
    EventType.NOTE: Note,
    EventType.WORKTREE_CREATED: WorktreeCreated,
    EventType.ATTEMPT_DISPATCHED: AttemptDispatched,
    EventType.TASK_COMMITTED: TaskCommitted,
    EventType.INTEGRATION_STARTED: IntegrationStarted,
    EventType.TASK_INTEGRATED: TaskIntegrated,
    EventType.INTEGRATION_FAILED: IntegrationFailed,
    EventType.WORKTREE_REMOVED: WorktreeRemoved,
    EventType.PROCESS_STARTED: ProcessStarted,
    EventType.PROCESS_ENDED: ProcessEnded,
    EventType.HOOK_BLOCKED: HookBlocked,
}


def payload_of(type_: str, data: dict[str, Any]) -> Payload | None:
    """``data`` parsed as the payload of ``type_``; ``None`` for a type this orch does not know
    (a newer journal). Invalid data raises pydantic's ``ValidationError``."""
    try:
        kind = EventType(type_)
    except ValueError:
        return None
    return PAYLOADS[kind].model_validate(data)


def checked_data(type_: str, data: dict[str, Any] | None) -> dict[str, Any]:
    """``data`` for recording an event of ``type_``: validated against its payload model, so a
    misspelt field type fails at the writer, not in a later fold. Unknown types are refused."""
    kind = EventType(type_)
    PAYLOADS[kind].model_validate(data or {})
    return dict(data or {})
