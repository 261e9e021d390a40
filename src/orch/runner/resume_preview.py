"""``orch resume --dry-run``: what a resume would decide, as text lines or one JSON document.

The preview is taken on a :class:`~orch.runner.plan_changes.DryJournal`, so it holds exactly
the decisions a resume would journal (plan edit, resets, skips) and records none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orch.domain.events import EventType
from orch.domain.state import Event, RunState
from orch.domain.status import ACTIVE_TASK_STATUSES, TaskStatus
from orch.text import terminal_safe


@dataclass
class PreviewTask:
    """A task the resume would run, and why."""

    id: str
    title: str
    status: str | None
    """Its status before the resume; ``None`` for a task a plan edit adds."""
    reason: str


@dataclass
class ResumePreview:
    """What ``orch resume`` would do to one run."""

    run: str
    notes: list[str]
    """What the resume would say first (a plan edit), line by line."""
    tasks: list[PreviewTask]
    skipped: list[str] = field(default_factory=list)
    plan_changes: dict[str, list[str]] | None = None

    @classmethod
    def decide(cls, before: RunState, events: list[Event], notes: list[str],
               pending: list[str], after: RunState) -> ResumePreview:
        """The preview from the run as loaded (``before``), the events a resume would journal
        and the state they lead to (``after``), whose ``pending`` tasks would run."""
        resets = {e.task: str(e.data.get("reason", "")) for e in events
                  if e.type == EventType.TASK_RESET and e.task}
        changes = next((e.data for e in events if e.type == EventType.PLAN_CHANGED), None)
        tasks = [PreviewTask(id=task_id, title=after.tasks[task_id].title,
                             status=_status(before, task_id),
                             reason=_reason(before, task_id, resets.get(task_id)))
                 for task_id in pending]
        skipped = [t for t, why in resets.items() if why == "--skip"]
        summary = None if changes is None else {
            "changed": list(changes.get("changed", [])),
            "dependents": list(changes.get("dependents", [])),
            "added": [str(a["id"]) for a in changes.get("added", [])],
            "removed": list(changes.get("removed", [])),
            "moved": list(changes.get("moved", []))}
        return cls(run=before.run_id, notes=notes, tasks=tasks, skipped=skipped,
                   plan_changes=summary)

    def lines(self) -> list[str]:
        """The text ``orch resume --dry-run`` prints."""
        lines = list(self.notes)
        if self.tasks:
            lines.append(f"would run {len(self.tasks)} task(s) of run {self.run}:")
            lines += [f"  {task.id}  {terminal_safe(task.title)}" for task in self.tasks]
        else:
            lines.append(f"would run no task of run {self.run}: only its pending gates and "
                         "checkpoints")
        return lines

    def document(self) -> dict[str, Any]:
        """The same content as :meth:`lines`, for ``--dry-run --json``."""
        return {
            "run": self.run, "dry_run": True, "notes": self.notes,
            "plan_changes": self.plan_changes, "skipped": self.skipped,
            "would_run": [{"id": t.id, "title": t.title, "status": t.status,
                           "reason": t.reason} for t in self.tasks],
            "only_gates_and_checkpoints": not self.tasks,
        }


def _status(before: RunState, task_id: str) -> str | None:
    record = before.tasks.get(task_id)
    return None if record is None else record.status.value


def _reason(before: RunState, task_id: str, reset: str | None) -> str:
    """Why the resume would run the task, in a few words."""
    record = before.tasks.get(task_id)
    if record is None:
        return "new in the plan"
    if reset and reset != "resume":
        return reset
    if reset == "resume":
        if record.status is TaskStatus.BUDGET_EXCEEDED:
            return "stopped by the cost cap"
        return f"{record.status.value}: --retry-failed"
    if record.status in ACTIVE_TASK_STATUSES:
        return "interrupted"
    return "not run yet"
