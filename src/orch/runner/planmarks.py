"""Writes task progress back into the plan file: ``- [ ]`` becomes ``- [X]``, nothing else.

spec-kit's ``/implement`` does the same, so a ``tasks.md`` shows progress wherever it is read.
Each mark is one byte written in place (``[ ]`` and ``[X]`` have the same length), so a crash
can never leave a half-written plan. The journal is the source of truth; marks are re-synced
from it on resume.

The plan may be edited while a run goes on (by the user, or by a task's own command). A mark
goes to the line where the task is now, found by its id and title in a fresh parse of the file
as it is, never to the line it used to be on; a task no longer in the plan, or there more often
than when the run read it, gets no mark and a warning in the run's journal instead.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from orch.domain.plan import PlanMark, Task
from orch.domain.state import RunState
from orch.domain.status import TaskStatus
from orch.parsing.blocks import Heading, Item, walk
from orch.parsing.marks import set_mark, set_table_mark
from orch.parsing.taskline import checkbox
from orch.store.atomic import atomic_write_bytes

# The parser's line endings (orch.parsing.blocks): a lone CR ends a line too, so task line
# numbers count the same lines here.
_NEWLINE = re.compile(b"\r\n|\r|\n")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")


def _identity(task: Task) -> tuple[str, str]:
    """What names a task across edits: its id (a duplicate's ``T001#2`` counts as ``T001``)
    and its title; an ID-less task (``P1.2``, numbered by position) by its phase's numbering
    kind and its title alone, since a task inserted above renumbers it."""
    base = task.id.split("#")[0]
    if _AUTO_ID.fullmatch(base):
        return "", task.title
    return base, task.title


_AUTO_ID = re.compile(r"P[^.\s]+\.\d+")


def _criteria_lines(data: bytes, heading: int) -> list[int]:
    """Lines of the checkbox items under the heading at line ``heading``, as the parser sees
    them."""
    blocks = walk(data.decode("utf-8", "replace"))
    after = [block for block in blocks if block.line > heading]
    end = next((b.line for b in after if isinstance(b, Heading)), None)
    pending = [b for b in after if isinstance(b, Item) and (end is None or b.line < end)]
    lines: list[int] = []
    while pending:
        item = pending.pop()
        pending.extend(item.children)
        if checkbox(item.text) is not None:
            lines.append(item.line)
    return sorted(lines)


class Written:
    """The files a marker wrote, until they are taken: the main tree's executor carries them
    into the next task's start tree (:meth:`orch.runner.executors.MainTreeExecutor.prepare`),
    so orch's own marks are never measured as a task's change. Only the controller's thread
    marks and takes."""

    def __init__(self) -> None:
        self._paths: set[Path] = set()

    def add(self, path: Path) -> None:
        """``path`` was written (or created)."""
        self._paths.add(path)

    def take(self) -> list[Path]:
        """Every path written since the last take."""
        paths, self._paths = sorted(self._paths), set()
        return paths


class PlanMarker:
    """Flips checkboxes in one plan file, keeping every other byte."""

    def __init__(self, path: Path, *, warn: Callable[[str], None] | None = None,
                 tasks: Iterable[Task] = ()) -> None:
        """``warn`` hears of a mark not written (the run journals it); ``tasks`` are the plan's
        tasks as the run read them (how often each id and title occurs there)."""
        self.path = path
        self.written = Written()
        self.warn = warn
        self._known = Counter(_identity(task) for task in tasks)
        self._data = bytearray()
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._signature: tuple[int, int, int] | None = None
        self._current: dict[tuple[str, str], list[Task]] | None = None

    def _signature_now(self) -> tuple[int, int, int]:
        stat = os.stat(self.path)
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def _refresh(self) -> None:
        """Re-read the file when it changed since we last saw it (an editor, a rollback)."""
        signature = self._signature_now()
        if signature == self._signature:
            return
        self._data = bytearray(self.path.read_bytes())
        self._index()
        self._signature = signature
        self._current = None  # parsed again when a mark needs it

    def _index(self) -> None:
        """Where each line starts and ends (before its line ending)."""
        breaks = list(_NEWLINE.finditer(self._data))
        self._starts = [0] + [m.end() for m in breaks]
        self._ends = [m.start() for m in breaks] + [len(self._data)]

    def mark(self, task: Task, mark: PlanMark) -> None:
        """Set ``task``'s checkbox (a done heading task: the checkboxes under it); a vanished
        plan or a task no longer (or ambiguously) in it is left alone, with a warning. A file
        that changes between reading and writing is read again, never written blind."""
        for _ in range(3):
            try:
                self._mark(task, mark)
                return
            except _ChangedUnderUs:
                self._signature = None
        if self.warn is not None:
            self.warn(f"{task.id} ({task.title!r}): its {mark.value} mark was not written into "
                      f"the plan: {self.path.name} kept changing while orch wrote it")

    def _mark(self, task: Task, mark: PlanMark) -> None:
        if task.mark is mark or not self.path.is_file():
            return
        self._refresh()
        line = self._locate(task, mark)
        if line is None:
            return
        task.line = line
        start, end = self._starts[line - 1], self._ends[line - 1]
        text = self._line(line)
        if _HEADING.match(text):
            if mark is PlanMark.DONE:
                self._mark_criteria(task.line)
                task.mark = mark
            return
        try:
            if text.lstrip().startswith("|"):  # a task table's row: its status cell
                lines = [self._line(number) for number in range(1, len(self._starts) + 1)]
                changed = set_table_mark(lines, line, mark)
            else:
                changed = set_mark(text, 1, mark)
            updated = changed.encode("utf-8", "surrogateescape")
        except ValueError:
            return  # the plan was edited under us; the journal still has the truth
        self._replace(start, end, updated)
        task.mark = mark

    def _locate(self, task: Task, mark: PlanMark) -> int | None:
        """The line holding ``task`` in the file as it is now (a fresh parse, once per change
        of the file: orch's own marks move no line), found by its id and title; ``None``, with
        a warning, when it is gone or there more often than the run saw it. Never another
        task's line, never a line that only used to be the task's."""
        if self._current is None:
            from orch.parsing.formats import parse_any

            text = bytes(self._data).decode("utf-8", "replace")
            self._current = {}
            for parsed in parse_any(text, str(self.path)).plan.tasks():
                self._current.setdefault(_identity(parsed), []).append(parsed)
        identity = _identity(task)
        same = self._current.get(identity, [])
        expected = self._known.get(identity, 1)
        exact = [t for t in same if t.id == task.id]
        if len(same) == expected == 1:
            return same[0].line
        if len(same) == expected and len(exact) == 1:
            return exact[0].line
        if self.warn is not None:
            shown = f"{task.id} ({task.title!r})"
            where = (f"is no longer in {self.path.name}" if not same else
                     f"is in {self.path.name} {len(same)} times now, {expected} when the run "
                     "read it")
            self.warn(f"{shown}: its {mark.value} mark was not written into the plan: the "
                      f"plan was edited during the run and the task {where}; the run's journal "
                      "keeps its status (the next resume reports plan changes)")
        return None

    def _line(self, number: int) -> str:
        start, end = self._starts[number - 1], self._ends[number - 1]
        return bytes(self._data[start:end]).decode("utf-8", "surrogateescape")

    def _mark_criteria(self, heading: int) -> None:
        """A heading task is done when every checkbox under it is: tick the checkbox items the
        parser reads under it, up to the next heading (never one in a code block, an HTML
        comment or a table)."""
        for number in _criteria_lines(bytes(self._data), heading):
            text = self._line(number)
            try:
                updated = set_mark(text, 1, PlanMark.DONE)
            except ValueError:
                continue
            start, end = self._starts[number - 1], self._ends[number - 1]
            self._replace(start, end, updated.encode("utf-8", "surrogateescape"))

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
            self.written.add(self.path)
            with open(self.path, "r+b") as handle:
                self._unchanged(os.fstat(handle.fileno()))
                handle.seek(start + first)
                handle.write(updated[first:last])
            self._data[start:end] = updated
        else:  # an unknown marker such as [N/A] replaced by [X]
            self._unchanged(os.stat(self.path))
            self._data[start:end] = updated
            self.written.add(self.path)
            atomic_write_bytes(self.path, bytes(self._data))
            self._index()
        self._signature = self._signature_now()

    def _unchanged(self, stat: os.stat_result) -> None:
        """Raise :class:`_ChangedUnderUs` when the file is no longer the one we read."""
        if (stat.st_ino, stat.st_size, stat.st_mtime_ns) != self._signature:
            raise _ChangedUnderUs

    def sync(self, state: RunState, tasks: dict[str, Task]) -> None:
        """Mark every task the journal says is done or skipped (repairs a kill between record
        and mark; writes ``resume --skip``'s skip marks)."""
        _sync(self, state, tasks)


class _ChangedUnderUs(Exception):
    """The plan changed between reading it and writing a mark into it."""


class TaskmasterMarker:
    """Sets a task's ``"status"`` in a Taskmaster ``tasks.json``, keeping every other byte."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = Written()

    def mark(self, task: Task, mark: PlanMark) -> None:
        """Write ``task``'s status; a vanished file or a task no longer in it is left alone."""
        from orch.parsing.taskmaster import set_status

        if task.mark is mark or not self.path.is_file():
            return
        text = self.path.read_bytes().decode("utf-8")
        try:
            updated = set_status(text, task.id, mark)
        except ValueError:
            return  # edited under us; the journal still has the truth
        task.mark = mark
        if updated != text:
            self.written.add(self.path)
            atomic_write_bytes(self.path, updated.encode("utf-8"))

    def sync(self, state: RunState, tasks: dict[str, Task]) -> None:
        """Mark every task the journal says is done or skipped."""
        _sync(self, state, tasks)


class ClaudioMarker:
    """Sets a ``.claudio`` task's status in its ``status.md``, keeping every other byte; a task
    with no status file (or no status line in it) gets one, in Claudio's own shape."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self.written = Written()

    def mark(self, task: Task, mark: PlanMark) -> None:
        """Write ``task``'s status; a task renamed as a duplicate (``1.2#2``) is left alone."""
        from orch.parsing.claudio import new_status, new_status_path, set_status, status_path

        if task.mark is mark or not self.tree.is_dir():
            return
        paths = [p.relative_to(self.tree).as_posix() for p in self.tree.glob("phase*/task*/*.md")]
        found = status_path(task.id, paths)
        if found is None:
            folders = [
                p.relative_to(self.tree).as_posix()
                for pattern in ("phase*", "phase*/task*")
                for p in self.tree.glob(pattern)
                if p.is_dir()
            ]
            created = new_status_path(task.id, task.title, sorted(folders))
            if created is None:
                return
            path = self.tree / created
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                self.written.add(path)
                atomic_write_bytes(path, new_status(task.id, task.title, mark).encode("utf-8"))
                task.mark = mark
                return
        else:
            path = self.tree / found
        text = path.read_bytes().decode("utf-8", "surrogateescape")  # keep even invalid bytes
        updated = set_status(text, mark)
        task.mark = mark
        if updated != text:
            self.written.add(path)
            atomic_write_bytes(path, updated.encode("utf-8", "surrogateescape"))

    def sync(self, state: RunState, tasks: dict[str, Task]) -> None:
        """Mark every task the journal says is done or skipped."""
        _sync(self, state, tasks)


Marker = PlanMarker | TaskmasterMarker | ClaudioMarker


_SYNCED = {TaskStatus.DONE: PlanMark.DONE, TaskStatus.SKIPPED: PlanMark.SKIPPED}


def _sync(marker: Marker, state: RunState, tasks: dict[str, Task]) -> None:
    for task_id, record in state.tasks.items():
        task = tasks.get(task_id)
        mark = _SYNCED.get(record.status)
        if task is not None and mark is not None and task.mark is not PlanMark.DONE:
            marker.mark(task, mark)


def plan_marker(path: Path, plan_format: str, *, warn: Callable[[str], None] | None = None,
                tasks: Iterable[Task] = ()) -> Marker | None:
    """The marker that writes progress back into a plan of ``plan_format`` at ``path``;
    ``warn`` and ``tasks`` as for :class:`PlanMarker`."""
    if plan_format == "claudio":
        from orch.planfile import claudio_tree

        tree = claudio_tree(path)
        return ClaudioMarker(tree) if tree is not None else None
    if not path.is_file():
        return None
    if plan_format == "taskmaster":
        return TaskmasterMarker(path)
    return PlanMarker(path, warn=warn, tasks=tasks)
