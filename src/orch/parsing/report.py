"""The plain-data summary of a parsed plan that ``orch validate --json`` prints
(docs/plan-format.md)."""

from __future__ import annotations

from typing import Any

from orch.domain.plan import Diagnostic, ParseResult, PlanMark, Task


def _task(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "status": task.mark.value,
        "depends_on": list(task.depends_on),
        "parallel": task.parallel,
        "story": task.story,
        "labels": list(task.labels),
        "agent": task.agent,
        "verify": list(task.verify),
        "files": list(task.files),
        "timeout_s": task.timeout_s,
        "retries": task.retries,
        "estimate_s": task.estimate_s,
        "priority": task.priority,
        "commands": list(task.commands),
        "acceptance": list(task.acceptance),
        "line": task.line,
    }


def _diagnostic(diagnostic: Diagnostic) -> dict[str, Any]:
    found: dict[str, Any] = {"line": diagnostic.line, "message": diagnostic.message}
    if diagnostic.hint:
        found["hint"] = diagnostic.hint
    return found


def plan_summary(result: ParseResult, order: list[str]) -> dict[str, Any]:
    """``{"ok", "title", "source", counts, "phases", "order", "errors", "warnings"}``."""
    plan = result.plan
    tasks = plan.tasks()
    return {
        "ok": result.ok,
        "title": plan.title,
        "source": plan.source,
        "format": plan.format,
        "phase_count": len(plan.phases),
        "task_count": len(tasks),
        "done_count": sum(1 for task in tasks if task.mark is PlanMark.DONE),
        "skipped_count": sum(1 for task in tasks if task.mark is PlanMark.SKIPPED),
        "phases": [
            {
                "id": phase.id,
                "title": phase.title,
                "line": phase.line,
                "gates": list(phase.gates),
                "agent": phase.agent,
                "tasks": [_task(task) for task in phase.tasks],
            }
            for phase in plan.phases
        ],
        "order": order,
        "errors": [_diagnostic(d) for d in result.errors],
        "warnings": [_diagnostic(d) for d in result.warnings],
    }
