"""Selective runs: which tasks of the ordered plan ``--only/--from/--until/--phase`` keep."""

from __future__ import annotations

from orch.domain.graph import execution_order
from orch.domain.plan import Plan
from orch.domain.state import RunOptions
from orch.errors import UsageError


def select_tasks(
    plan: Plan,
    order: list[str],
    *,
    only: list[str] | None = None,
    from_task: str | None = None,
    until_task: str | None = None,
    phase: str | None = None,
) -> list[str]:
    """The task ids to run, in execution order. Unknown ids are usage errors (exit 2)."""
    known = set(order)
    for name, value in (("--from", from_task), ("--until", until_task)):
        if value is not None and value not in known:
            raise UsageError(
                f"{name} {value}: no such task in the plan",
                hint="`orch graph PLAN` lists the task ids",
            )
    selected = list(order)
    if only:
        unknown = [task_id for task_id in only if task_id not in known]
        if unknown:
            raise UsageError(
                f"--only: no such task: {', '.join(unknown)}",
                hint="`orch graph PLAN` lists the task ids",
            )
        wanted = set(only)
        selected = [task_id for task_id in selected if task_id in wanted]
    position = {task_id: index for index, task_id in enumerate(order)}
    if from_task is not None:
        selected = [t for t in selected if position[t] >= position[from_task]]
    if until_task is not None:
        selected = [t for t in selected if position[t] <= position[until_task]]
    if phase is not None:
        phase_ids = [p.id for p in plan.phases]
        if phase not in phase_ids:
            raise UsageError(
                f"--phase {phase}: no such phase",
                hint=f"phases of this plan: {', '.join(phase_ids)}",
            )
        in_phase = {task.id for task in plan.phases[phase_ids.index(phase)].tasks}
        selected = [t for t in selected if t in in_phase]
    return selected


def parse_id_list(values: list[str] | None) -> list[str] | None:
    """``["T001,T002", "T005"]`` -> ``["T001", "T002", "T005"]``; ``None`` stays ``None``."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def select_for_options(plan: Plan, options: RunOptions) -> list[str]:
    """The task ids a run with ``options`` covers, in execution order."""
    return select_tasks(
        plan,
        execution_order(plan),
        only=options.only,
        from_task=options.from_task,
        until_task=options.until_task,
        phase=options.phase,
    )
