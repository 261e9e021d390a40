"""Writes task progress back into the plan file: ``- [ ]`` becomes ``- [X]``, nothing else.

spec-kit's ``/implement`` does the same, so a ``tasks.md`` shows progress wherever it is read.
Each mark is one byte written in place (``[ ]`` and ``[X]`` have the same length), so a crash
can never leave a half-written plan. The journal is the source of truth; marks are re-synced
from it on resume.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from orch.domain.plan import PlanMark, Task
from orch.domain.state import RunState
from orch.domain.status import TaskStatus
from orch.parsing.marks import set_mark
from orch.store.atomic import atomic_write_bytes

_NEWLINE = re.compile(b"\n")


class PlanMarker:
    """Flips checkboxes in one plan file, keeping every other byte."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data = bytearray()
        self._starts: list[int] = []
        self._signature: tuple[int, int, int] | None = None

    def _signature_now(self) -> tuple[int, int, int]:
        stat = os.stat(self.path)
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def _refresh(self) -> None:
        """Re-read the file when it changed since we last saw it (an editor, a rollback)."""
        signature = self._signature_now()
        if signature == self._signature:
            return
        self._data = bytearray(self.path.read_bytes())
        self._starts = [0] + [m.end() for m in _NEWLINE.finditer(self._data)]
        self._signature = signature

    def mark(self, task: Task, mark: PlanMark) -> None:
        """Set ``task``'s checkbox; a vanished plan or a moved line is left alone."""
        if task.mark is mark or not self.path.is_file():
            return
        self._refresh()
        if not 1 <= task.line <= len(self._starts):
            return
        start = self._starts[task.line - 1]
        end = self._data.find(b"\n", start)
        end = end if end != -1 else len(self._data)
        text = bytes(self._data[start:end]).decode("utf-8", "surrogateescape")
        try:
            updated = set_mark(text, 1, mark).encode("utf-8", "surrogateescape")
        except ValueError:
            return  # the plan was edited under us; the journal still has the truth
        task.mark = mark
        self._replace(start, end, updated)

    def _replace(self, start: int, end: int, updated: bytes) -> None:
        """Write one changed line: in place when its length is kept, else a whole-file rename."""
        old = bytes(self._data[start:end])
        if updated == old:
            return
        if len(updated) == len(old):
            first = next(i for i, (a, b) in enumerate(zip(old, updated, strict=True)) if a != b)
            last = len(old) - next(
                i for i, (a, b) in enumerate(zip(old[::-1], updated[::-1], strict=True)) if a != b
            )
            with open(self.path, "r+b") as handle:
                handle.seek(start + first)
                handle.write(updated[first:last])
            self._data[start:end] = updated
        else:  # an unknown marker such as [N/A] replaced by [X]
            self._data[start:end] = updated
            atomic_write_bytes(self.path, bytes(self._data))
            self._starts = [0] + [m.end() for m in _NEWLINE.finditer(self._data)]
        self._signature = self._signature_now()

    def sync(self, state: RunState, tasks: dict[str, Task]) -> None:
        """Mark every task the journal says is done (repairs a kill between record and mark)."""
        for task_id, record in state.tasks.items():
            task = tasks.get(task_id)
            if task is not None and record.status is TaskStatus.DONE:
                self.mark(task, PlanMark.DONE)
