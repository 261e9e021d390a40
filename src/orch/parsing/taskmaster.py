"""Taskmaster ``tasks.json``: tasks with subtasks, dependencies, status and priority.

Both layouts are read: the tagged one (``{"master": {"tasks": [...]}}``, or a tag holding its
list directly, ``{"master": [...]}``; one phase per tag) and the legacy one
(``{"tasks": [...]}``). Task ``7`` keeps its ID; its subtask ``2`` is ``7.2``.
Each tag numbers its tasks from 1, so the IDs of every tag after the first carry the tag:
``feature-login:1``.
A subtask's numeric dependency names a sibling (``7.1``) when one has that id, else the
top-level task of that id, as Taskmaster reads it; a parent depends on its subtasks, so it runs
once they are done. A reused id is a warning and both tasks are kept and run, the second as
``5#2`` (its status is written to it, never to the first). ``done``/``completed`` read as
done, ``cancelled``/``deferred`` as skipped, everything else as pending. Progress is written
back as the task's ``"status"`` value (``"done"``; ``"cancelled"`` for a skipped task), every
other byte unchanged (:func:`set_status`). A fenced shell block in a task's ``details`` holds
the commands the ``shell`` adapter runs for it, as under a markdown task.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from json import decoder, scanner
from typing import Any, Literal

from orch.domain.plan import Diagnostic, ParseResult, Phase, Plan, PlanMark, Task
from orch.parsing.drafts import INTERPRETERS, SHELL_INFOS, priority_word

DONE = frozenset({"done", "completed", "complete"})
SKIPPED = frozenset({"cancelled", "canceled", "deferred"})
_FENCE = re.compile(r"^```[ \t]*(\w*)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
_STATUS = re.compile(r'"status"\s*:\s*"((?:[^"\\]|\\.)*)"')
_WRITTEN = {PlanMark.DONE: "done", PlanMark.SKIPPED: "cancelled", PlanMark.PENDING: "pending"}
Spans = dict[int, tuple[int, int]]


def task_lists(data: Any) -> list[tuple[str, list[Any]]]:
    """``(tag, tasks)`` for each task list in a decoded ``tasks.json``; empty if it has none."""
    if isinstance(data, dict) and isinstance(data.get("tasks"), list):
        return [("tasks", data["tasks"])]
    if isinstance(data, dict):
        found: list[tuple[str, list[Any]]] = []
        for tag, value in data.items():
            if isinstance(value, dict) and isinstance(value.get("tasks"), list):
                found.append((str(tag), value["tasks"]))
            elif _bare_task_list(value):  # a tag holding its task list directly
                found.append((str(tag), value))
        return found
    return []


def _bare_task_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(entry, dict) and "id" in entry for entry in value)
        and any("title" in entry for entry in value)
    )


def decode(text: str) -> tuple[Any, Spans]:
    """The decoded JSON and, for every object in it, its ``(start, end)`` offsets in ``text``."""
    spans: Spans = {}
    reader = json.JSONDecoder()

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        found, end = decoder.JSONObject(s_and_end, *args)  # type: ignore[attr-defined]
        spans[id(found)] = (s_and_end[1] - 1, end)
        return found, end

    # The pure-Python scanner calls ``parse_object`` for every object, so it can note offsets.
    attributes = vars(reader)
    attributes["parse_object"] = parse_object
    attributes["scan_once"] = scanner.py_make_scanner(reader)  # type: ignore[attr-defined]
    # A byte-order mark becomes a blank of the same length: offsets stay those of ``text``.
    return reader.decode(text.replace("\ufeff", " ", 1) if text[:1] == "\ufeff" else text), spans


def parse_taskmaster(text: str, source: str = "<plan>", *, strict: bool = False) -> ParseResult:
    """Parse a Taskmaster ``tasks.json`` (text already known to be JSON with task lists).
    ``strict`` makes a reused id an error, as in a markdown plan."""
    data, spans = decode(text)
    starts = [0] + [match.end() for match in re.finditer("\n", text)]
    plan = Plan(title="Taskmaster tasks", source=source, format="taskmaster")
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    entries = _entries(data)
    (errors if strict else warnings).extend(_duplicates(entries, starts, spans, strict))
    for number, (tag, tasks) in enumerate(task_lists(data), start=1):
        phase = Phase(id=str(number), title=tag, line=_line(starts, spans, tasks, data))
        listed = [entry for entry in entries if entry.tag == number]
        for entry in listed:
            phase.tasks.append(_task(entry, listed, phase.id, starts, spans, errors))
        if phase.tasks:
            plan.phases.append(phase)
    if not plan.tasks():
        errors.append(Diagnostic(line=1, message="no tasks found in the Taskmaster tasks.json"))
    return ParseResult(plan=plan, errors=errors, warnings=warnings)


@dataclass(slots=True)
class _Entry:
    """One task or subtask of a ``tasks.json`` with the ID orch gives it."""

    task_id: str
    written_id: str
    """The ID as the file writes it, qualified by its parent: ``7.2`` (``7#2.1`` when renamed)."""
    raw: dict[str, Any]
    tag: int
    parent: _Entry | None
    subtasks: list[dict[str, Any]]


def _entries(data: Any) -> list[_Entry]:
    """Every task and subtask in file order; a reused ID (two tasks ``5`` in one tag, or two
    subtasks ``5.1``) is kept as ``5#2``, as markdown plans keep theirs."""
    found: list[_Entry] = []
    taken: set[str] = set()

    def visit(tasks: list[Any], parent: _Entry | None, tag: int, prefix: str | None) -> None:
        for position, raw in enumerate(tasks, start=1):
            if not isinstance(raw, dict):
                continue
            own = str(raw.get("id", "")).strip() or str(position)  # an id-less entry: its place
            base = _child_id(parent.task_id if parent else prefix, own)
            task_id, count = base, 1
            while task_id in taken:
                count += 1
                task_id = f"{base}#{count}"
            taken.add(task_id)
            subtasks = [sub for sub in raw.get("subtasks") or [] if isinstance(sub, dict)]
            entry = _Entry(task_id, base, raw, tag, parent, subtasks)
            found.append(entry)
            visit(subtasks, entry, tag, prefix)

    for number, (tag, tasks) in enumerate(task_lists(data), start=1):
        visit(tasks, None, number, _prefix(number, tag))
    return found


def _duplicates(
    entries: list[_Entry], starts: list[int], spans: Spans, strict: bool
) -> list[Diagnostic]:
    first: dict[str, int] = {}
    found: list[Diagnostic] = []
    for entry in entries:
        line = bisect_right(starts, spans.get(id(entry.raw), (0, 0))[0])
        if entry.task_id == entry.written_id:
            first.setdefault(entry.written_id, line)
            continue
        message = (
            f"duplicate task ID {entry.written_id} (lines {first.get(entry.written_id, 1)} and "
            f"{line}); the task at line {line} is kept as {entry.task_id}"
        )
        hint = "give every task its own id; dependencies on it refer to the first one"
        severity: Literal["error", "warning"] = "error" if strict else "warning"
        found.append(Diagnostic(line=line, severity=severity, message=message, hint=hint))
    return found


def _prefix(number: int, tag: str) -> str | None:
    """The ID prefix of the ``number``-th task list: none for the first (``master``); the tag
    and a colon for the others, whose IDs restart at 1 (``feature-login:1``)."""
    return None if number == 1 else f"{tag}:"


def _line(starts: list[int], spans: Spans, found: Any, fallback: Any) -> int:
    span = spans.get(id(found)) or spans.get(id(fallback)) or (0, 0)
    return bisect_right(starts, span[0])


def _task(
    entry: _Entry,
    listed: list[_Entry],
    phase_id: str,
    starts: list[int],
    spans: Spans,
    errors: list[Diagnostic],
) -> Task:
    raw = entry.raw
    line = bisect_right(starts, spans.get(id(raw), (0, 0))[0])
    status = str(raw.get("status", "pending")).strip().lower()
    depends = [
        _dependency(dep, entry, listed, line, errors) for dep in raw.get("dependencies") or []
    ]
    children = [e.task_id for e in listed if e.parent is entry]
    labels = [f"priority:{raw['priority']}"] if raw.get("priority") else []
    parts = [str(raw.get(key) or "").strip() for key in ("description", "details")]
    if raw.get("testStrategy"):
        parts.append(f"Test strategy: {str(raw['testStrategy']).strip()}")
    commands = [
        (fence.group(2).strip("\n"), INTERPRETERS.get(fence.group(1).lower(), "bash"))
        for fence in _FENCE.finditer(str(raw.get("details") or ""))
        if fence.group(1).lower() in SHELL_INFOS and fence.group(2).strip()
    ]
    return Task(
        id=entry.task_id,
        commands=[script for script, _ in commands],
        shells=[shell for _, shell in commands],
        title=str(raw.get("title") or f"Task {entry.task_id}").strip(),
        phase_id=phase_id,
        line=line,
        mark=PlanMark.DONE
        if status in DONE
        else (PlanMark.SKIPPED if status in SKIPPED else PlanMark.PENDING),
        depends_on=list(dict.fromkeys(dep for dep in [*depends, *children] if dep)),
        labels=labels,
        priority=priority_word(str(raw.get("priority", ""))) or 0,
        description="\n\n".join(part for part in parts if part),
    )


def _child_id(parent: str | None, raw_id: str) -> str:
    """`7` under `None`; `7.2` under `7`; `feature:7` under the tag prefix `feature:`; a subtask
    id written whole (`"7.2"` under `7`) is kept, never doubled to `7.7.2`."""
    if not parent:
        return raw_id
    local = parent.rpartition(":")[2]
    if local and raw_id.startswith(f"{local}."):
        return parent[: len(parent) - len(local)] + raw_id
    return f"{parent}{raw_id}" if parent.endswith(":") else f"{parent}.{raw_id}"


def _dependency(
    value: Any, entry: _Entry, listed: list[_Entry], line: int, errors: list[Diagnostic]
) -> str:
    """The task ID a ``dependencies`` value names, read as Taskmaster reads it.

    On a top-level task, ``3`` is task 3 of the same tag and ``3.2`` its subtask. On a subtask,
    a bare number is a sibling subtask when one has that id, else the top-level task of that
    id; when neither exists the error names both readings.
    """
    text = str(value).strip()
    tag = entry.task_id[: entry.task_id.index(":") + 1] if ":" in entry.task_id else ""
    if entry.parent is None or "." in text:
        return f"{tag}{text}"
    ids: dict[str, str] = {}
    for other in listed:
        ids.setdefault(other.written_id, other.task_id)  # a reused id means the first one
    sibling = f"{entry.parent.written_id}.{text}"
    top = f"{tag}{text}"
    for candidate in (sibling, top):
        if candidate in ids and ids[candidate] != entry.task_id:  # never itself
            return ids[candidate]
    errors.append(
        Diagnostic(
            line=line,
            message=(
                f"task {entry.task_id} depends on {text!r}: there is no sibling subtask "
                f"{sibling} and no task {top}"
            ),
            hint="a subtask's number names a sibling subtask, else a top-level task; "
            "fix the dependencies list",
        )
    )
    return ""


def set_status(text: str, task_id: str, mark: PlanMark) -> str:
    """``text`` with the ``"status"`` of task ``task_id`` set for ``mark``; all else unchanged.

    ``task_id`` is the ID the parser gave the task (``5#2`` for the second task ``5``), so a
    duplicate's mark goes to that task, never to the first one. ``ValueError`` when no such
    task (or no status field) is found.
    """
    data, spans = decode(text)
    for entry in _entries(data):
        if entry.task_id != task_id:
            continue
        start, end = spans[id(entry.raw)]
        inner = [spans[id(child)] for child in entry.subtasks]
        for match in _STATUS.finditer(text, start, end):
            if not any(low <= match.start() < high for low, high in inner):
                if match.group(1).lower() in DONE and mark is PlanMark.DONE:
                    return text
                value = json.dumps(_WRITTEN[mark])
                return text[: match.start(1) - 1] + value + text[match.end(1) + 1 :]
        raise ValueError(f"task {task_id} has no status field")
    raise ValueError(f"no task {task_id} in the tasks.json")
