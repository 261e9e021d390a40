"""Task IDs across a plan: duplicate renaming and dependency range expansion."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from orch.domain.plan import Diagnostic
from orch.parsing.blocks import Block, Heading, Item, Paragraph, Table
from orch.parsing.drafts import TaskDraft
from orch.parsing.taskline import checkbox_id, heading_task, leading_id, other_prefix

_NUMBERED = re.compile(r"([A-Z]+)-?([A-Z]*)(\d+)([A-Za-z]?)(?![\w.])")
_RANGE = re.compile(r"([A-Z]+-?[A-Z]*\d+[A-Za-z]?)-([A-Z]+-?[A-Z]*\d+[A-Za-z]?)")


def rename_duplicates(tasks: list[TaskDraft], strict: bool) -> list[Diagnostic]:
    """Rename the second and later uses of an ID to ``ID#2``, ``ID#3`` …; one message each.

    The messages are warnings, or errors with ``strict``. Both tasks are kept.
    """
    first_line: dict[str, int] = {}
    counts: dict[str, int] = {}
    taken = {task.task_id for task in tasks}
    found: list[Diagnostic] = []
    for task in tasks:
        task_id = task.task_id or ""
        if task_id not in first_line:
            first_line[task_id] = task.line
            continue
        count = counts.get(task_id, 1) + 1
        renamed = f"{task_id}#{count}"
        while renamed in taken:
            count += 1
            renamed = f"{task_id}#{count}"
        counts[task_id] = count
        taken.add(renamed)
        task.task_id = renamed
        found.append(
            Diagnostic(
                line=task.line,
                severity="error" if strict else "warning",
                message=(
                    f"duplicate task ID {task_id} (lines {first_line[task_id]} and {task.line}); "
                    f"the task at line {task.line} is kept as {renamed}"
                ),
                hint="give every task its own ID; dependencies on it refer to the first one",
            )
        )
    return found


IdKey = tuple[str, int, str]


def _key(task_id: str) -> IdKey | None:
    """``T-HF012a`` -> ``("THF", 12, "a")``: IDs of one prefix sort by number, then letter."""
    match = _NUMBERED.match(task_id)
    if match is None:
        return None
    return match.group(1) + match.group(2), int(match.group(3)), match.group(4).lower()


def lone_prefixes(tasks: list[TaskDraft]) -> list[Diagnostic]:
    """A warning for each task whose ID has another prefix than ``T`` that no other task uses:
    read as a task all the same (``H264 encoding`` may be prose), so the plan author can tell."""
    by_prefix: dict[str, list[TaskDraft]] = {}
    for task in tasks:
        prefix = other_prefix(task.task_id or "")
        if prefix is not None:
            by_prefix.setdefault(prefix, []).append(task)
    return [
        Diagnostic(
            line=alone[0].line,
            severity="warning",
            message=(
                f"{alone[0].task_id} is read as a task ID, though no other task uses "
                f"the prefix {prefix}"
            ),
            hint="task IDs look like T001; if this is no task, write it without a checkbox",
        )
        for prefix, alone in by_prefix.items()
        if len(alone) == 1
    ]


def ids_named(blocks: list[Block]) -> list[str]:
    """The task-ID-shaped tokens that open the headings, items and lines of ``blocks``."""
    named: list[str] = []
    pending: list[Item] = []
    for block in blocks:
        if isinstance(block, Heading):
            texts = [block.text.lstrip("#✅✔☑️ ")]
        elif isinstance(block, Paragraph):
            texts = block.text.split("\n")
        elif isinstance(block, Item):
            pending.append(block)
            continue
        else:
            continue
        named.extend(found for text in texts if (found := leading_id(text)) is not None)
    while pending:
        item = pending.pop(0)
        text = item.text
        if text.startswith("[") and "]" in text:
            text = text[text.index("]") + 1 :]
        found = leading_id(text)
        if found is not None:
            named.append(found)
        pending.extend(item.children)
    firsts = [(cut.group(1) if (cut := _RANGE.fullmatch(name)) else name) for name in named]
    return list(dict.fromkeys(firsts))


class RangeIndex:
    """Tasks written as ranges (``T005-T010``): an ID inside one resolves to the range task."""

    def __init__(self, task_ids: list[str]) -> None:
        self._ranges: list[tuple[IdKey, IdKey, str]] = []
        for task_id in task_ids:
            match = _RANGE.fullmatch(task_id)
            low = _key(match.group(1)) if match else None
            high = _key(match.group(2)) if match else None
            if low is not None and high is not None and low[0] == high[0]:
                self._ranges.append((min(low, high), max(low, high), task_id))

    def owner(self, task_id: str) -> str | None:
        """The range task whose range holds ``task_id``, else ``None``."""
        if not self._ranges:
            return None
        key = _key(task_id)
        if key is None:
            return None
        return next((name for low, high, name in self._ranges if low <= key <= high), None)


def resolve_dependencies(
    tasks: list[TaskDraft], warnings: list[Diagnostic] | None = None
) -> dict[int, list[str]]:
    """Each task's dependency IDs (keyed by ``id(draft)``), ranges expanded, duplicates removed.

    A range ``T003-T005`` means every existing ID from T003 to T005 in numeric order (``T004a``
    included). A ``T`` ID or endpoint that names no task is kept, so the graph check reports it
    as unknown; an ID of another shape (``PR12`` in ``(after PR12 merges)``) that names no task
    is prose: dropped, with a warning in ``warnings``.
    """
    keyed = sorted(
        (key, task.task_id or "")
        for task in tasks
        if task.task_id and "#" not in task.task_id and (key := _key(task.task_id)) is not None
    )
    keys = [key for key, _ in keyed]
    known = {task.task_id for task in tasks}
    ranges = RangeIndex([task.task_id for task in tasks if task.task_id])
    result: dict[int, list[str]] = {}
    for task in tasks:
        resolved: list[str] = []
        seen: set[str] = set()
        for ref, _line in task.deps:
            if ref.last is None:
                candidates = [ref.first]
            else:
                candidates = _expand(ref.first, ref.last, keyed, keys, known)
                candidates = [c for c in candidates if c != task.task_id]
            for found in candidates:
                candidate = found if found in known else (ranges.owner(found) or found)
                if candidate not in known and other_prefix(candidate) is not None:
                    if warnings is not None:
                        warnings.append(_not_a_dependency(task, candidate, _line))
                    continue
                if candidate in seen or (candidate != found and candidate == task.task_id):
                    continue
                seen.add(candidate)
                resolved.append(candidate)
        result[id(task)] = resolved
    return result


def _not_a_dependency(task: TaskDraft, name: str, line: int) -> Diagnostic:
    return Diagnostic(
        line=line,
        severity="warning",
        message=f"{task.label}: {name} in its dependencies names no task; ignored",
    )


def _expand(
    first: str,
    last: str,
    keyed: list[tuple[IdKey, str]],
    keys: list[IdKey],
    known: set[str | None],
) -> list[str]:
    low, high = _key(first), _key(last)
    if low is None or high is None or low[0] != high[0]:
        return [first, last]
    if low > high:
        low, high = high, low
    inside = [task_id for _, task_id in keyed[bisect_left(keys, low) : bisect_right(keys, high)]]
    missing = [endpoint for endpoint in (first, last) if endpoint not in known]
    return inside + missing


def names_task(task_id: str, known: set[str | None], ranges: RangeIndex) -> bool:
    """Whether ``task_id`` names a task: one of ``known``, one inside a range task, or a range
    whose first ID does."""
    if task_id in known:
        return True
    first = _RANGE.fullmatch(task_id)
    task_id = first.group(1) if first else task_id
    return task_id in known or ranges.owner(task_id) is not None


def outside_mentions(blocks: list[Block]) -> list[tuple[int, str]]:
    """``(line, ID)`` of the list items (with a checkbox or without), headings and table rows
    that start with a task ID, in blocks outside every phase."""
    found: list[tuple[int, str]] = []
    pending: list[Item] = []
    for block in blocks:
        if isinstance(block, Item):
            pending.append(block)
        elif isinstance(block, Heading):
            heading = heading_task(block.text)
            if heading is not None and heading.task_id[:1].isupper():
                found.append((block.line, heading.task_id))
        elif isinstance(block, Table):
            for offset, row in enumerate(block.text.split("\n")):
                named = leading_id(row.lstrip("| \t"))
                if named is not None:
                    found.append((block.line + offset, named))
    while pending:
        item = pending.pop()
        pending.extend(item.children)
        named = checkbox_id(item.text) or leading_id(item.text)
        if named is not None:
            found.append((item.line, named))
    return found


def unclaimed(
    mentions: list[tuple[int, str]], outside: list[tuple[int, str]], tasks: list[TaskDraft]
) -> list[Diagnostic]:
    """Warnings for lines that start with a task ID naming no task of the plan.

    ``mentions`` are ``(line, ID)`` of checkbox-less items inside phases; ``outside`` are those
    of items, headings and table rows outside every phase (:func:`outside_mentions`), which
    refer to tasks rather than being ones. An ID that names a task (or falls inside a range
    task; a range names its first ID) is a reference: no warning.
    """
    known: set[str | None] = {task.task_id for task in tasks}
    ranges = RangeIndex([task.task_id for task in tasks if task.task_id])
    found: list[Diagnostic] = []
    for line, task_id in mentions:
        if not names_task(task_id, known, ranges):
            found.append(
                _unclaimed(line, f"{task_id} has no checkbox, so it is not read as a task")
            )
    for line, task_id in outside:
        if not names_task(task_id, known, ranges):
            found.append(_unclaimed(line, f"{task_id} is outside every phase"))
    return found


def _unclaimed(line: int, why: str) -> Diagnostic:
    return Diagnostic(
        line=line,
        severity="warning",
        message=f"item looks like a task but is not one: {why}",
        hint="write it as `- [ ] T001 Title` under a `## Phase N:` heading",
    )
