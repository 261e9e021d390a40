"""Writes task progress back into the plan file: ``- [ ]`` becomes ``- [X]``, nothing else.

spec-kit's ``/implement`` does the same, so a ``tasks.md`` shows progress wherever it is read.
The journal is the source of truth; the marks are derived and re-synced on resume.
"""

from __future__ import annotations

from pathlib import Path

from orch.domain.plan import PlanMark, Task
from orch.domain.state import RunState
from orch.domain.status import TaskStatus
from orch.parsing.marks import set_mark
from orch.store.atomic import atomic_write_text


class PlanMarker:
    """Flips checkboxes in one plan file, keeping every other byte."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> str:
        with open(self.path, encoding="utf-8", newline="") as handle:
            return handle.read()

    def mark(self, task: Task, mark: PlanMark) -> None:
        """Set ``task``'s checkbox; a plan file that vanished is left alone."""
        if task.mark is mark or not self.path.is_file():
            return
        text = self._read()
        updated = set_mark(text, task.line, mark)
        if updated != text:
            atomic_write_text(self.path, updated, durable=False)
        task.mark = mark

    def sync(self, state: RunState, tasks: dict[str, Task]) -> None:
        """Mark every task the journal says is done (repairs a kill between record and mark)."""
        if not self.path.is_file():
            return
        text = original = self._read()
        for task_id, record in state.tasks.items():
            task = tasks.get(task_id)
            if (
                task is not None
                and record.status is TaskStatus.DONE
                and task.mark is PlanMark.PENDING
            ):
                text = set_mark(text, task.line, PlanMark.DONE)
                task.mark = PlanMark.DONE
        if text != original:
            atomic_write_text(self.path, text, durable=False)
