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
from orch.parsing.blocks import Block, Heading, Item, walk
from orch.parsing.drafts import PhaseDraft, TaskDraft
from orch.parsing.ids import rename_duplicates, resolve_dependencies, unclaimed
from orch.parsing.items import PhaseReader, any_task_id, heading_tasks
from orch.parsing.phases import assign_phase_ids, phase_heading
from orch.parsing.targets import TARGET_HINT, parse_target

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
    drafts, sections, outside = _sections(blocks, title, text)
    with_ids = any(
        any_task_id([block for block in draft.blocks if isinstance(block, Item)])
        or heading_tasks(draft.blocks, draft.level)
        for draft in drafts
    )
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    mentions: list[tuple[int, str]] = []
    for draft in drafts:
        reader = PhaseReader(draft, with_ids, errors, warnings)
        reader.read()
        mentions.extend(reader.mentions)
    kept: list[PhaseDraft] = []
    for draft in drafts:
        if draft.tasks or draft.gates:
            kept.append(draft)
        elif draft.labelled:
            warnings.append(
                Diagnostic(
                    line=draft.line,
                    severity="warning",
                    message=f"phase heading {draft.heading!r} has no tasks and no gate; not kept",
                )
            )
    phase_ids = assign_phase_ids([draft.explicit_id for draft in kept])
    for phase_id, draft in zip(phase_ids, kept, strict=True):
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
    depends = resolve_dependencies(all_tasks)
    warnings.extend(unclaimed(mentions, outside, all_tasks))
    phases = [
        build_phase(phase_id, draft, depends)
        for phase_id, draft in zip(phase_ids, kept, strict=True)
    ]
    for phase, draft in zip(phases, kept, strict=True):
        _decision_fields(phase, draft, errors)
    plan = Plan(title=title, source=source, phases=phases, sections=sections)
    if not all_tasks:
        errors.append(Diagnostic(line=1, message="no tasks found in the plan", hint=NO_TASKS_HINT))
    errors.sort(key=lambda diagnostic: diagnostic.line)
    warnings.sort(key=lambda diagnostic: diagnostic.line)
    return ParseResult(plan=plan, errors=errors, warnings=warnings)


def _sections(
    blocks: list[Block], title: str, text: str
) -> tuple[list[PhaseDraft], dict[str, str], list[Item]]:
    """Cut the blocks into phase drafts; also return the non-phase ``##`` sections verbatim
    and the list items outside every phase."""
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
    outside: list[Item] = []
    for block in blocks:
        if isinstance(block, Heading):
            found = labelled.get(id(block))
            if block.level <= 2:
                boundaries.append(block.line)
            if found is not None:
                current = PhaseDraft(
                    found.explicit_id, found.title, block.line, block.level, True, block.text
                )
                drafts.append(current)
                continue
            if not labelled and block.level == section_level:
                current = PhaseDraft(None, block.text, block.line, block.level, labelled=False)
                drafts.append(current)
                continue
            if labelled and (current is None or block.level <= current.level):
                current = None
                if block.level == 2:
                    section_starts.append((block.text, block.line))
                continue
        if current is not None:
            current.blocks.append(block)
        elif isinstance(block, Item):
            outside.append(block)
    return drafts, _verbatim(section_starts, boundaries, text), outside


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
    return Phase(
        id=phase_id,
        title=draft.title,
        line=draft.line,
        gates=draft.gates,
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
