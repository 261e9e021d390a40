"""Taskmaster ``tasks.json``: tasks with subtasks, dependencies, status and priority.

Both layouts are read: the tagged one (``{"master": {"tasks": [...]}}``, one phase per tag) and
the legacy one (``{"tasks": [...]}``). Task ``7`` keeps its ID; its subtask ``2`` is ``7.2``.
Each tag numbers its tasks from 1, so the IDs of every tag after the first carry the tag:
``feature-login:1``.
A subtask's numeric dependency names a sibling (``7.1``); a parent depends on its subtasks, so it
runs once they are done. ``done``/``completed`` read as done, ``cancelled``/``deferred`` as
skipped, everything else as pending. Progress is written back as the task's ``"status"`` value,
every other byte unchanged (:func:`set_status`). A fenced shell block in a task's ``details``
holds the commands the ``shell`` adapter runs for it, as under a markdown task.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from json import decoder, scanner
from typing import Any

from orch.domain.plan import Diagnostic, ParseResult, Phase, Plan, PlanMark, Task
from orch.parsing.drafts import INTERPRETERS, SHELL_INFOS

DONE = frozenset({"done", "completed", "complete"})
SKIPPED = frozenset({"cancelled", "canceled", "deferred"})
_FENCE = re.compile(r"^```[ \t]*(\w*)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
_STATUS = re.compile(r'"status"\s*:\s*"((?:[^"\\]|\\.)*)"')
PRIORITIES = {"critical": 10, "high": 8, "medium": 5, "low": 2}
"""Taskmaster's priority words on orch's 0-10 scale (higher runs first among ready tasks)."""
_WRITTEN = {PlanMark.DONE: "done", PlanMark.SKIPPED: "cancelled", PlanMark.PENDING: "pending"}
Spans = dict[int, tuple[int, int]]


def task_lists(data: Any) -> list[tuple[str, list[Any]]]:
    """``(tag, tasks)`` for each task list in a decoded ``tasks.json``; empty if it has none."""
    if isinstance(data, dict) and isinstance(data.get("tasks"), list):
        return [("tasks", data["tasks"])]
    if isinstance(data, dict):
        return [
            (str(tag), value["tasks"])
            for tag, value in data.items()
            if isinstance(value, dict) and isinstance(value.get("tasks"), list)
        ]
    return []


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


def parse_taskmaster(text: str, source: str = "<plan>") -> ParseResult:
    """Parse a Taskmaster ``tasks.json`` (text already known to be JSON with task lists)."""
    data, spans = decode(text)
    starts = [0] + [match.end() for match in re.finditer("\n", text)]
    plan = Plan(title="Taskmaster tasks", source=source, format="taskmaster")
    errors: list[Diagnostic] = []
    for number, (tag, tasks) in enumerate(task_lists(data), start=1):
        phase = Phase(id=str(number), title=tag, line=_line(starts, spans, tasks, data))
        prefix = _prefix(number, tag)
        for entry in tasks:
            if isinstance(entry, dict):
                phase.tasks.extend(_tasks(entry, prefix, phase.id, starts, spans))
        if phase.tasks:
            plan.phases.append(phase)
    if not plan.tasks():
        errors.append(Diagnostic(line=1, message="no tasks found in the Taskmaster tasks.json"))
    return ParseResult(plan=plan, errors=errors)


def _prefix(number: int, tag: str) -> str | None:
    """The ID prefix of the ``number``-th task list: none for the first (``master``); the tag
    and a colon for the others, whose IDs restart at 1 (``feature-login:1``)."""
    return None if number == 1 else f"{tag}:"


def _line(starts: list[int], spans: Spans, found: Any, fallback: Any) -> int:
    span = spans.get(id(found)) or spans.get(id(fallback)) or (0, 0)
    return bisect_right(starts, span[0])


def _tasks(
    entry: dict[str, Any], parent: str | None, phase_id: str, starts: list[int], spans: Spans
) -> list[Task]:
    raw_id = str(entry.get("id", "")).strip()
    task_id = _child_id(parent, raw_id)
    status = str(entry.get("status", "pending")).strip().lower()
    subtasks = [sub for sub in entry.get("subtasks") or [] if isinstance(sub, dict)]
    depends = [_dependency(dep, parent) for dep in entry.get("dependencies") or []]
    depends += [f"{task_id}.{sub.get('id')}" for sub in subtasks]
    labels = [f"priority:{entry['priority']}"] if entry.get("priority") else []
    parts = [str(entry.get(key) or "").strip() for key in ("description", "details")]
    if entry.get("testStrategy"):
        parts.append(f"Test strategy: {str(entry['testStrategy']).strip()}")
    commands = [
        (fence.group(2).strip("\n"), INTERPRETERS.get(fence.group(1).lower(), "bash"))
        for fence in _FENCE.finditer(str(entry.get("details") or ""))
        if fence.group(1).lower() in SHELL_INFOS and fence.group(2).strip()
    ]
    task = Task(
        id=task_id,
        commands=[script for script, _ in commands],
        shells=[shell for _, shell in commands],
        title=str(entry.get("title") or f"Task {task_id}").strip(),
        phase_id=phase_id,
        line=bisect_right(starts, spans.get(id(entry), (0, 0))[0]),
        mark=PlanMark.DONE
        if status in DONE
        else (PlanMark.SKIPPED if status in SKIPPED else PlanMark.PENDING),
        depends_on=list(dict.fromkeys(depends)),
        labels=labels,
        priority=PRIORITIES.get(str(entry.get("priority", "")).strip().lower(), 0),
        description="\n\n".join(part for part in parts if part),
    )
    found = [task]
    for sub in subtasks:
        found.extend(_tasks(sub, task_id, phase_id, starts, spans))
    return found


def _child_id(parent: str | None, raw_id: str) -> str:
    """`7` under `None`; `7.2` under `7`; `feature:7` under the tag prefix `feature:`."""
    if not parent:
        return raw_id
    return f"{parent}{raw_id}" if parent.endswith(":") else f"{parent}.{raw_id}"


def _dependency(value: Any, parent: str | None) -> str:
    text = str(value).strip()
    if not parent:
        return text
    tag = parent[: parent.index(":") + 1] if ":" in parent else ""
    if parent.endswith(":") or "." in text:
        return f"{tag}{text}"  # a task of the same tag (or a subtask ``7.1`` of it)
    return f"{parent}.{text}"


def set_status(text: str, task_id: str, mark: PlanMark) -> str:
    """``text`` with the ``"status"`` of task ``task_id`` set for ``mark``; all else unchanged.

    ``ValueError`` when no such task (or no status field) is found.
    """
    data, spans = decode(text)
    for number, (tag, tasks) in enumerate(task_lists(data), start=1):
        for entry, children in _walk(tasks, _prefix(number, tag)):
            if entry[0] != task_id:
                continue
            start, end = spans[id(entry[1])]
            inner = [spans[id(child)] for child in children]
            for match in _STATUS.finditer(text, start, end):
                if not any(low <= match.start() < high for low, high in inner):
                    if match.group(1).lower() in DONE and mark is PlanMark.DONE:
                        return text
                    value = json.dumps(_WRITTEN[mark])
                    return text[: match.start(1) - 1] + value + text[match.end(1) + 1 :]
            raise ValueError(f"task {task_id} has no status field")
    raise ValueError(f"no task {task_id} in the tasks.json")


def _walk(
    tasks: list[Any], parent: str | None
) -> list[tuple[tuple[str, dict[str, Any]], list[dict[str, Any]]]]:
    found: list[tuple[tuple[str, dict[str, Any]], list[dict[str, Any]]]] = []
    for entry in tasks:
        if not isinstance(entry, dict):
            continue
        task_id = _child_id(parent, str(entry.get("id", "")).strip())
        subtasks = [sub for sub in entry.get("subtasks") or [] if isinstance(sub, dict)]
        found.append(((task_id, entry), subtasks))
        found.extend(_walk(subtasks, task_id))
    return found
