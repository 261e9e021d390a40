"""Add a task to a plan file: new lines inserted, every other byte kept (``task_enqueue``).

The new plan text is parsed and checked before anything is written: an unknown prerequisite, a
prerequisite in a later phase or a cycle is refused with the checker's own message, and so is a
description the parser would read differently (one that smuggles in ``(depends on …)``, say).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from orch.domain.limits import MAX_PRIORITY
from orch.domain.plan import Diagnostic, Phase, Plan, PlanMark, Task
from orch.errors import PlanError, UsageError

_NUMBERED_ID = re.compile(r"^([A-Za-z]+-?)(\d+)$")
_LINE = re.compile(r"[^\n]*\n|[^\n]+")
"""One source line with its ``\n``: only ``\n`` ends a line, as in markdown-it's line map."""
_BULLET = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])[ \t]")


@dataclass(frozen=True)
class NewTask:
    """What ``task_enqueue`` asks for."""

    description: str
    agent: str | None = None
    priority: int = 0
    prerequisites: tuple[str, ...] = ()
    phase: str | None = None


def check_request(request: NewTask) -> None:
    """Refuse a malformed request before looking at the plan (UsageError, exit 2)."""
    if not request.description.strip():
        raise UsageError("the task description is empty", hint="describe the work in one line")
    if "\n" in request.description.strip() or "\r" in request.description:
        raise UsageError(
            "the task description must be one line", hint="put details in the plan by hand"
        )
    if not 0 <= request.priority <= MAX_PRIORITY:
        raise UsageError(
            f"priority {request.priority} is out of range", hint=f"use 0 to {MAX_PRIORITY}"
        )
    if request.agent is not None and (
        not request.agent.strip() or any(ch.isspace() for ch in request.agent.strip())
    ):
        raise UsageError(f"agent {request.agent!r} is not a role name", hint="e.g. `backend`")


def next_task_id(plan: Plan) -> str:
    """The id after the plan's highest ``T012``-style id, in the same style and width."""
    styles: dict[str, tuple[int, int]] = {}
    counts: dict[str, int] = {}
    for task in plan.tasks():
        match = _NUMBERED_ID.match(task.id)
        if match is None:
            continue
        prefix, digits = match.groups()
        top, width = styles.get(prefix, (0, 0))
        styles[prefix] = (max(top, int(digits)), max(width, len(digits)))
        counts[prefix] = counts.get(prefix, 0) + 1
    if not styles:
        raise PlanError(
            f"{plan.source}: no task ids like T001 to continue from",
            hint="task_enqueue adds tasks to plans whose tasks carry ids",
        )
    prefix = max(counts, key=lambda name: counts[name])
    top, width = styles[prefix]
    known = {task.id for task in plan.tasks()}
    number = top + 1
    while f"{prefix}{number:0{width}d}" in known:
        number += 1
    return f"{prefix}{number:0{width}d}"


def target_phase(plan: Plan, wanted: str | None) -> Phase:
    """The named phase, else the last phase with a pending task, else the last phase."""
    if wanted is not None:
        for phase in plan.phases:
            if phase.id == wanted:
                return phase
        raise UsageError(
            f"no such phase: {wanted}", hint=f"phases: {', '.join(p.id for p in plan.phases)}"
        )
    pending = [p for p in plan.phases if any(t.mark is PlanMark.PENDING for t in p.tasks)]
    if pending:
        return pending[-1]
    if not plan.phases:
        raise PlanError(f"{plan.source}: the plan has no phase to add a task to")
    return plan.phases[-1]


def task_lines(task_id: str, request: NewTask, bullet: str, indent: str) -> list[str]:
    """The markdown of the new task: its checkbox line and its metadata bullets."""
    title = " ".join(request.description.split())
    deps = f" (depends on {', '.join(request.prerequisites)})" if request.prerequisites else ""
    lines = [f"{indent}{bullet} [ ] {task_id} {title}{deps}"]
    nested = indent + " " * (len(bullet) + 1)
    if request.agent:
        lines.append(f"{nested}- agent: {request.agent.strip()}")
    if request.priority:
        lines.append(f"{nested}- priority: {request.priority}")
    return lines


def insert_task(text: str, plan: Plan, task_id: str, request: NewTask) -> str:
    """``text`` with the new task added after the last list item of its phase."""
    phase = target_phase(plan, request.phase)
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = _LINE.findall(text)
    if phase.tasks:
        start, end = _item_span(text, phase.tasks[-1].line)
        match = _BULLET.match(lines[start])
        indent, bullet = (match.group(1), match.group(2)) if match else ("", "-")
        if bullet[0].isdigit():
            bullet = f"{int(bullet[:-1]) + 1}{bullet[-1]}"
        added = task_lines(task_id, request, bullet, indent)
        at = end
    else:
        added = ["", *task_lines(task_id, request, "-", ""), ""]
        at = phase.line
    if at > 0 and not lines[at - 1].endswith(("\n", "\r")):
        lines[at - 1] += newline
    block = "".join(line + newline for line in added)
    return "".join(lines[:at]) + block + "".join(lines[at:])


def _item_span(text: str, line: int) -> tuple[int, int]:
    """0-based first line and end (exclusive, trailing blank lines dropped) of the outermost
    list item holding 1-based ``line``."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").disable(["inline", "text_join"]).parse(text)
    holding = [
        token
        for token in tokens
        if token.type == "list_item_open" and token.map and token.map[0] <= line - 1 < token.map[1]
    ]
    if not holding:
        return line - 1, line
    outermost = min(holding, key=lambda token: token.level).map
    assert outermost is not None
    first, end = outermost
    lines = _LINE.findall(text)
    while end > first + 1 and not lines[end - 1].strip():
        end -= 1
    return first, end


def mismatches(task: Task, request: NewTask, phase: Phase) -> list[str]:
    """How the parsed new task differs from the request (empty when it matches)."""
    problems = []
    if task.title != " ".join(request.description.split()):
        problems.append(f"title read as {task.title!r}")
    if sorted(task.depends_on) != sorted(request.prerequisites):
        problems.append(f"dependencies read as {task.depends_on}")
    if task.phase_id != phase.id or task.priority != request.priority or task.verify:
        problems.append("metadata read differently")
    return problems


def enqueue(path: Path, request: NewTask, project_dir: Path | None = None) -> Task:
    """Add the task to the plan at ``path`` and return it as parsed. The caller holds the
    project lock. Nothing is written unless the new plan parses cleanly with every old task
    kept and the new task read exactly as asked; with ``project_dir``, its ``agent`` must also
    name a role or adapter known there, as ``orch validate`` requires."""
    from orch.planfile import load_plan, read_plan_text
    from orch.store.atomic import atomic_write_text

    check_request(request)
    request = replace(request, prerequisites=tuple(dict.fromkeys(request.prerequisites)))
    text = read_plan_text(path)
    before = load_plan(path, text=text)
    _refuse_errors(path, before.errors)
    plan = before.plan
    task_id = next_task_id(plan)
    if task_id in request.prerequisites:
        raise UsageError(f"prerequisite {task_id} is no task yet: the new task would get that id",
                         hint="name existing tasks as prerequisites; the plan file is unchanged")
    phase = target_phase(plan, request.phase)
    new_text = insert_task(text, plan, task_id, request)
    after = load_plan(path, text=new_text)
    _refuse_new(path, after.errors, task_id)
    old_ids = [task.id for task in plan.tasks()]
    new_ids = [task.id for task in after.plan.tasks() if task.id != task_id]
    try:
        added = after.plan.task(task_id)
    except KeyError:
        added = None
    problems = ["the other tasks would change"] if new_ids != old_ids else []
    problems += ["the new task is not read as a task"] if added is None else []
    if added is not None:
        problems += mismatches(added, request, phase)
    if problems:
        raise UsageError(
            f"{path}: refusing to add the task: {'; '.join(problems)}",
            hint="rephrase the description (no `(depends on …)` or `[P]` in it)",
        )
    assert added is not None
    if project_dir is not None and added.agent:
        _refuse_new(path, _role_errors(after.plan, added, project_dir), task_id)
    atomic_write_text(path.resolve(), new_text)  # through a symlink, never replacing it
    return added


def _refuse_errors(path: Path, errors: list[Diagnostic]) -> None:
    """A PlanError naming the first error (as ``orch run`` does) and that nothing was written."""
    if not errors:
        return
    first = errors[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    hint = "; ".join(part for part in (first.hint, "the plan file is unchanged") if part)
    raise PlanError(f"{path}:{first.line}: {first.message}{more}", hint=hint)


def _refuse_new(path: Path, errors: list[Diagnostic], task_id: str) -> None:
    """As :func:`_refuse_errors` for the plan with the new task in it, but naming neither the
    line nor the id the refused task would have had: neither was ever written."""
    if not errors:
        return
    first = errors[0]
    message = first.message.replace(f"task {task_id}: ", "").replace(task_id, "the new task")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    hint = "; ".join(part for part in (first.hint, "the plan file is unchanged") if part)
    raise PlanError(f"{path}: refusing to add the task: {message}{more}", hint=hint)


def _role_errors(plan: Plan, added: Task, project_dir: Path) -> list[Diagnostic]:
    from orch.adapters.roles import role_diagnostics
    from orch.config import load_config
    from orch.store.layout import Layout

    config = load_config(Layout(project_dir).config)
    return [d for d in role_diagnostics(plan, config, project_dir) if d.line == added.line]
