"""Kiro ``tasks.md``: numbered checkbox tasks, nested sub-tasks, ``_Requirements: …_`` lines.

    - [x] 1. Set up the project structure
      - Create the directories
      - _Requirements: 1.1_
    - [ ] 2. Implement the data models
      - [ ] 2.1 Create the interfaces
      - [x]* 2.2 Write unit tests (optional: the ``*``)

Every numbered item is a task, sub-tasks included, under the ID it is written with (``2.1``);
an optional ``*`` task is a task with the label ``optional``. A parent runs after its sub-tasks
(it depends on them). Kiro plans have no phases: the whole plan is one phase. Progress is the
checkbox, as in any markdown plan.
"""

from __future__ import annotations

import re

from orch.domain.plan import Diagnostic, ParseResult, Plan, PlanMark
from orch.parsing.blocks import Heading, Item, walk
from orch.parsing.drafts import PhaseDraft, TaskDraft
from orch.parsing.ids import rename_duplicates, resolve_dependencies
from orch.parsing.markdown import build_phase
from orch.parsing.metadata import TASK_KEYS, key_value
from orch.parsing.taskline import DepRef

_TASK = re.compile(
    r"\[(?P<box>[ xX~-])\](?P<optional>\*)?[ \t]+(?P<id>\d+(?:\.\d+)*)\.?(?:[ \t]+|$)(?P<title>.*)",
    re.DOTALL,
)
_REQUIREMENTS = re.compile(r"^_?\s*Requirements?\s*:\s*(.*?)_?\s*$", re.IGNORECASE)
_MARKS = {" ": PlanMark.PENDING, "x": PlanMark.DONE, "X": PlanMark.DONE}


def parse_kiro(text: str, source: str = "<plan>", *, strict: bool = False) -> ParseResult:
    """Parse a Kiro ``tasks.md`` into a one-phase :class:`Plan`."""
    blocks = walk(text.removeprefix("\ufeff"))
    title = next((b.text for b in blocks if isinstance(b, Heading)), "") or "Tasks"
    phase = PhaseDraft("1", title, 1, 1, labelled=False)
    errors: list[Diagnostic] = []
    for block in blocks:
        if isinstance(block, Item):
            _item(block, phase, None, errors)
    warnings: list[Diagnostic] = []
    (errors if strict else warnings).extend(rename_duplicates(phase.tasks, strict))
    depends = resolve_dependencies(phase.tasks)
    plan = Plan(title=title, source=source, format="kiro")
    if phase.tasks:
        plan.phases = [build_phase("1", phase, depends)]
    else:
        errors.append(Diagnostic(line=1, message="no tasks found in the Kiro task list"))
    return ParseResult(plan=plan, errors=errors, warnings=warnings)


def _item(
    item: Item, phase: PhaseDraft, parent: TaskDraft | None, errors: list[Diagnostic]
) -> None:
    match = _TASK.match(item.text)
    if match is None:
        if parent is not None:
            _detail(item, parent, phase, errors)
        return
    first, _, rest = match.group("title").partition("\n")
    box = match.group("box")
    task = TaskDraft(
        match.group("id"),
        item.line,
        _MARKS.get(box, PlanMark.SKIPPED),
        first.strip(),
    )
    if match.group("optional"):
        task.labels.append("optional")
    if rest.strip():
        task.description.append(rest.strip())
    phase.tasks.append(task)
    if parent is not None:
        parent.deps.append((DepRef(task.task_id or ""), item.line))
    for paragraph in item.paragraphs:
        task.description.append(paragraph.text)
    for fence in item.fences:
        task.add_fence(fence)
    for child in item.children:
        _item(child, phase, task, errors)


def _detail(item: Item, task: TaskDraft, phase: PhaseDraft, errors: list[Diagnostic]) -> None:
    """A plain bullet under a task: requirements, orch metadata, or description."""
    text = item.text.strip()
    requirements = _REQUIREMENTS.match(text)
    meta = None if requirements else key_value(text, TASK_KEYS, item.line)
    if requirements:
        task.description.append(f"Requirements: {requirements.group(1).strip()}")
    elif meta is not None:
        task.apply(meta, errors)
    elif text:
        task.description.append(text)
    for fence in item.fences:
        task.add_fence(fence)
    for child in item.children:
        _item(child, phase, task, errors)
