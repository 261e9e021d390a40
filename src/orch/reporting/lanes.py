"""What each worker lane and the merge queue are doing (``--jobs`` > 1, docs/parallel.md).

A pure reading of a :class:`RunState`: the tasks that have a worktree, each with its lane and
what it is doing, and the merge queue (the task integrating, the tasks waiting in plan order).
The live display, ``orch status`` and ``orch status --json`` all show this one reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orch.domain.state import RunState, TaskState
from orch.domain.status import TaskStatus

RUNNING_AGENT = "running agent"
VERIFYING = "verifying"
WAITING = "waiting to integrate"
INTEGRATING = "integrating"
BUSY = frozenset({RUNNING_AGENT, VERIFYING})
"""What a busy lane does; a task waiting for or in integration has left its lane's slot."""


@dataclass(frozen=True)
class LaneRow:
    """A task in its own worktree: its lane and what it is doing."""

    lane: int
    task: str
    title: str
    doing: str
    duration_s: float

    @property
    def busy(self) -> bool:
        """The task holds its lane's slot (its agent or its checks are running)."""
        return self.doing in BUSY


@dataclass(frozen=True)
class MergeQueueView:
    """The merge queue: the task integrating (if any) and the tasks waiting, in plan order."""

    integrating: str | None = None
    waiting: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.integrating is not None or bool(self.waiting)

    def text(self) -> str:
        """``integrating T002 · waiting T003, T004``."""
        parts = [f"integrating {self.integrating}"] if self.integrating else []
        if self.waiting:
            parts.append(f"waiting {', '.join(self.waiting)}")
        return " · ".join(parts)


def doing(task: TaskState) -> str:
    """What a task with a worktree is doing, from its journalled state."""
    if task.integrating is not None:
        return INTEGRATING
    if task.work_commit is not None:
        return WAITING
    if task.status is TaskStatus.RUNNING:
        return RUNNING_AGENT
    if task.status is TaskStatus.VERIFYING:
        return VERIFYING
    return task.status.value.replace("_", " ")


def lane_rows(state: RunState) -> list[LaneRow]:
    """Every task that has a worktree, by lane, then plan order."""
    order = {task_id: n for n, task_id in enumerate(state.tasks)}
    rows = [
        LaneRow(task.lane, task.id, task.title, doing(task), task.duration_s)
        for task_id in state.lane_tasks
        if (task := state.tasks.get(task_id)) is not None and task.lane is not None
    ]
    return sorted(rows, key=lambda row: (row.lane, order.get(row.task, 0)))


def merge_queue(state: RunState) -> MergeQueueView:
    """The tasks the merge queue holds, from :func:`lane_rows`' reading of the state."""
    in_queue = [task_id for task_id in state.tasks if task_id in state.lane_tasks]
    rows = {row.task: row.doing for row in lane_rows(state)}
    integrating = next((t for t in in_queue if rows.get(t) == INTEGRATING), None)
    return MergeQueueView(integrating, [t for t in in_queue if rows.get(t) == WAITING])


def lanes_document(state: RunState) -> dict[str, Any]:
    """The ``lanes`` and ``merge_queue`` keys of ``orch status --json``."""
    queue = merge_queue(state)
    return {
        "lanes": [{"lane": row.lane, "task": row.task, "title": row.title, "doing": row.doing,
                   "duration_s": row.duration_s} for row in lane_rows(state)],
        "merge_queue": {"integrating": queue.integrating, "waiting": queue.waiting},
    }
