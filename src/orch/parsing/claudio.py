"""Claudio ``.claudio/`` trees: ``plan.md``, ``phaseN/tasks.md`` and per-task ``status.md`` files.

Each ``phaseN/tasks.md`` is one phase; its ``### Task M: …`` headings are its tasks, with the ID
``N.M`` (a heading already numbered ``Task N.M`` keeps its number); a "Success Criteria"
checklist is the phase's acceptance criteria, not tasks. A task's status comes from its
``phaseN/taskM_name/status.md`` (or ``taskM-name/``, ``taskM/``): a ``- **Status**: Completed``
line, or ``**Current Status**: Completed``. It is written back there, the rest of the file
unchanged; a task with no status file gets one, in the shape Claudio writes (:func:`new_status`).

Parsing does no file I/O: :mod:`orch.planfile` reads the tree and hands it over as one *bundle*
text, each file introduced by a ``<!-- orch:claudio PATH -->`` line (:func:`bundle`).
"""

from __future__ import annotations

import re
from typing import Literal

from orch.domain.plan import Diagnostic, ParseResult, Phase, Plan, PlanMark
from orch.parsing.formats import CLAUDIO_MARKER
from orch.parsing.taskline import DONE_MARKS

MARKER = CLAUDIO_MARKER
_FILE = re.compile(r"^<!-- orch:claudio (\S+) -->$", re.MULTILINE)
_HEADING = re.compile(r"^#[ \t]+(.+)$", re.MULTILINE)
_NAMED = r"(?:[-_ ][^/]*)?"
"""A folder's optional name after its number: ``task1_rust_setup``, ``phase2-api``."""
_PHASE_DIR = re.compile(rf"^phase(\d+){_NAMED}$")
_TASKS_FILE = re.compile(rf"^phase(\d+){_NAMED}/tasks\.md$")
_STATUS_FILE = re.compile(rf"^phase(\d+){_NAMED}/task(\d+){_NAMED}/status\.md$")
_STATUS = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?[ \t]*(?:Current[ \t]+)?Status[ \t]*(?:\*\*|__)?[ \t]*:"
    r"(?:\*\*|__)?[ \t]*([^\r\n]*)",
    re.IGNORECASE | re.MULTILINE,
)
_STATUS_HEADING = re.compile(
    r"^#{1,6}[ \t]*(?:Current[ \t]+)?Status[ \t]*:?[ \t]*\r?\n(?:[ \t]*\r?\n)*[ \t]*"
    r"(?:[-*+][ \t]+)?([^\r\n#]*\S)",
    re.IGNORECASE | re.MULTILINE,
)
"""A status written as a heading and the line under it: ``## Status`` / ``Completed``."""
_SYMBOLS = re.compile(r"^[^\w]+")
_DONE = re.compile(r"^(?:complete|completed|done|finished)\b", re.IGNORECASE)
_SKIPPED = re.compile(r"^(?:skipped|cancell?ed|dropped)\b", re.IGNORECASE)
_WRITTEN = {
    PlanMark.DONE: "Completed",
    PlanMark.SKIPPED: "Skipped",
    PlanMark.PENDING: "Not Started",
}


def bundle(files: dict[str, str]) -> str:
    """One text holding every file of a tree (paths relative to ``.claudio/``, ``/``-separated)."""
    return "".join(f"{MARKER}{path} -->\n{text.rstrip(chr(10))}\n" for path, text in files.items())


def unbundle(text: str) -> dict[str, str]:
    """The files of a :func:`bundle` text."""
    found = list(_FILE.finditer(text))
    return {
        match.group(1): text[match.end() + 1 : found[i + 1].start() if i + 1 < len(found) else None]
        for i, match in enumerate(found)
    }


def without_status(text: str) -> str:
    """A bundle without its ``status.md`` files: what the tree plans, not how far it got."""
    files = unbundle(text)
    if not files:
        return text
    return bundle({path: body for path, body in files.items() if not _STATUS_FILE.match(path)})


def status_path(task_id: str, paths: list[str]) -> str | None:
    """The ``status.md`` of task ``N.M`` among ``paths``, if the tree has one."""
    for path in paths:
        match = _STATUS_FILE.match(path)
        if match and f"{int(match.group(1))}.{int(match.group(2))}" == task_id:
            return path
    return None


def new_status_path(task_id: str, title: str, folders: list[str]) -> str | None:
    """Where a task ``N.M`` without a status file gets one: in its ``phaseN/taskM…/`` folder
    when ``folders`` (the tree's phase and task folders, relative to it) hold one, else a new
    ``taskM_<name>/`` in its phase's folder."""
    match = re.fullmatch(r"(\d+)\.(\d+)", task_id)
    if match is None:
        return None
    phase, number = int(match.group(1)), int(match.group(2))
    for folder in folders:
        found = _STATUS_FILE.match(f"{folder}/status.md")
        if found and (int(found.group(1)), int(found.group(2))) == (phase, number):
            return f"{folder}/status.md"
    name = "_".join(re.findall(r"[a-z0-9]+", title.lower())[:6]) or "task"
    phase_dir = next(
        (f for f in folders if (m := _PHASE_DIR.match(f)) and int(m.group(1)) == phase),
        f"phase{phase}",
    )
    return f"{phase_dir}/task{number}_{name}/status.md"


def new_status(task_id: str, title: str, mark: PlanMark) -> str:
    """A ``status.md`` for task ``N.M`` in the shape of Claudio's own status files."""
    phase, _, number = task_id.partition(".")
    return (
        f"# Task Status: {title}\n\n## Overview\n- **Task**: Task {number} - {title}\n"
        f"- **Phase**: {phase}\n- **Status**: {_WRITTEN[mark]}\n"
    )


def status_mark(status_text: str) -> PlanMark | None:
    """The mark a ``status.md`` records, or ``None`` when it records none."""
    match = _status_value(status_text)
    if match is None:
        return None
    value = match.group(1).strip().strip("*_` ")
    if any(char in DONE_MARKS for char in value[:3]):
        return PlanMark.DONE  # `✅ Completed`
    value = _SYMBOLS.sub("", value)
    if _DONE.match(value):
        return PlanMark.DONE
    return PlanMark.SKIPPED if _SKIPPED.match(value) else PlanMark.PENDING


def _status_value(status_text: str) -> re.Match[str] | None:
    """Where a status file writes its status: a ``Status:`` line, else a ``## Status``
    heading's first line."""
    return _STATUS.search(status_text) or _STATUS_HEADING.search(status_text)


def set_status(status_text: str, mark: PlanMark) -> str:
    """``status_text`` with its status value set for ``mark``: the ``Status`` (or ``Current
    Status``) line's value replaced, or, when the file has none, a ``- **Status**: …`` line
    appended; every other byte is kept."""
    match = _status_value(status_text)
    if match is None:
        ending = "\r\n" if "\r\n" in status_text else "\n"
        tail = "" if not status_text or status_text.endswith(("\n", "\r")) else ending
        return f"{status_text}{tail}- **Status**: {_WRITTEN[mark]}{ending}"
    if status_mark(status_text) is mark:
        return status_text
    return status_text[: match.start(1)] + _WRITTEN[mark] + status_text[match.end(1) :]


def parse_claudio(text: str, source: str = ".claudio", *, strict: bool = False) -> ParseResult:
    """Parse a bundled ``.claudio/`` tree into a :class:`Plan`, one phase per phase file."""
    from orch.parsing.markdown import parse_plan

    files = unbundle(text)
    heading = _HEADING.search(files.get("plan.md", ""))
    title = heading.group(1).strip() if heading else "Claudio plan"
    plan = Plan(title=title, source=source, format="claudio")
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    phase_files = sorted(
        (int(match.group(1)), path) for path in files if (match := _TASKS_FILE.match(path))
    )
    for number, path in phase_files:
        result = parse_plan(files[path], f"{source}/{path}", strict=strict)
        warnings.extend(result.warnings)
        tasks = [task for phase in result.plan.phases for task in phase.tasks]
        phase = Phase(
            id=str(number),
            title=_title(result.plan.title, number),
            line=1,
            description="\n".join(p.description for p in result.plan.phases if p.description),
            gates=[gate for p in result.plan.phases for gate in p.gates],
        )
        for task in tasks:
            task_id = task.id if task.id.startswith(f"{number}.") else f"{number}.{task.id}"
            found = status_path(task_id, list(files))
            mark = status_mark(files[found]) if found else None
            update = {"id": task_id, "phase_id": phase.id, "depends_on": []}
            phase.tasks.append(task.model_copy(update={**update, "mark": mark or task.mark}))
        if phase.tasks:
            plan.phases.append(phase)
    duplicates = _rename_duplicates(plan, strict)
    (errors if strict else warnings).extend(duplicates)
    if not plan.tasks():
        errors.append(
            Diagnostic(
                line=1,
                message="no tasks found in the .claudio tree",
                hint="tasks are `### Task N: …` headings in .claudio/phaseN/tasks.md",
            )
        )
    return ParseResult(plan=plan, errors=errors, warnings=warnings)


def _rename_duplicates(plan: Plan, strict: bool) -> list[Diagnostic]:
    """Keep a second task of the same ID as ``ID#2``, with a warning naming both."""
    seen: dict[str, str] = {}
    found: list[Diagnostic] = []
    for phase in plan.phases:
        for task in phase.tasks:
            where = f"phase{phase.id}/tasks.md:{task.line}"
            if task.id not in seen:
                seen[task.id] = where
                continue
            count = 2
            while f"{task.id}#{count}" in seen:
                count += 1
            renamed = f"{task.id}#{count}"
            message = (
                f"duplicate task ID {task.id} ({seen[task.id]} and {where}); the task at "
                f"{where} is kept as {renamed}"
            )
            hint = "number every task of a phase file once: `### Task 1:`, `### Task 2:` …"
            severity: Literal["error", "warning"] = "error" if strict else "warning"
            found.append(Diagnostic(line=1, severity=severity, message=message, hint=hint))
            seen[renamed] = where
            task.id = renamed
    return found


def _title(title: str, number: int) -> str:
    cleaned = re.sub(r"^\s*phase\s+\d+\s*[:.\-\u2013\u2014]?\s*", "", title, flags=re.IGNORECASE)
    return cleaned or f"Phase {number}"
