"""Write a task's status back into the plan text: flip one checkbox, change nothing else."""

from __future__ import annotations

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
