"""Cancel a task and, cascading, every task that depends on it (``task_cancel``).

Cancelled tasks are marked skipped in the plan, in its format's own way (``[~]`` in a markdown
or Kiro plan, ``"status": "cancelled"`` in a Taskmaster file, ``Skipped`` in a Claudio task's
``status.md``), every other byte kept, so the next ``orch run`` skips them; when the latest run
over the plan is unfinished, its journal records them skipped too, so ``orch resume`` skips
them as well. The cascade follows explicit dependencies only: the phase barrier makes every
later task wait for a phase, not depend on each of its tasks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from orch.domain.plan import Plan
from orch.domain.status import TERMINAL_TASK_STATUSES, RunStatus, TaskStatus
from orch.errors import StateError
from orch.services.queue import open_queue


@dataclass
class Cancelled:
    """What ``task_cancel`` did."""

    cancelled: list[str]
    """The task and its dependents now skipped, in plan order."""
    already: list[str] = field(default_factory=list)
    """Tasks that were already skipped (the task itself) or done or skipped (its dependents),
    left as they were."""
    run: str | None = None
    """The unfinished run whose journal recorded the cancellation, if any."""


def cascade(plan: Plan, task_id: str) -> list[str]:
    """``task_id`` and every task that depends on it, directly or not, in plan order."""
    dependents: dict[str, list[str]] = {}
    for task in plan.tasks():
        for dep in task.depends_on:
            dependents.setdefault(dep, []).append(task.id)
    found = {task_id}
    stack = [task_id]
    while stack:
        for follower in dependents.get(stack.pop(), []):
            if follower not in found:
                found.add(follower)
                stack.append(follower)
    return [task.id for task in plan.tasks() if task.id in found]


def cancel(project_dir: Path, plan_path: Path, task_id: str) -> Cancelled:
    """Skip ``task_id`` and its dependents in the plan and the unfinished run. The caller holds
    the project lock. A task already done (in the plan or the run) cannot be cancelled."""
    from orch.runner.api import mark_skipped

    queue = open_queue(project_dir, plan_path)
    task = queue.task(task_id)
    task_id = task.id  # an id inside a range task (T003 of T002-T004) names the range task
    if queue.status(task) == TaskStatus.DONE.value:
        raise StateError(
            f"task {task_id} is already done; nothing to cancel",
            hint="roll back to a checkpoint before it (`orch rollback`) to undo finished work",
        )
    by_id = {t.id: t for t in queue.plan.tasks()}
    finished = (TaskStatus.DONE.value, TaskStatus.SKIPPED.value)
    ids = cascade(queue.plan, task_id)
    result = Cancelled(
        cancelled=[i for i in ids if queue.status(by_id[i]) not in finished],
        already=[i for i in ids if queue.status(by_id[i]) in finished],
    )
    mark_skipped(plan_path, queue.plan.format,
                 [by_id[cancelled_id] for cancelled_id in result.cancelled],
                 plan_tasks=by_id.values())
    run = queue.run
    if run is not None and run.state is not RunStatus.COMPLETED:
        result.run = _record_in_run(project_dir, run.run_id, result.cancelled)
    return result


def _record_in_run(project_dir: Path, run_id: str, task_ids: list[str]) -> str:
    from orch.store.layout import Layout
    from orch.store.runs import open_run

    recorder = open_run(Layout(project_dir), run_id)
    try:
        for task_id in task_ids:
            record = recorder.state.tasks.get(task_id)
            if record is not None and record.status not in TERMINAL_TASK_STATUSES:
                recorder.record(
                    "task_reset",
                    task=task_id,
                    data={"status": TaskStatus.SKIPPED.value, "reason": "cancelled"},
                )
    finally:
        recorder.close()
    return run_id
