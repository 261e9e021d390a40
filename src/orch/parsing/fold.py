"""Fold warnings of one kind into one line: a plan of 400 tasks must not print 400 alike warnings.

A warning's kind is its message with the parts that vary from task to task (task IDs, numbers,
quoted or parenthesised text, however nested) blanked out, so "T001 names no files" and "T002
names no files" are one kind, and so are "phase 1 (Setup) has no gate" and "phase 2
(Foundational (Blocking)) has no gate". A caller whose messages vary otherwise passes its own
``key`` to :func:`fold` (or :func:`folded_lines`), e.g. one kind per check name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from orch.domain.plan import Diagnostic

SHOWN_LINES = 5
"""How many line numbers a folded warning lists."""

_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\u201c[^\u201d]*\u201d")
_INNERMOST = re.compile(r"\([^()]*\)")
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
    quoted = "'" in message or '"' in message or "`" in message or "\u201c" in message
    text = _QUOTED.sub("'…'", message) if quoted else message
    while "(" in text:
        shorter = _INNERMOST.sub("'…'", text)
        if shorter == text:
            break
        text = shorter
    return _VARYING.sub("#", text)


def message_kind(diagnostic: Diagnostic) -> str:
    """The default folding key: :func:`kind` of the message."""
    return kind(diagnostic.message)


def fold(
    warnings: list[Diagnostic], key: Callable[[Diagnostic], str] = message_kind
) -> list[Fold]:
    """One :class:`Fold` per kind (``key`` of each warning), ordered by the line of each
    kind's first warning."""
    folds: dict[str, Fold] = {}
    for warning in sorted(warnings, key=lambda diagnostic: diagnostic.line):
        name = key(warning)
        found = folds.get(name)
        if found is None:
            found = folds[name] = Fold(warning)
        found.lines.append(warning.line)
    return list(folds.values())


def folded_lines(
    warnings: list[Diagnostic],
    source: str,
    *,
    verbose: bool = False,
    key: Callable[[Diagnostic], str] = message_kind,
) -> list[str]:
    """``source:line: message`` lines: one per kind, with its count and first lines, or, when
    ``verbose``, one per warning. The hint, where all of a kind's warnings share one, is
    left to the caller."""
    if verbose:
        ordered = sorted(warnings, key=lambda diagnostic: diagnostic.line)
        return [f"{source}:{warning.line}: {warning.message}" for warning in ordered]
    return [
        f"{source}:{found.first.line}: {found.first.message}{found.suffix()}"
        for found in fold(warnings, key)
    ]
