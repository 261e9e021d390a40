"""Phase headings (``## Phase 2: Foundational``) and the phase IDs derived from them."""

from __future__ import annotations

import re
from dataclasses import dataclass

PHASE_WORDS = (
    "phase|milestone|stage|fase|faza|fáze|etapa|etap|étape|aşama|"
    "этап|фаза|стадия|フェーズ|段階|阶段|階段|단계|페이즈"
)
"""Words that label a phase heading, in any case: English, and Spanish/Portuguese/Italian/Dutch
``Fase``, Polish/Romanian ``Faza``/``Etap``/``Etapa``, French ``Étape``, Russian, Japanese,
Chinese and Korean ones."""
_NUMBER_WORDS = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve",
)
_ID = (
    rf"(?P<id>\d+(?:\.\d+)*[A-Za-z]?|(?i:{'|'.join(_NUMBER_WORDS)})|[A-Za-z]|[IVX]+)"
    r"(?![A-Za-z0-9_])"
)
_PHASE = re.compile(
    rf"^(?:(?P<pre>[^\s:]+)\s+)?(?i:{PHASE_WORDS})"
    rf"(?:(?:\s+#?|(?<=[^\x00-\x7f])\s*|#|(?=\d)){_ID}|\s*(?=[:\-\u2013\u2014\uff1a]))"
)
# Number first: ``1단계:``, ``第1阶段``, ``第一阶段``.
_NUMBER_FIRST = re.compile(
    r"^(?:第\s*)?(?P<id>\d+|[一二三四五六七八九十]+)\s*(?:段階|阶段|階段|단계)(?![\w])"
)
_EXAMPLE = re.compile(r"\b(?i:examples?|e\.g\.)(?!\w)")
_CJK_NUMBERS = "一二三四五六七八九十"
_LEADING_SEPARATOR = re.compile(r"^[\s:.\-\u2013\u2014\uff1a]+")
_DECORATION = "*_`#"


@dataclass(slots=True)
class PhaseHeading:
    """A heading recognised as a phase: the ID it names (if any) and its title."""

    explicit_id: str | None
    title: str


def phase_heading(text: str) -> PhaseHeading | None:
    """The phase a heading text announces, or ``None`` when it is not a phase heading.

    ``Phase``, ``Milestone``, ``Stage`` or a localized phase word (:data:`PHASE_WORDS`), any
    case, at most one word before it, followed by a number (with an optional letter: ``2A``;
    ``#2``, ``Phase1``), an English number word (``Phase Two``), a letter or a colon/dash:
    ``Phase 3.2: Tests``, ``Final Phase: Polish``, ``Fase 2A — X``, ``フェーズ1``, ``1단계:``.
    A heading that names an example (``Parallel Example: Phase 1``) is never a phase.
    """
    cleaned = text.strip().strip(_DECORATION).strip()
    match = _PHASE.match(cleaned) or _NUMBER_FIRST.match(cleaned)
    if match is None or _EXAMPLE.search(cleaned, 0, match.start("id") if match.group("id") else
                                           match.end()):
        return None
    title = _LEADING_SEPARATOR.sub("", cleaned[match.end() :]).strip().strip(_DECORATION).strip()
    phase_id = match.group("id")
    if phase_id and phase_id.lower() in _NUMBER_WORDS:
        phase_id = str(_NUMBER_WORDS.index(phase_id.lower()) + 1)  # `Phase Two` is phase 2
    if phase_id and phase_id[0] in _CJK_NUMBERS:
        phase_id = str(_cjk_number(phase_id))
    return PhaseHeading(phase_id, title or cleaned)


def _cjk_number(text: str) -> int:
    """``三`` -> 3, ``十二`` -> 12."""
    digits = [_CJK_NUMBERS.index(char) + 1 for char in text]
    if 10 not in digits:
        return digits[0]
    tens = digits[0] if digits[0] != 10 else 1
    return tens * 10 + (digits[-1] if digits[-1] != 10 else 0)


def example_heading(text: str) -> bool:
    """Whether a heading names an example (``Parallel Example: Phase 1 (Setup)``): its section
    shows how tasks could run, so its task lines are neither tasks nor worth a warning."""
    return _EXAMPLE.search(text) is not None


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
