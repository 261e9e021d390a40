"""The runner's public API for services (:mod:`orch.services`): what they may ask of it.

Services (the queue tools, cancel) read and mark plans through these functions only, never the
runner's modules directly, so the runner can change inside without them noticing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from orch.domain.plan import Plan, PlanMark, Task


def load_plan(plan_path: Path) -> tuple[Plan, str]:
    """The plan at ``plan_path`` and its digest, as a run would load it (PlanError if invalid)."""
    from orch.runner.session import plan_for_run

    return plan_for_run(plan_path)


def mark_skipped(plan_path: Path, plan_format: str, tasks: Iterable[Task],
                 plan_tasks: Iterable[Task] = ()) -> None:
    """Write the skipped mark of each of ``tasks`` into the plan in its own format's way
    (``[~]``, ``"cancelled"``, a Claudio status file), keeping every other byte.
    ``plan_tasks``: all the plan's tasks as read (a task there twice is not guessed at)."""
    from orch.runner.planmarks import plan_marker

    marker = plan_marker(plan_path, plan_format, tasks=plan_tasks)
    if marker is None:
        return
    for task in tasks:
        marker.mark(task, PlanMark.SKIPPED)


def task_paths(task: Task) -> set[str]:
    """The paths a task names: tasks whose paths overlap never run at once."""
    from orch.runner.derived import task_paths as paths

    return paths(task)
