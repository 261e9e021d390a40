"""Task and run statuses, with the allowed task transitions declared as data (docs/state.md)."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """Where one task of a run stands."""

    PENDING = "pending"
    RUNNING = "running"
    VERIFYING = "verifying"
    DONE = "done"
    FAILED = "failed"
    BLOCKED = "blocked"
    SKIPPED = "skipped"
    BUDGET_EXCEEDED = "budget_exceeded"


class RunStatus(StrEnum):
    """Where a whole run stands."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    BUDGET_EXCEEDED = "budget_exceeded"
    AWAITING_DECISION = "awaiting_decision"
    """A phase waits for ``orch approve`` / ``orch revise`` (docs/decisions.md); exit 4."""


TERMINAL_TASK_STATUSES: frozenset[TaskStatus] = frozenset({TaskStatus.DONE, TaskStatus.SKIPPED})
"""Statuses a resume never re-runs."""

HALTING_TASK_STATUSES: frozenset[TaskStatus] = frozenset(
    {TaskStatus.FAILED, TaskStatus.BLOCKED, TaskStatus.BUDGET_EXCEEDED}
)
"""Statuses that stop a run; ``resume --retry-failed`` (or a higher cap) makes them pending."""

ALWAYS_REPORTED_TASK_STATUSES: frozenset[TaskStatus] = frozenset(
    {TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.SKIPPED}
)
"""Counted in every summary line, even at zero."""

ACTIVE_TASK_STATUSES: frozenset[TaskStatus] = frozenset(
    {TaskStatus.RUNNING, TaskStatus.VERIFYING}
)
"""Statuses of a task in progress; found on resume, they mean the attempt was interrupted."""

ALLOWED_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.PENDING: frozenset(
        {TaskStatus.RUNNING, TaskStatus.SKIPPED, TaskStatus.DONE, TaskStatus.BUDGET_EXCEEDED}
    ),
    TaskStatus.RUNNING: frozenset(
        {
            TaskStatus.VERIFYING,
            TaskStatus.DONE,
            TaskStatus.FAILED,
            TaskStatus.BLOCKED,
            TaskStatus.BUDGET_EXCEEDED,
            TaskStatus.PENDING,
            TaskStatus.RUNNING,
            TaskStatus.SKIPPED,
        }
    ),
    TaskStatus.VERIFYING: frozenset(
        {
            TaskStatus.DONE,
            TaskStatus.FAILED,
            TaskStatus.BLOCKED,
            TaskStatus.RUNNING,
            TaskStatus.PENDING,
            TaskStatus.SKIPPED,
        }
    ),
    TaskStatus.DONE: frozenset({TaskStatus.PENDING}),
    TaskStatus.FAILED: frozenset({TaskStatus.PENDING, TaskStatus.SKIPPED}),
    TaskStatus.BLOCKED: frozenset({TaskStatus.PENDING, TaskStatus.SKIPPED}),
    TaskStatus.BUDGET_EXCEEDED: frozenset({TaskStatus.PENDING, TaskStatus.SKIPPED}),
    TaskStatus.SKIPPED: frozenset({TaskStatus.PENDING}),
}
"""``RUNNING -> RUNNING`` is a retry; ``* -> PENDING`` is a resume or a rollback rewinding."""

UNSTARTED_TASK_STATUSES: frozenset[TaskStatus] = frozenset(
    {TaskStatus.PENDING, TaskStatus.SKIPPED}
)
"""Statuses of a task with nothing to undo: a rollback leaves them as they are."""

NOTIFIED_RUN_STATUSES: frozenset[RunStatus] = frozenset(
    {RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.BUDGET_EXCEEDED, RunStatus.AWAITING_DECISION}
)
"""The run ends notifiers hear of; the notification's event is the state's value."""


def can_transition(current: TaskStatus, new: TaskStatus) -> bool:
    """Whether a task may move from ``current`` to ``new``."""
    return new in ALLOWED_TRANSITIONS[current]


_ENDED_RUN = frozenset({RunStatus.RUNNING, RunStatus.INTERRUPTED})
ALLOWED_RUN_TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.RUNNING: frozenset(RunStatus),
    RunStatus.COMPLETED: _ENDED_RUN,
    RunStatus.FAILED: _ENDED_RUN,
    RunStatus.INTERRUPTED: _ENDED_RUN,
    RunStatus.BUDGET_EXCEEDED: _ENDED_RUN,
    RunStatus.AWAITING_DECISION: _ENDED_RUN,
}
"""A run ends from ``running``; an ended run goes back to ``running`` on resume (after ``orch
approve`` / ``orch revise`` for ``awaiting_decision``) or to ``interrupted`` on a rollback."""


def can_run_transition(current: RunStatus, new: RunStatus) -> bool:
    """Whether a run may move from ``current`` to ``new`` (staying put is always allowed)."""
    return new is current or new in ALLOWED_RUN_TRANSITIONS[current]
