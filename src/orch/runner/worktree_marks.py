"""Checkbox marks an agent set in its worktree's copy of the plan are orch's to set.

Agents tick their own task (spec-kit's ``/implement`` tells them to mark it ``[X]``), while
orch ticks each task in the main tree as it lands. Two ``[P]`` tasks on adjacent plan lines
then conflict on nothing but marks, and the later one would be sent back to run again. Before
a finished task is committed on its branch, its plan's marks are put back as at its base; every
other edit the agent made to the plan is kept, and orch marks the task itself once integrated.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from pathlib import Path

from orch.parsing.checkbox import unmarked


def restore_marks(plan: Path, base_text: str) -> bool:
    """Give ``plan`` (a worktree's copy) the checkbox marks of ``base_text``; whether it changed."""
    try:
        with plan.open(encoding="utf-8", newline="") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return False
    ours, base = text.splitlines(keepends=True), base_text.splitlines(keepends=True)
    restored = list(ours)
    matcher = SequenceMatcher(None, base, ours, autojunk=False)
    for op, b1, b2, o1, o2 in matcher.get_opcodes():
        if op != "replace" or b2 - b1 != o2 - o1:
            continue
        for offset in range(b2 - b1):
            was, now = base[b1 + offset], ours[o1 + offset]
            if was != now and _unmarked(was) == _unmarked(now):
                restored[o1 + offset] = was
    if restored == ours:
        return False
    with plan.open("w", encoding="utf-8", newline="") as handle:
        handle.write("".join(restored))
    return True


def _unmarked(line: str) -> bytes:
    return unmarked(line.encode("utf-8", "surrogateescape"))
