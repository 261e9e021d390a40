"""The plan and its latest run seen as a task queue: list, get, count (``orch mcp``, docs/mcp.md).

Reads only: a plan file and a run's snapshot plus journal are read without the project lock, so
a query never waits for a run and never disturbs one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orch.domain.graph import ExecutionPlan, execution_batches, execution_order
from orch.domain.limits import MAX_LIMIT
from orch.domain.plan import Plan, Task
from orch.domain.state import RunState, TaskState
from orch.domain.status import ACTIVE_TASK_STATUSES, RunStatus, TaskStatus
from orch.errors import OrchError, UsageError

STATUSES = tuple(status.value for status in TaskStatus)


@dataclass
class Queue:
    """A checked plan and, when there is one, the latest run over that same plan file."""

    path: Path
    plan: Plan
    run: RunState | None
    """The run as ``orch status`` shows it (``interrupted`` when nothing drives it any more)."""

    @property
    def run_state(self) -> str | None:
        """The run's state, or None when there is no run."""
        return self.run.state.value if self.run is not None else None

    def record(self, task_id: str) -> TaskState | None:
        """The run's record of a task, or None when no run covers it."""
        return self.run.tasks.get(task_id) if self.run is not None else None

    def status(self, task: Task) -> str:
        """The run's status while the run is unfinished, else the plan's checkbox."""
        record = self.record(task.id)
        if (
            record is not None
            and self.run is not None
            and self.run.state is not RunStatus.COMPLETED
        ):
            return record.status.value
        return task.mark.value

    def task(self, task_id: str) -> Task:
        """The task with this id, or the range task (``T002-T004``) holding it, as a dependency
        on it resolves; a UsageError naming it when there is none."""
        from orch.parsing.ids import RangeIndex

        try:
            return self.plan.task(task_id)
        except KeyError:
            owner = RangeIndex([task.id for task in self.plan.tasks()]).owner(task_id)
            if owner is None:
                raise unknown_task(task_id, self.path) from None
            return self.plan.task(owner)


def unknown_task(task_id: str, plan_path: Path) -> UsageError:
    """The error for a task id the plan does not have."""
    return UsageError(
        f"no such task in {plan_path.name}: {task_id}",
        hint=f"`orch graph {plan_path}` (or the task_list tool) lists the task ids",
    )


def open_queue(project_dir: Path, plan_path: Path) -> Queue:
    """Load and check ``plan_path`` (PlanError when invalid) and find its latest run."""
    from orch.runner.api import load_plan
    from orch.store.layout import Layout
    from orch.store.runs import as_shown

    plan, _digest = load_plan(plan_path)
    run = latest_run_of(project_dir, plan_path)
    return Queue(plan_path, plan, as_shown(Layout(project_dir), run) if run else None)


def latest_run_of(project_dir: Path, plan_path: Path) -> RunState | None:
    """The current run when it ran ``plan_path``; None otherwise or when it cannot be read."""
    from orch.store.layout import Layout
    from orch.store.runs import current_run_id, load_run

    layout = Layout(project_dir)
    run_id = current_run_id(layout)
    if run_id is None:
        return None
    try:
        state = load_run(layout, run_id)
    except OrchError:
        return None
    same = (project_dir / state.plan_path).resolve() == plan_path.resolve()
    return state if same else None


def task_summary(queue: Queue, task: Task) -> dict[str, Any]:
    """One task as ``task_list`` shows it."""
    record = queue.record(task.id)
    return {
        "id": task.id,
        "title": task.title,
        "phase": task.phase_id,
        "status": queue.status(task),
        "priority": task.priority,
        "agent": task.agent,
        "depends_on": list(task.depends_on),
        "parallel": task.parallel,
        "line": task.line,
        "attempts": record.attempts if record else 0,
        "cost_usd": record.cost_usd if record else 0.0,
    }


def task_detail(queue: Queue, task_id: str) -> dict[str, Any]:
    """Everything about one task: plan fields, dependents, and its record in the run."""
    task = queue.task(task_id)
    record = queue.record(task.id)
    detail = task_summary(queue, task)
    detail.update(
        plan_mark=task.mark.value,
        description=task.description,
        labels=list(task.labels),
        verify=list(task.verify),
        files=list(task.files),
        commands=list(task.commands),
        acceptance=list(task.acceptance),
        dependents=[t.id for t in queue.plan.tasks() if task.id in t.depends_on],
        run=None if record is None or queue.run is None else queue.run.run_id,
        started=record.started if record else None,
        ended=record.ended if record else None,
        error=record.error if record else None,
        summary=record.summary if record else None,
    )
    return detail


def list_tasks(
    queue: Queue,
    *,
    status: str | None = None,
    phase: str | None = None,
    agent: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """Tasks in execution order, filtered; ``total`` counts the matches before ``limit``."""
    if status is not None and status not in STATUSES:
        raise UsageError(
            f"unknown task status {status!r}", hint=f"use one of: {', '.join(STATUSES)}"
        )
    phase_ids = [p.id for p in queue.plan.phases]
    if phase is not None and phase not in phase_ids:
        raise UsageError(f"no such phase: {phase}", hint=f"phases: {', '.join(phase_ids)}")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit {limit} is out of range", hint=f"use 1 to {MAX_LIMIT}")
    by_id = {task.id: task for task in queue.plan.tasks()}
    matches = [
        task_summary(queue, by_id[task_id])
        for task_id in execution_order(queue.plan)
        if (phase is None or by_id[task_id].phase_id == phase)
        and (agent is None or by_id[task_id].agent == agent)
    ]
    if status is not None:
        matches = [found for found in matches if found["status"] == status]
    return {"plan": str(queue.path), "total": len(matches), "tasks": matches[:limit]}


def queue_status(queue: Queue) -> dict[str, Any]:
    """Counts by status, cost so far, the head of the queue, and the task running now."""
    tasks = {task.id: task for task in queue.plan.tasks()}
    counts: dict[str, int] = {}
    for task in tasks.values():
        counts[queue.status(task)] = counts.get(queue.status(task), 0) + 1
    pending = [
        task_id
        for task_id in execution_order(queue.plan)
        if queue.status(tasks[task_id]) == TaskStatus.PENDING.value
    ]
    run = queue.run
    current = None
    if run is not None and queue.run_state == RunStatus.RUNNING.value:
        active = ACTIVE_TASK_STATUSES
        current = next((t for t in run.tasks.values() if t.status in active), None)
    return {
        "plan": str(queue.path),
        "run": run.run_id if run else None,
        "run_state": queue.run_state,
        "total": len(tasks),
        "counts": counts,
        "cost_usd": run.cost_usd if run else 0.0,
        "oldest_pending": _brief(tasks[pending[0]]) if pending else None,
        "current_task": None
        if current is None
        else {"id": current.id, "title": current.title, "status": current.status.value},
    }


def _brief(task: Task) -> dict[str, Any]:
    return {"id": task.id, "title": task.title, "phase": task.phase_id, "priority": task.priority}


def execution_plan(queue: Queue, task_ids: list[str] | None = None) -> ExecutionPlan:
    """The pending tasks (of ``task_ids`` when given) as batches, as ``orch graph`` shows
    them; an unknown id is a UsageError."""
    for task_id in task_ids or []:
        queue.task(task_id)
    return batches(queue.plan, task_ids)


def batches(plan: Plan, task_ids: list[str] | None = None, *,
            parallel_all: bool = False) -> ExecutionPlan:
    """The execution plan of ``plan``'s pending tasks: what the scheduler would run together
    (the same overlap rule, :func:`orch.runner.derived.task_paths`)."""
    from orch.runner.api import task_paths

    return execution_batches(plan, task_ids, parallel_all=parallel_all, paths=task_paths)
