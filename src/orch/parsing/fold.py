"""Fold warnings of one kind into one line: a plan of 400 tasks must not print 400 alike warnings.

A warning's kind is its message with the parts that vary from task to task (task IDs, numbers,
quoted text) blanked out, so "T001 names no files" and "T002 names no files" are one kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from orch.domain.plan import Diagnostic

SHOWN_LINES = 5
"""How many line numbers a folded warning lists."""

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\([^()]*\)")
_VARYING = re.compile(r"[\w.#-]*\d[\w.#-]*")


@dataclass(slots=True)
class Fold:
    """The warnings of one kind: the first one, and every line the kind occurs on."""

    first: Diagnostic
    lines: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        """How many warnings of this kind there are."""
        return len(self.lines)

    def suffix(self) -> str:
        """`` (and 39 more like it: lines 6, 7, 9, 12, 15, …)``, or nothing for a single one."""
        if self.count == 1:
            return ""
        others = self.lines[1:]
        shown = ", ".join(str(line) for line in others[:SHOWN_LINES])
        more = ", …" if len(others) > SHOWN_LINES else ""
        lines = "line" if len(others) == 1 else "lines"
        return f" (and {len(others)} more like it: {lines} {shown}{more})"


def kind(message: str) -> str:
    """The message with what varies between warnings of one kind blanked out."""
    return _VARYING.sub("#", _QUOTED.sub("'…'", message))


def fold(warnings: list[Diagnostic]) -> list[Fold]:
    """One :class:`Fold` per kind, ordered by the line of each kind's first warning."""
    folds: dict[str, Fold] = {}
    for warning in sorted(warnings, key=lambda diagnostic: diagnostic.line):
        key = kind(warning.message)
        found = folds.get(key)
        if found is None:
            found = folds[key] = Fold(warning)
        found.lines.append(warning.line)
    return list(folds.values())
