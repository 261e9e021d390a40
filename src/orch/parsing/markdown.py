"""Parse a markdown plan (orch native or spec-kit ``tasks.md``) into a :class:`ParseResult`.

The steps: walk markdown-it's tokens into blocks; cut the document into phases at phase headings
(or, in a plan without any, at its top section level); read each phase's items into task drafts;
then drop empty phases, assign phase and generated task IDs, rename duplicate IDs and resolve
dependency ranges. Graph checks (unknown IDs, cycles, later phases) live in
:mod:`orch.domain.graph`.
"""

from __future__ import annotations

import gc
from typing import Any

from orch.domain.plan import Diagnostic, ParseResult, Phase, Plan, Task
from orch.parsing.blocks import Block, Heading, Item, Table, walk
from orch.parsing.drafts import PhaseDraft, TaskDraft
from orch.parsing.ids import (
    RangeIndex,
    ids_named,
    lone_prefixes,
    names_task,
    outside_mentions,
    rename_duplicates,
    resolve_dependencies,
    unclaimed,
)
from orch.parsing.items import PhaseReader, any_task_id, heading_tasks
from orch.parsing.phases import assign_phase_ids, example_heading, phase_heading
from orch.parsing.tables import id_column
from orch.parsing.targets import TARGET_HINT, parse_target
from orch.parsing.taskline import other_prefix

NO_TASKS_HINT = "a task is a checkbox item inside a phase, e.g. `- [ ] T001 Create the model`"


def parse_plan(text: str, source: str = "<plan>", *, strict: bool = False) -> ParseResult:
    """Parse plan ``text``; ``source`` names it in messages. Never raises.

    Every problem is a :class:`Diagnostic` in ``errors`` or ``warnings``. With ``strict``,
    duplicate task IDs are errors instead of warnings.
    """
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of short-lived, acyclic objects: collection only costs time
    try:
        return _parse(text, source, strict)
    except Exception as exc:  # noqa: BLE001 - the parser's promise is to never raise
        message = f"internal parser error: {exc.__class__.__name__}: {exc}"
        error = Diagnostic(line=1, message=message, hint="this is a bug in orch; please report it")
        return ParseResult(plan=Plan(source=source), errors=[error])
    finally:
        if collecting:
            gc.enable()


def _parse(text: str, source: str, strict: bool) -> ParseResult:
    text = text.removeprefix("\ufeff")
    blocks = walk(text)
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 1), "")
    drafts, sections = _sections(blocks, title, text)
    phases_only = [draft for draft in drafts if not draft.outside]
    with_ids = any_task_id(
        [block for draft in phases_only for block in draft.blocks if isinstance(block, Item)]
    ) or any(
        heading_tasks(draft.blocks, draft.level, draft.labelled)
        or (draft.labelled and _task_table(draft.blocks))
        for draft in phases_only
    )
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    mentions: list[tuple[int, str]] = []
    table_rows: list[tuple[int, str]] = []
    for draft in phases_only:
        reader = PhaseReader(draft, with_ids, errors, warnings)
        reader.read()
        mentions.extend(reader.mentions)
        table_rows.extend(reader.table_mentions)
    _table_references(phases_only)
    warnings.extend(_boxless_references(phases_only))
    outside = _new_work(drafts, with_ids, errors, warnings, mentions)
    kept: list[PhaseDraft] = []
    dropped: list[PhaseDraft] = []
    for draft in drafts:
        if draft.tasks or (draft.gates and not draft.outside):
            kept.append(draft)
        elif draft.labelled and not draft.unreadable_table and not draft.example:
            dropped.append(draft)
    phase_ids = assign_phase_ids([draft.explicit_id for draft in kept])
    warnings.extend(lone_prefixes([task for draft in kept for task in draft.tasks]))
    for phase_id, draft in zip(phase_ids, kept, strict=True):
        if draft.outside:
            warnings.append(_promoted(draft, phase_id))
        for number, task in enumerate(
            (task for task in draft.tasks if task.task_id is None), start=1
        ):
            task.task_id = f"P{phase_id}.{number}"
    all_tasks = [task for draft in kept for task in draft.tasks]
    warnings.extend(Diagnostic(
        line=task.line, severity="warning",
        message=f"{task.label}: strict: true without files: - the write fence has nothing to "
                "keep the agent to, so it is not applied",
        hint="list the task's files (`- files: src/a.py, tests/`)")
        for task in all_tasks if task.strict and not task.files)
    duplicates = rename_duplicates(all_tasks, strict)
    (errors if strict else warnings).extend(duplicates)
    depends = resolve_dependencies(all_tasks, warnings)
    if not all_tasks and table_rows:
        mentions = [found for found in mentions if found not in table_rows]
    named = RangeIndex([task.task_id for task in all_tasks if task.task_id] if dropped else [])
    named_ids = {task.task_id for task in all_tasks} if dropped else set()
    for draft in dropped:
        unread = [
            found
            for found in ids_named(draft.blocks)
            if found not in named_ids and named.owner(found) is None
        ]
        warnings.append(_not_kept(draft, unread))
    warnings.extend(unclaimed(mentions, outside, all_tasks))
    phases = [
        build_phase(phase_id, draft, depends)
        for phase_id, draft in zip(phase_ids, kept, strict=True)
    ]
    for phase, draft in zip(phases, kept, strict=True):
        _decision_fields(phase, draft, errors)
    plan = Plan.model_construct(title=title, source=source, phases=phases, sections=sections)
    if not all_tasks and not any(draft.unreadable_table for draft in drafts):
        hint = _table_hint(table_rows) if table_rows else NO_TASKS_HINT
        errors.append(Diagnostic(line=1, message="no tasks found in the plan", hint=hint))
    errors.sort(key=lambda diagnostic: diagnostic.line)
    warnings.sort(key=lambda diagnostic: diagnostic.line)
    return ParseResult.model_construct(plan=plan, errors=errors, warnings=warnings)


def _new_work(
    drafts: list[PhaseDraft],
    with_ids: bool,
    errors: list[Diagnostic],
    warnings: list[Diagnostic],
    mentions: list[tuple[int, str]],
) -> list[tuple[int, str]]:
    """Read the sections outside every phase; return what the lines of those holding no new
    work name (:func:`~orch.parsing.ids.outside_mentions`).

    An ID'd item there that repeats a phase task's ID refers to it. An ID no phase task has is
    new work (a "Hotfix" or "Spike" section after the phases): the section keeps its new tasks
    and becomes a phase. Example sections hold neither.
    """
    known: set[str | None] = set()
    ranges: RangeIndex | None = None
    schemes: set[str | None] = set()
    references: list[tuple[int, str]] = []
    for draft in drafts:
        if not draft.outside:
            continue
        items = [block for block in draft.blocks if isinstance(block, Item)]
        holds_ids = any_task_id(items) or heading_tasks(draft.blocks, draft.level, False)
        if draft.example or not holds_ids:
            references.extend(outside_mentions(draft.blocks))
            continue
        if ranges is None:
            known = {task.task_id for d in drafts if not d.outside for task in d.tasks}
            ranges = RangeIndex([task_id for task_id in known if task_id])
            schemes = {other_prefix(task_id or "") for task_id in known}
        found_errors: list[Diagnostic] = []
        found_warnings: list[Diagnostic] = []
        reader = PhaseReader(draft, with_ids, found_errors, found_warnings)
        reader.read()
        new: list[TaskDraft] = []
        for task in draft.tasks:
            task_id = task.task_id
            if task_id is None or names_task(task_id, known, ranges):
                continue  # an ID-less item, or a reference to a phase task
            if other_prefix(task_id) in schemes:
                new.append(task)
            else:  # `- [ ] CHK001` in a checklist of a plan whose tasks are T001…
                references.append((task.line, task_id))
        draft.tasks = new
        if draft.tasks:
            errors.extend(found_errors)
            warnings.extend(found_warnings)
            mentions.extend(reader.mentions)
        else:
            references.extend(outside_mentions(draft.blocks))
    return references


def _boxless_references(drafts: list[PhaseDraft]) -> list[Diagnostic]:
    """A checkbox-less item (``- T001 …``) repeating the ID of a checkbox task, or of a
    checkbox-less one above it, refers to that task; the others stay tasks, each with a warning
    that it has no checkbox."""
    known = {task.task_id for draft in drafts for task in draft.tasks if not task.boxless}
    found: list[Diagnostic] = []
    for draft in drafts:
        if not any(task.boxless for task in draft.tasks):
            continue
        draft.tasks = [task for task in draft.tasks if task.task_id not in known]
        known.update(task.task_id for task in draft.tasks)
        found.extend(
            Diagnostic(
                line=task.line,
                severity="warning",
                message=f"{task.task_id} has no checkbox: read as a {task.mark.value} task, "
                "and orch cannot write its mark back",
                hint="write it as `- [ ] T001 Title`",
            )
            for task in draft.tasks
        )
    return found


def _task_table(blocks: list[Block]) -> bool:
    return any(isinstance(block, Table) and id_column(block) is not None for block in blocks)


def _table_references(drafts: list[PhaseDraft]) -> None:
    """Drop the table rows that repeat the ID of a task written otherwise: a summary table
    refers to its tasks."""
    tabled = [draft for draft in drafts if draft.tasks and draft.tasks[0].table]
    if not tabled:
        return
    written = {task.task_id for draft in drafts for task in draft.tasks if not task.table}
    for draft in tabled:
        draft.tasks = [t for t in draft.tasks if not (t.table and t.task_id in written)]


def _table_hint(rows: list[tuple[int, str]]) -> str:
    """Why a plan whose task IDs are only in tables outside phase headings has no tasks."""
    first, last = rows[0][0], rows[-1][0]
    where = f"line {first}" if first == last else f"lines {first}-{last}"
    return (
        f"the task IDs at {where} ({rows[0][1]} …) are rows of a table outside any phase "
        "heading; a table's rows are tasks under a `## Phase N: …` heading"
    )


def _not_kept(draft: PhaseDraft, named: list[str]) -> Diagnostic:
    """The warning for a phase heading with no tasks and no gate, naming the task IDs in it
    that name no task of the plan."""
    message = f"phase heading {draft.heading!r} has no tasks and no gate; not kept"
    if named:
        message += f"; it names {_listing(named)}, none of them read as a task"
    return Diagnostic(line=draft.line, severity="warning", message=message)


def _promoted(draft: PhaseDraft, phase_id: str) -> Diagnostic:
    ids = [task.task_id or "" for task in draft.tasks]
    return Diagnostic(
        line=draft.line,
        severity="warning",
        message=(
            f"section {draft.title!r} is not a phase heading, but it holds new tasks "
            f"({_listing(ids)}): read as phase {phase_id}"
        ),
        hint="give it a `## Phase N: …` heading, or repeat only IDs of tasks in the phases",
    )


def _listing(ids: list[str], shown: int = 5) -> str:
    """``T001, T002, T003`` or ``T001, …, T005 and 7 more``."""
    if len(ids) <= shown:
        return ", ".join(ids)
    return f"{', '.join(ids[:shown])} and {len(ids) - shown} more"


def _sections(
    blocks: list[Block], title: str, text: str
) -> tuple[list[PhaseDraft], dict[str, str]]:
    """Cut the blocks into phase drafts and, in a plan with phase headings, drafts of the
    sections outside every phase (``outside``); also return the non-phase ``##`` sections
    verbatim."""
    headings = [block for block in blocks if isinstance(block, Heading)]
    labelled = {
        id(h): found
        for h in headings
        if h.level <= 4 and (found := phase_heading(h.text)) is not None
    }
    drafts: list[PhaseDraft] = []
    current: PhaseDraft | None = None
    section_level = 0
    if not labelled:
        section_level = min((h.level for h in headings if h.level >= 2), default=0)
        current = PhaseDraft(None, title or "Tasks", 1, 1, labelled=False)
        drafts.append(current)
    section_starts: list[tuple[str, int]] = []
    boundaries: list[int] = []
    for block in blocks:
        if isinstance(block, Heading):
            found = labelled.get(id(block))
            if block.level <= 2:
                boundaries.append(block.line)
            if found is not None and not (
                current is not None and current.example and block.level > current.level
            ):
                current = PhaseDraft(
                    found.explicit_id, found.title, block.line, block.level, True, block.text
                )
                current.example = example_heading(block.text)  # "Phase 2 parallel example"
                drafts.append(current)
                continue
            if not labelled and block.level == section_level:
                current = PhaseDraft(None, block.text, block.line, block.level, labelled=False)
                drafts.append(current)
                continue
            if found is not None:
                pass  # a phase heading inside an example section is part of the example
            elif labelled and (
                current is None
                or block.level <= current.level
                or (current.outside and block.level <= 2)
            ):
                current = _outside(block.text, block.line, block.level)
                drafts.append(current)
                if block.level == 2:
                    section_starts.append((block.text, block.line))
                continue
        if current is None:
            current = _outside(title or "Tasks", block.line, 6)
            drafts.append(current)
        current.blocks.append(block)
    return drafts, _verbatim(section_starts, boundaries, text)


def _outside(heading: str, line: int, level: int) -> PhaseDraft:
    draft = PhaseDraft(None, heading, line, level, labelled=False, heading=heading, outside=True)
    draft.example = 2 <= level <= 4 and example_heading(heading)  # not a plan's "# Example…" title
    return draft


def _verbatim(starts: list[tuple[str, int]], boundaries: list[int], text: str) -> dict[str, str]:
    if not starts:
        return {}
    lines = text.splitlines()
    sections: dict[str, str] = {}
    for name, start in starts:
        end = next((line for line in boundaries if line > start), len(lines) + 1)
        sections.setdefault(name, "\n".join(lines[start : end - 1]).strip())
    return sections


_TASK_FIELDS = frozenset(Task.model_fields)


def construct_task(**values: Any) -> Task:
    """``Task.model_construct(**values)`` for values that name every field, five times faster.

    A 10,000-task plan builds 10,000 tasks; pydantic's ``model_construct`` re-checks defaults
    and aliases for each. ``tests/test_parser.py`` checks the two give equal tasks.
    """
    given = set(values)
    for name in _TASK_FIELDS.difference(given):  # a field added to Task after this was written
        values[name] = Task.model_fields[name].get_default(call_default_factory=True)
    task = Task.__new__(Task)
    object.__setattr__(task, "__dict__", values)
    object.__setattr__(task, "__pydantic_fields_set__", given)
    object.__setattr__(task, "__pydantic_extra__", None)
    object.__setattr__(task, "__pydantic_private__", None)
    return task


def build_phase(phase_id: str, draft: PhaseDraft, depends: dict[int, list[str]]) -> Phase:
    """The :class:`Phase` of a filled draft; ``depends`` maps ``id(task draft)`` to its IDs."""
    description = "\n".join(draft.description)
    if draft.acceptance:
        description = "\n".join([description, *(f"- {a}" for a in draft.acceptance)]).strip()
    return Phase.model_construct(  # built from the parser's own values: nothing to validate
        id=phase_id,
        title=draft.title,
        line=draft.line,
        gates=list(draft.gates),
        agent=draft.agent,
        description=description,
        tasks=[_task(task, phase_id, depends[id(task)], draft.agent) for task in draft.tasks],
    )


def _decision_fields(phase: Phase, draft: PhaseDraft, errors: list[Diagnostic]) -> None:
    """``**Target**`` / ``**Review**`` / ``**Approve**`` onto the phase (docs/decisions.md)."""
    for value in draft.targets:
        target = parse_target(value)
        if target is None:
            message = f"phase {phase.id}: cannot read target {value!r}"
            errors.append(Diagnostic(line=draft.line, message=message, hint=TARGET_HINT))
        else:
            phase.targets.append(target)
    phase.review = draft.review
    phase.acceptance = list(draft.acceptance)
    if draft.approve is not None and draft.approve != "human":
        message = f"phase {phase.id}: **Approve** takes `human`, not {draft.approve!r}"
        errors.append(Diagnostic(line=draft.line, message=message))
    phase.approve = draft.approve


def _task(draft: TaskDraft, phase_id: str, depends_on: list[str], agent: str | None) -> Task:
    return construct_task(
        id=draft.task_id or f"line{draft.line}",
        title=draft.title,
        phase_id=phase_id,
        line=draft.line,
        mark=draft.mark,
        depends_on=depends_on,
        parallel=draft.parallel,
        story=draft.story,
        labels=draft.labels,
        # A phase's **Agent** is the default for its tasks, but a task with its own shell
        # block runs with `shell` unless it names an agent itself.
        agent=draft.agent or (None if draft.commands else agent),
        verify=draft.verify,
        files=draft.files,
        timeout_s=draft.timeout_s,
        retries=draft.retries,
        estimate_s=draft.estimate_s,
        priority=draft.priority,
        strict=draft.strict,
        commands=draft.commands,
        shells=draft.shells,
        acceptance=draft.acceptance,
        description="\n".join(draft.description),
    )
