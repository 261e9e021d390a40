"""Task IDs across a plan: duplicate renaming and dependency range expansion."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from orch.domain.plan import Diagnostic
from orch.parsing.drafts import TaskDraft

_NUMBERED = re.compile(r"T(\d+)([a-z]?)")


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


def _key(task_id: str) -> tuple[int, str] | None:
    match = _NUMBERED.match(task_id)
    return (int(match.group(1)), match.group(2)) if match else None


def resolve_dependencies(tasks: list[TaskDraft]) -> dict[int, list[str]]:
    """Each task's dependency IDs (keyed by ``id(draft)``), ranges expanded, duplicates removed.

    A range ``T003-T005`` means every existing ID from T003 to T005 in numeric order (``T004a``
    included). An endpoint that names no task is kept, so the graph check reports it as unknown.
    """
    keyed = sorted(
        (key, task.task_id or "")
        for task in tasks
        if task.task_id and "#" not in task.task_id and (key := _key(task.task_id)) is not None
    )
    keys = [key for key, _ in keyed]
    known = {task.task_id for task in tasks}
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
            for candidate in candidates:
                if candidate not in seen:
                    seen.add(candidate)
                    resolved.append(candidate)
        result[id(task)] = resolved
    return result


def _expand(
    first: str,
    last: str,
    keyed: list[tuple[tuple[int, str], str]],
    keys: list[tuple[int, str]],
    known: set[str | None],
) -> list[str]:
    low, high = _key(first), _key(last)
    if low is None or high is None:
        return [first, last]
    if low > high:
        low, high = high, low
    inside = [task_id for _, task_id in keyed[bisect_left(keys, low) : bisect_right(keys, high)]]
    missing = [endpoint for endpoint in (first, last) if endpoint not in known]
    return inside + missing
