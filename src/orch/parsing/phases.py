"""Phase headings (``## Phase 2: Foundational``) and the phase IDs derived from them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PHASE = re.compile(
    r"^(?:(?P<pre>[^\s:]+)\s+)?(?i:phase|milestone|stage)"
    r"(?:\s+(?P<id>\d+(?:\.\d+)*[a-z]?|[A-Za-z]|[IVX]+)(?![A-Za-z0-9_])"
    r"|\s*(?=[:\-\u2013\u2014]))"
)
_LEADING_SEPARATOR = re.compile(r"^[\s:.\-\u2013\u2014]+")
_DECORATION = "*_`#"


@dataclass(slots=True)
class PhaseHeading:
    """A heading recognised as a phase: the ID it names (if any) and its title."""

    explicit_id: str | None
    title: str


def phase_heading(text: str) -> PhaseHeading | None:
    """The phase a heading text announces, or ``None`` when it is not a phase heading.

    ``Phase``, ``Milestone`` or ``Stage``, at most one word before it, followed by a number,
    a letter or a colon/dash: ``Phase 3.2: Tests``, ``Final Phase: Polish``, ``Milestone 4 — X``.
    """
    cleaned = text.strip().strip(_DECORATION).strip()
    match = _PHASE.match(cleaned)
    if match is None:
        return None
    title = _LEADING_SEPARATOR.sub("", cleaned[match.end() :]).strip().strip(_DECORATION).strip()
    return PhaseHeading(match.group("id"), title or cleaned)


def assign_phase_ids(explicit: list[str | None]) -> list[str]:
    """Unique phase IDs: the explicit one when given and unused, else a positional one.

    A phase without an ID gets its 1-based position ``n`` when no other phase uses it, else
    ``Pn``; a repeated ID gets ``Pn`` (then ``Pn#2`` … should even that be taken).
    """
    taken = {value for value in explicit if value is not None}
    used: set[str] = set()
    result: list[str] = []
    for position, value in enumerate(explicit, start=1):
        if value is not None and value not in used:
            chosen = value
        elif value is None and str(position) not in taken and str(position) not in used:
            chosen = str(position)
        else:
            chosen = f"P{position}"
            suffix = 2
            while chosen in used or chosen in taken:
                chosen = f"P{position}#{suffix}"
                suffix += 1
        used.add(chosen)
        result.append(chosen)
    return result
