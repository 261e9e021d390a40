"""The first line of a task item: checkbox, ID, markers, inline dependencies, title."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from orch.domain.plan import PlanMark
from orch.parsing.checkbox import BOX, LOOSE_BOX

ID_START = r"(?:T-?[A-Z]{0,4}\d|[A-Z]{1,4}\d\d)"
"""How any task ID begins: what may follow a ``-`` in a range, never a sub-task suffix."""
T_ID = (
    r"T-?[A-Z]{0,4}\d+(?:[A-Za-z](?![A-Za-z]))?(?:[.-]\d+[a-z]?)*"
    rf"(?:-(?!{ID_START})[A-Z][A-Z0-9]*)?"
)
"""A ``T`` ID: ``T001``, ``T004a``, ``T001A``, ``T-001``, ``T-HF01``, ``T158-1``, ``T022.5``,
``T005-TEST``."""
OTHER_ID = r"[A-Z]{1,4}\d{2,}(?:[A-Za-z](?![A-Za-z]))?(?:[.-]\d+[a-z]?)*"
"""Another prefix of one to four capitals and at least two digits: ``DB001``, ``M001``, ``P001``.
The plan must use the prefix consistently; one used once is a task with a warning."""
ONE_ID = (
    r"(?:T-?[A-Z]{0,4}+|(?!T)[A-Z]{1,4}+(?=\d\d))\d++(?:[A-Za-z](?![A-Za-z]))?(?:[.-]\d+[a-z]?)*"
    rf"(?:-(?!{ID_START})[A-Z][A-Z0-9]*)?(?!\w|-(?!{ID_START}))"
)
"""One task ID of either shape (:data:`T_ID` or :data:`OTHER_ID`), their common tail shared:
the hot path of the parser matches it once per item, and dependency lists scan it at every
position, so it never backtracks into its digits (possessive ``++``)."""
ID_PATTERN = rf"{ONE_ID}(?:\s?[-\u2013\u2014]\s?{ONE_ID}|\.\.{ONE_ID})?"
"""A task ID, or a range of them written as one task: ``T005-T010``, ``T062–T067``."""
DONE_MARKS = "\u2705\u2714\u2611"
"""``✅``, ``✔``, ``☑``: beside a task's ID or in a heading task, the task is done."""
_DONE_CHARS = frozenset(DONE_MARKS)
_DONE_MARK = re.compile(rf"\s*[{DONE_MARKS}]\ufe0f?\s*")
_DONE_NOTE = re.compile(
    rf"\s*[{DONE_MARKS}]\ufe0f?(?:\s*(?i:completed?|done|finished)(?![\w]))?\s*"
)
_WHOLLY_STRUCK = re.compile(r"~~(?:(?!~~).)+~~[\s.]*")
_T_ID = re.compile(r"T-?[A-Z]{0,4}\d")
_OTHER_ID = re.compile(rf"(?!T-?[A-Z]{{0,4}}\d)({OTHER_ID})")
_PREFIX = re.compile(r"[A-Z]+")
_T_SECOND = frozenset("-0123456789")

_MARKS = {" ": PlanMark.PENDING, "x": PlanMark.DONE, "X": PlanMark.DONE, "~": PlanMark.SKIPPED}
SKIPPING_MARKERS = frozenset({"-", "n/a", "na", "skip", "skipped", "dropped", "~"})
"""Unknown checkbox markers that read as skipped."""
DONE_MARKERS = frozenset({"\u2713", "\u2714", "\u2611", "\u2705", "x", "done"})
"""Unknown checkbox markers that read as done (check marks); every other one reads as pending."""
_ID = re.compile(rf"({ID_PATTERN})")
_RANGE_SEPARATOR = re.compile(rf"\s?(?:[-\u2013\u2014]|\.\.)\s?(?={ID_START})")
_STRIKE = re.compile(r"~~(.*?)~~", re.DOTALL)
_BOLD = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")
_LINK = re.compile(r"(\[)([^\[\]]+)\]\([^()\s]*\)")
_ENCLOSED = re.compile(rf"[\[(]({T_ID})[\])](?![(\w])")
_MARKER = re.compile(r"\s*(?:\[([^\[\]\s][^\[\]]{0,39})\](?!\()|\((US\d+)\))")
_SEPARATOR = re.compile(r"\s*(?:[:.\uff1a\u3002]|[-\u2013\u2014](?=\s))?\s*")
_TRAILING = re.compile(r"(?:\s*\[[A-Za-z][\w:.-]{0,30}\])+\s*$")
_TRAILING_WINDOW = 600
_TRAILING_ONE = re.compile(r"\[([A-Za-z][\w:.-]{0,30})\]")
_DEP_CLAUSE = re.compile(
    r"\s*\((?:depends\s+on|depends|depends_on|dependencies|deps|after|requires|blocked\s+by)"
    r"\b\s*:?\s*([^()]*)\)",
    re.IGNORECASE,
)
_DEP_RANGE = re.compile(rf"({ONE_ID})\s*(?:[-\u2013\u2014]|\.\.)\s*({ONE_ID})")
_DEP_ID = re.compile(ONE_ID)
_STORY = re.compile(r"US\d+", re.IGNORECASE)
_HEADING_TASK = re.compile(
    rf"(?:\*\*|__)?(?:(?i:task)\s+(?P<number>\d+(?:\.\d+)*[a-z]?)|(?P<id>{ID_PATTERN}))"
    r"(?:\*\*|__)?(?:\s*(?P<separator>[:.\u2013\u2014\uff1a-])\s*|\s+|$)(?P<title>.*)$"
)


@dataclass(slots=True)
class DepRef:
    """A dependency as written: one ID, or a range ``first``–``last`` expanded later."""

    first: str
    last: str | None = None


@dataclass(slots=True)
class TaskLine:
    """What the first paragraph of a task item says."""

    mark: PlanMark
    task_id: str | None
    title: str
    parallel: bool = False
    story: str | None = None
    labels: list[str] = field(default_factory=list)
    deps: list[DepRef] = field(default_factory=list)
    extra: str = ""
    """Lines after the first, kept as description."""
    marker: str | None = None
    """The checkbox's marker when it is not one of `` ``, ``x``, ``X``, ``~`` (``⛔``, ``N/A``)."""
    struck: bool = False
    """The ID (or the whole text) is struck through: the task reads as skipped."""


def _mark(marker: str) -> PlanMark:
    known = _MARKS.get(marker)
    if known is not None:
        return known
    if marker.lower().strip() in DONE_MARKERS:
        return PlanMark.DONE
    if marker.lower().strip() in SKIPPING_MARKERS:
        return PlanMark.SKIPPED
    return PlanMark.PENDING


def _checkbox(text: str) -> re.Match[str] | None:
    """The checkbox an item text begins with: a usual one, or a loose one (``[]``, ``[ x]``,
    ``[WIP]``, ``[ ]T001``) when a task ID follows it, so a task is never lost to a typo."""
    match = BOX.match(text)
    if match is not None:
        return match
    loose = LOOSE_BOX.match(text)
    if loose is not None and leading_id(text[loose.end() :]) is not None:
        return loose
    return None


def checkbox(text: str) -> PlanMark | None:
    """The mark of an item text that begins with a checkbox, else ``None``."""
    match = _checkbox(text)
    return _mark(match.group(1)) if match else None


def has_task_id(text: str) -> bool:
    """Whether an item text is a checkbox followed by a task ID."""
    return checkbox_id(text) is not None


def checkbox_id(text: str) -> str | None:
    """The task ID after the checkbox an item text begins with, else ``None``."""
    match = _checkbox(text)
    if match is None:
        return None
    return leading_id(text[match.end() :])


def leading_id(text: str) -> str | None:
    """The task ID an item text (after any checkbox) starts with, bold or struck through."""
    rest = _unbold(_unstrike(text.lstrip())[0])
    match = _ID.match(rest)
    return normalise_id(match.group(1)) if match else None


def boxless_id(text: str) -> str | None:
    """The task ID a list item without a checkbox opens with, done marks before it skipped
    (``✅ T006 …``), else ``None``."""
    text = text.lstrip()
    if text[:1] in _DONE_CHARS:
        text = text[_done_mark(text) :]
    return leading_id(text)


def normalise_id(raw: str) -> str:
    """``T005 – T010`` -> ``T005-T010``; a single ID is returned as written."""
    return _RANGE_SEPARATOR.sub("-", raw)


def _unstrike(text: str) -> tuple[str, bool]:
    """``~~T005 x~~ y`` -> ``T005 x y``; whether the text opened with a strike-through."""
    if not text.startswith("~~"):
        return text, False
    return _STRIKE.sub(r"\1", text, count=1), True


def _unbold(text: str) -> str:
    """``**T001 (US1)**: x`` -> ``T001 (US1): x`` when the bold (italic, code, link) run opens
    the text: ``[T001](#t001) x`` -> ``T001 x``; a ``T`` ID in brackets or parentheses, the
    way spec-kit's ``[ID] [P?] [Story]`` format line shows it: ``[T001] x`` -> ``T001 x``."""
    match = _BOLD.match(text) or _LINK.match(text)
    if match and _ID.match(match.group(2)):
        return match.group(2) + text[match.end() :]
    if text[:1] in "[(":
        enclosed = _ENCLOSED.match(text)
        if enclosed:
            return enclosed.group(1) + text[enclosed.end() :]
    return text


def parse_dep_list(text: str) -> list[DepRef]:
    """IDs and ranges in a dependency list such as ``T001, T003-T005``."""
    refs: list[DepRef] = []
    position = 0
    for match in _DEP_RANGE.finditer(text):
        refs.extend(DepRef(found) for found in _DEP_ID.findall(text, position, match.start()))
        refs.append(DepRef(match.group(1), match.group(2)))
        position = match.end()
    refs.extend(DepRef(found) for found in _DEP_ID.findall(text, position))
    return refs


def _apply_marker(line: TaskLine, marker: str) -> None:
    if marker == "P":
        line.parallel = True
    elif _STORY.fullmatch(marker) and line.story is None:
        line.story = marker.upper()
    elif marker not in line.labels:
        line.labels.append(marker)


def parse_task_line(text: str) -> TaskLine | None:
    """Parse an item's first paragraph; ``None`` when it does not begin with a checkbox."""
    match = _checkbox(text)
    if match is None:
        return None
    raw_marker = match.group(1)
    mark = _mark(raw_marker)
    first, _, extra = text[match.end() :].strip().partition("\n")
    first = first.strip()
    done_mark = _done_mark(first) if first[:1] in _DONE_CHARS else 0
    if done_mark:
        first = first[done_mark:]
    first, struck = _unstrike(first.strip())
    rest = _unbold(first.strip())
    task_id: str | None = None
    id_match = _ID.match(rest)
    if id_match:
        task_id = normalise_id(id_match.group(1))
        rest = rest[id_match.end() :]
    line = TaskLine(mark=mark, task_id=task_id, title="", extra=extra.strip())
    if raw_marker not in _MARKS:
        line.marker = raw_marker
    if struck and task_id is not None:
        line.struck = True
        line.mark = PlanMark.SKIPPED
    while True:
        marker = _MARKER.match(rest)
        if marker is None:
            break
        _apply_marker(line, marker.group(1) or marker.group(2))
        rest = rest[marker.end() :]
    if task_id is not None and (rest[:1] in _DONE_CHARS or rest[1:2] in _DONE_CHARS):
        after_id = _done_mark(rest)
        rest = rest[after_id:]
        done_mark = done_mark or after_id
    if done_mark and task_id is not None and line.mark is PlanMark.PENDING:
        line.mark = PlanMark.DONE
    separator = _SEPARATOR.match(rest)
    if separator is not None:
        rest = rest[separator.end() :]
    # The two searches below scan the whole text: skip them when they cannot match.
    # Trailing labels are read from the title's end only: searching a whole title with
    # thousands of `[a]` runs is quadratic (minutes for one line).
    window = max(0, len(rest) - _TRAILING_WINDOW)
    trailing = _TRAILING.search(rest, window) if rest.rstrip().endswith("]") else None
    if trailing and trailing.start() > 0:
        for label in _TRAILING_ONE.findall(trailing.group(0)):
            _apply_marker(line, label)
        rest = rest[: trailing.start()]
    if "(" in rest or "(" in line.extra:
        for clause in _DEP_CLAUSE.finditer(f"{rest} {line.extra}"):
            line.deps.extend(parse_dep_list(clause.group(1)))
        rest = _DEP_CLAUSE.sub("", rest)
        line.extra = _DEP_CLAUSE.sub("", line.extra).strip()
    line.title = rest.strip()
    if task_id is not None and not struck and line.title.startswith("~~"):
        unstruck = wholly_struck(line.title)
        if unstruck is not None:
            line.title, line.struck, line.mark = unstruck, True, PlanMark.SKIPPED
    return line


def other_prefix(task_id: str) -> str | None:
    """The prefix of an ID of another shape than ``T…`` (``DB`` of ``DB001``), else ``None``."""
    if task_id[:1] == "T" and task_id[1:2] in _T_SECOND or _OTHER_ID.match(task_id) is None:
        return None
    found = _PREFIX.match(task_id)
    return found.group(0) if found else None


def _done_mark(text: str) -> int:
    """The length of the done mark (``✅``, ``✔️``, ``☑``) ``text`` begins with, else 0."""
    found = _DONE_MARK.match(text)
    return found.end() if found else 0


def wholly_struck(title: str) -> str | None:
    """A title struck through as a whole (``~~Old idea~~``) without its strikes, else ``None``."""
    if _WHOLLY_STRUCK.fullmatch(title) is None:
        return None
    return title.strip().rstrip(".").strip().removeprefix("~~").removesuffix("~~").strip()


_NUMBERED_HEADING = re.compile(
    r"(?P<id>\d+(?:\.\d+)+[a-z]?)\.?(?:\s*[:\u2013\u2014-]\s*|\s+)(?P<title>\S.*)$"
)
_SYMBOLS = re.compile(r"(?:[\u2600-\u27bf\u2b00-\u2bff\U0001f300-\U0001faff]\ufe0f?\s*)+")


@dataclass(slots=True)
class HeadingTask:
    """A heading that names a task: ``### Task 2.1: X``, ``### T01 — X``, ``### ✅ P001: X``."""

    task_id: str
    title: str
    done: bool = False
    """A ``✅`` / ``✔`` / ``☑`` in the heading marks the task done."""
    struck: bool = False
    """Its ID or its whole title is struck through: the task is skipped."""


def heading_task(text: str) -> HeadingTask | None:
    """The task a heading names (``Task 2.1: X``, ``T01 — X``, ``T026-T027: X``), else ``None``.

    ``Task 2.1`` gets the ID ``2.1``; an ID-shaped heading keeps its ID (a range is one task).
    Symbols before the ID (``✅``, ``🔧``) are skipped; a done mark anywhere marks it done.
    """
    cleaned = text.strip()
    symbols = _SYMBOLS.match(cleaned)
    done = False
    if symbols is not None:
        done = any(char in DONE_MARKS for char in symbols.group(0))
        cleaned = cleaned[symbols.end() :]
    cleaned, struck = _unstrike(cleaned)
    match = _HEADING_TASK.match(cleaned)
    if match is None:
        return None
    number = match.group("number")
    task_id = number or normalise_id(match.group("id"))
    if not number and not _T_ID.match(task_id) and not (match.group("separator") or done):
        return None  # ``### ES2015 support``: another prefix names a task as ``### P001: …``
    title = match.group("title").strip()
    if any(char in DONE_MARKS for char in title):
        done = True
        title = _DONE_NOTE.sub(" ", title).strip().lstrip(":.\u2013\u2014- ")
    title = title.strip("*_").strip()
    unstruck = None if struck else wholly_struck(title)
    if unstruck is not None:
        title, struck = unstruck, True
    return HeadingTask(task_id, title or text.strip(), done, struck)


def numbered_heading(text: str) -> HeadingTask | None:
    """``1.4 Seed data`` as a task ``1.4``: a dotted number opening a heading beside
    ``### Task 1.3: …`` headings (the caller checks that), else ``None``."""
    cleaned, struck = _unstrike(text.strip())
    match = _NUMBERED_HEADING.match(cleaned.strip("*_ "))
    if match is None:
        return None
    title = match.group("title").strip().strip("*_").strip()
    done = any(char in DONE_MARKS for char in title)
    if done:
        title = _DONE_NOTE.sub(" ", title).strip()
    return HeadingTask(match.group("id"), title or text.strip(), done, struck)
