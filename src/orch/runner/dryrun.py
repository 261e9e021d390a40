"""``orch run --dry-run``: the ordered plan and what each task would do. Changes nothing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from orch.adapters.roles import RoleResolver
from orch.domain.plan import Plan, PlanMark
from orch.errors import OrchError
from orch.runner.plancheck import CheckPlanner


@dataclass
class DryRunStep:
    """One selected task as it would run."""

    index: int
    task: str
    title: str
    phase: str
    action: str
    """``run`` for pending tasks; ``skip (done in plan)`` / ``skip (skipped in plan)`` otherwise."""
    role: str | None
    adapter: str | None
    commands: list[str] = field(default_factory=list)
    verify: list[str] = field(default_factory=list)
    file_checks: list[str] = field(default_factory=list)
    """Derived checks, e.g. ``changed src/x.py`` (docs/verification.md)."""
    unverified: bool = False
    """No check at all would run for the task."""
    depends_on: list[str] = field(default_factory=list)
    problem: str | None = None
    priority: int = 0


@dataclass
class DryRunPhase:
    id: str
    title: str
    gates: list[str]
    steps: list[DryRunStep]
    gate: str = "plan"
    """``plan``, ``auto`` (the project's test command) or ``none``."""


def dry_run(plan: Plan, selected: list[str], resolver: RoleResolver,
            planner: CheckPlanner) -> list[DryRunPhase]:
    """Describe the run without running, taking a lock or writing a file."""
    position = {task_id: number for number, task_id in enumerate(selected, start=1)}
    phases: list[DryRunPhase] = []
    for phase in plan.phases:
        steps = []
        for task in sorted(
            (t for t in phase.tasks if t.id in position), key=lambda t: position[t.id]
        ):
            role_name = adapter = problem = None
            try:
                role = resolver.resolve(task, phase)
                role_name, adapter = role.name, role.adapter
            except OrchError as exc:
                problem = exc.message
            checks = planner.checks(task, phase)
            action = {
                PlanMark.DONE: "skip (done in plan)",
                PlanMark.SKIPPED: "skip (skipped in plan)",
            }.get(task.mark, "run")
            steps.append(
                DryRunStep(
                    index=position[task.id],
                    task=task.id,
                    title=task.title,
                    phase=phase.id,
                    action=action,
                    role=role_name,
                    adapter=adapter,
                    commands=task.commands,
                    verify=task.verify,
                    file_checks=[check.command for check in checks.files],
                    unverified=not checks.any,
                    depends_on=task.depends_on,
                    problem=problem,
                    priority=task.priority,
                )
            )
        if steps:
            gate = planner.gate(phase)
            phases.append(DryRunPhase(id=phase.id, title=phase.title, gates=gate.commands,
                                      steps=steps, gate=gate.kind))
    return phases


def dry_run_json(phases: list[DryRunPhase]) -> list[dict[str, object]]:
    return [asdict(phase) for phase in phases]
