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
        raw = bytes(self._data[start : end if end != -1 else len(self._data)])
        text = raw.decode("utf-8", "surrogateescape")
        try:
            updated = set_mark(text, 1, mark)
        except ValueError:
            return  # the plan was edited under us; the journal still has the truth
        task.mark = mark
        if updated == text:
            return
        column = next(
            i for i, (old, new) in enumerate(zip(text, updated, strict=True)) if old != new
        )
        offset = start + len(text[:column].encode("utf-8", "surrogateescape"))
        byte = updated[column].encode()
        with open(self.path, "r+b") as handle:
            handle.seek(offset)
            handle.write(byte)
        self._data[offset : offset + 1] = byte
        self._signature = self._signature_now()

    def sync(self, state: RunState, tasks: dict[str, Task]) -> None:
        """Mark every task the journal says is done (repairs a kill between record and mark)."""
        for task_id, record in state.tasks.items():
            task = tasks.get(task_id)
            if task is not None and record.status is TaskStatus.DONE:
                self.mark(task, PlanMark.DONE)
