"""Write a task's status back into the plan text: flip one checkbox, change nothing else."""

from __future__ import annotations

import re

from orch.domain.plan import PlanMark
from orch.parsing.checkbox import ITEM_BOX

_CHARS = {PlanMark.PENDING: " ", PlanMark.DONE: "X", PlanMark.SKIPPED: "~"}


def set_mark(text: str, line: int, mark: PlanMark) -> str:
    """``text`` with the checkbox of the task item starting at 1-based ``line`` set to ``mark``.

    ``[X]`` done, ``[~]`` skipped, ``[ ]`` pending. Only the marker changes (an unknown one such
    as ``[N/A]`` is replaced whole); line endings (``\\n`` or ``\\r\\n``) and every other byte
    are kept. An already-done ``[x]`` stays ``[x]`` when asked for done. ``ValueError`` when
    that line holds no checkbox list item (a heading task's line, for one: it carries no mark).
    """
    if line < 1:
        raise ValueError(f"line {line} is not a line number")
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            raise ValueError(f"line {line} is past the end of the plan")
    end = text.find("\n", start)
    source_line = text[start : end if end != -1 else len(text)]
    match = ITEM_BOX.match(source_line)
    if match is None:
        raise ValueError(f"line {line} is not a checkbox list item: {source_line.strip()!r}")
    current = match.group("box")
    wanted = _CHARS[mark]
    if mark is PlanMark.DONE and current in ("x", "X"):
        return text
    return text[: start + match.start("box")] + wanted + text[start + match.end("box") :]


_WORDS = {PlanMark.PENDING: "Pending", PlanMark.DONE: "Done", PlanMark.SKIPPED: "Skipped"}
_PIPE = re.compile(r"(?<!\\)\|")


def set_table_mark(lines: list[str], line: int, mark: PlanMark) -> str:
    """The table row at 1-based ``line`` of ``lines`` with its status cell set to ``Done`` /
    ``Skipped`` / ``Pending``, every other byte of the row kept (a task table, see
    :mod:`orch.parsing.tables`). ``ValueError`` when the row is in no table with a status
    column."""
    from orch.parsing.tables import status_column

    index = line - 1
    if not 0 <= index < len(lines) or not lines[index].lstrip().startswith("|"):
        raise ValueError(f"line {line} is not a table row")
    first = index
    while first > 0 and lines[first - 1].lstrip().startswith("|"):
        first -= 1
    column = status_column(lines[first]) if first < index else None
    if column is None:
        raise ValueError(f"the table of line {line} has no status column")
    row = lines[index]
    pipes = [found.start() for found in _PIPE.finditer(row)]
    if row.lstrip().startswith("|"):
        pipes = pipes[1:]
        start = row.index("|") + 1
    else:
        start = 0
    ends = [*pipes, len(row)]
    if column >= len(ends):
        raise ValueError(f"line {line} has no cell {column + 1}")
    begin = start if column == 0 else ends[column - 1] + 1
    cell = row[begin : ends[column]]
    content = cell.strip()
    word = _WORDS[mark]
    updated = cell.replace(content, word, 1) if content else f" {word} "
    return row[:begin] + updated + row[ends[column] :]
