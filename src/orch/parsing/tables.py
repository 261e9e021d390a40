"""Tasks written as table rows: ``| T1.1 | Title | Status |`` under a phase heading.

A table is a task table when one of its first two columns opens its rows with task IDs. The
title is the column headed Task/Title/Description/…, else the first column after the IDs; a
Status column (``✅``, ``Done``, ``[x]``, ``Skipped``, ``Pending``) gives the status, a
Depends column the dependencies, a Parallel column ``[P]``; other columns go to the description.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from orch.domain.plan import PlanMark
from orch.parsing.blocks import Table
from orch.parsing.taskline import DONE_MARKS, DepRef, leading_id, parse_dep_list

_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SEPARATOR_ROW = re.compile(r"^\|?\s*:?-{1,}:?\s*(?:\|\s*:?-{1,}:?\s*)*\|?\s*$")
_TITLE_HEADERS = frozenset(
    ("task", "title", "description", "name", "summary", "subtask", "item", "what")
    + ("deliverable", "work", "任务", "タスク", "작업")
)
_STATUS_HEADERS = frozenset(
    ("status", "state", "done", "progress", "complete", "completed", "状态", "状態", "상태")
)
_DEPENDS_HEADERS = frozenset(
    ("depends", "depends on", "dependencies", "deps", "after", "blocked by", "prerequisites")
)
_PARALLEL_HEADERS = frozenset(("parallel", "[p]", "p", "par"))
_DONE_WORDS = frozenset(
    ("done", "complete", "completed", "finished", "closed", "merged", "yes", "[x]", "x")
    + ("\u2713", "完了", "完成", "已完成", "완료")
)
_SKIPPED_WORDS = frozenset(
    ("skipped", "skip", "cancelled", "canceled", "dropped", "n/a", "na", "deferred")
    + ("obsolete", "wontfix", "won't", "[~]", "~")
)
_PENDING_WORDS = frozenset(
    ("pending", "todo", "to-do", "open", "planned", "ready", "new", "not-started", "started")
    + ("in-progress", "wip", "blocked", "review", "in-review", "[", "-", "\u2014")
    + ("\u2b1c", "\u2610", "\u274c", "\u23f3", "\U0001f504", "\U0001f6a7")
    + ("未着手", "待办", "进行中", "대기")
)
_MARK_CHARS = re.compile(r"[*_`~]")
_ROW_NUMBER = re.compile(r"\d{1,4}\.?")


@dataclass(slots=True)
class TableRow:
    """One task row: its ID, title, status and what else its cells say."""

    line: int
    task_id: str | None
    """``None`` in a numbered table (``| 1 | Title | Status |``): the task gets a generated ID."""
    title: str
    mark: PlanMark = PlanMark.PENDING
    status: str | None = None
    """The status cell as written, when the table has a status column."""
    known_status: bool = True
    """Whether the status cell reads as a status; an odd one reads as pending, with a warning."""
    parallel: bool = False
    deps: list[DepRef] = field(default_factory=list)
    description: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TaskTable:
    """A table read as tasks, or the reason it cannot be (``problem``)."""

    rows: list[TableRow] = field(default_factory=list)
    problem: str | None = None


def cells(row: str) -> list[str]:
    """The cells of one table row, outer pipes dropped, blanks trimmed."""
    text = row.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip() for cell in _CELL_SPLIT.split(text)]


def _plain(cell: str) -> str:
    return _MARK_CHARS.sub("", cell).strip()


def _column(headers: list[str], names: frozenset[str], skip: int) -> int | None:
    for index, header in enumerate(headers):
        if index != skip and _plain(header).lower() in names:
            return index
    return None


def _numbering(header: str) -> bool:
    return _plain(header).lower() in ("#", "no", "no.", "n", "nr", "")


def status_cell(cell: str) -> tuple[PlanMark, bool]:
    """The mark a status cell says, and whether it is a status orch knows."""
    text = _plain(cell).lower()
    if any(char in DONE_MARKS for char in text):
        return PlanMark.DONE, True
    words = text.replace("in progress", "in-progress").replace("not started", "not-started")
    first = words.split()[0] if words.split() else ""
    if text in _DONE_WORDS or first in _DONE_WORDS:
        return PlanMark.DONE, True
    if text in _SKIPPED_WORDS or first in _SKIPPED_WORDS:
        return PlanMark.SKIPPED, True
    return PlanMark.PENDING, text == "" or first in _PENDING_WORDS or text in _PENDING_WORDS


def status_column(header: str) -> int | None:
    """The index of the status column in a table's header row, else ``None``."""
    return _column(cells(header), _STATUS_HEADERS, -1)


def id_column(table: Table) -> int | None:
    """The column (0 or 1) whose cells open with task IDs in most data rows, else ``None``."""
    lines = table.text.split("\n")
    separated = len(lines) > 1 and _SEPARATOR_ROW.match(lines[1]) is not None
    rows = [cells(row) for row in lines[2 if separated else 1 :]]
    rows = [row for row in rows if any(row)]
    if not rows:
        return None
    for index in (0, 1):
        named = sum(1 for row in rows if len(row) > index and leading_id(row[index]) is not None)
        if named * 2 > len(rows):
            return index
    return None


def numbered_column(table: Table) -> int | None:
    """The numbering column (0 or 1, headed ``#``/``No``/blank) of a table that is a task list
    without IDs: a Task/Title column and a Status column beside it, every row numbered."""
    lines = table.text.split("\n")
    if len(lines) < 3 or not _SEPARATOR_ROW.match(lines[1]):
        return None
    headers = cells(lines[0])
    rows = [row for row in (cells(raw) for raw in lines[2:]) if any(row)]
    for index in (0, 1):
        if index >= len(headers) or not _numbering(headers[index]):
            continue
        if _column(headers, _TITLE_HEADERS, index) is None:
            return None
        if _column(headers, _STATUS_HEADERS, index) is None:
            return None
        if rows and all(len(row) > index and _ROW_NUMBER.fullmatch(row[index]) for row in rows):
            return index
        return None
    return None


def read_table(table: Table) -> TaskTable:
    """The task rows of ``table``; ``problem`` says why a table with task IDs cannot be read.

    A numbered table (:func:`numbered_column`) gives rows without IDs."""
    lines = table.text.split("\n")
    if len(lines) < 2 or not _SEPARATOR_ROW.match(lines[1]):
        return TaskTable(problem="its second line is not a `|---|---|` separator row")
    ids_at = id_column(table)
    numbered = ids_at is None and (ids_at := numbered_column(table)) is not None
    if ids_at is None:
        return TaskTable(problem="no column opens its rows with task IDs")
    headers = cells(lines[0])
    title_at = _column(headers, _TITLE_HEADERS, ids_at)
    if title_at is None:
        title_at = ids_at + 1
    if title_at >= len(headers):
        return TaskTable(problem="it has no column for the task titles after the ID column")
    status_at = _column(headers, _STATUS_HEADERS, ids_at)
    depends_at = _column(headers, _DEPENDS_HEADERS, ids_at)
    parallel_at = _column(headers, _PARALLEL_HEADERS, ids_at)
    used = {ids_at, title_at, status_at, depends_at, parallel_at}
    found = TaskTable()
    for offset, raw in enumerate(lines[2:], start=2):
        row = cells(raw)
        task_id = leading_id(row[ids_at]) if len(row) > ids_at else None
        if task_id is None and not (numbered and any(row)):
            continue
        title = row[title_at] if len(row) > title_at else ""
        entry = TableRow(table.line + offset, task_id, _plain(title) or task_id or "")
        if status_at is not None and len(row) > status_at:
            entry.status = row[status_at]
            entry.mark, entry.known_status = status_cell(row[status_at])
        if depends_at is not None and len(row) > depends_at:
            entry.deps = parse_dep_list(row[depends_at])
        if parallel_at is not None and len(row) > parallel_at:
            entry.parallel = _plain(row[parallel_at]).lower() not in ("", "-", "no", "n", "false")
        entry.description = [
            f"{_plain(headers[index]) or 'Note'}: {cell}"
            for index, cell in enumerate(row[: len(headers)])
            if index not in used and cell and not _numbering(headers[index])
        ]
        found.rows.append(entry)
    return found
