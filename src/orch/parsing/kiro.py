"""Kiro ``tasks.md``: numbered checkbox tasks, nested sub-tasks, ``_Requirements: …_`` lines.

    - [x] 1. Set up the project structure
      - Create the directories
      - _Requirements: 1.1_
    - [ ] 2. Implement the data models
      - [ ] 2.1 Create the interfaces
      - [x]* 2.2 Write unit tests (optional: the ``*``)

Every numbered item is a task, sub-tasks included, under the ID it is written with (``2.1``);
an optional ``*`` task is a task with the label ``optional``. Kiro marks a task in progress ``[-]``:
it reads as pending, so it runs. A parent runs after its sub-tasks
(it depends on them). A Kiro plan is one phase, unless it has phase headings (``## Phase 1: …``,
with ``**Gate**:`` lines as in a markdown plan): then each is a phase. An openspec
``tasks.md`` groups its tasks under numbered headings (``## 1. Implementation``, then
``- [ ] 1.1 …``): each group is a phase, with the group's number as its ID. Progress is the
checkbox, as in any markdown plan.
"""

from __future__ import annotations

import re

from orch.domain.plan import Diagnostic, ParseResult, Plan, PlanMark
from orch.parsing.blocks import Heading, Item, Paragraph, walk
from orch.parsing.drafts import PhaseDraft, TaskDraft
from orch.parsing.ids import rename_duplicates, resolve_dependencies
from orch.parsing.markdown import build_phase
from orch.parsing.metadata import TASK_KEYS, key_value, phase_fields
from orch.parsing.phases import assign_phase_ids, phase_heading
from orch.parsing.taskline import DONE_MARKERS, DepRef, wholly_struck

_TASK = re.compile(
    r"\[(?P<box>[^\[\]\n]{0,3})\](?P<optional>\*)?[ \t]*(?P<strike>~~)?(?P<bold>\*\*|__)?"
    r"(?:(?i:task)[ \t]+)?(?P<id>\d+(?:\.\d+)*)[.)]?(?P=bold)?:?(?:[ \t]+|$)"
    r"(?P<title>.*)",
    re.DOTALL,
)
"""A numbered task: ``[ ] 1. Title``, also bold (``**2. Title**``), struck (``~~3. Old~~``),
with a ``)`` (``4) Title``) or the word Task (``Task 5: Title``)."""
_CHECKBOX = re.compile(r"\[[^\[\]\n]{0,3}\]\*?(?:[ \t]|$)")
_REQUIREMENTS = re.compile(r"^_?\s*Requirements?\s*:\s*(.*?)_?\s*$", re.IGNORECASE)
# Kiro writes `[-]` for a task in progress: not done, so it runs.
_MARKS = {" ": PlanMark.PENDING, "-": PlanMark.PENDING, "x": PlanMark.DONE, "X": PlanMark.DONE}
_SKIPPED = "~"
_GROUP = re.compile(r"^(?:\*\*)?(?P<id>\d+)[.)][ \t]+(?P<title>\S.*?)(?:\*\*)?$")
"""An openspec group heading: ``## 1. Implementation``."""


def parse_kiro(text: str, source: str = "<plan>", *, strict: bool = False) -> ParseResult:
    """Parse a Kiro ``tasks.md`` into a :class:`Plan`: one phase, or one per phase heading."""
    blocks = walk(text.removeprefix("\ufeff"))
    title = next((b.text for b in blocks if isinstance(b, Heading)), "") or "Tasks"
    phase = PhaseDraft(None, title, 1, 1, labelled=False)
    drafts = [phase]
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    for block in blocks:
        if isinstance(block, Heading):
            found = phase_heading(block.text)
            group = _GROUP.match(block.text.strip()) if block.level > 1 else None
            if found is not None:
                phase = PhaseDraft(found.explicit_id, found.title, block.line, block.level, True)
                drafts.append(phase)
            elif group is not None:
                phase = PhaseDraft(group["id"], group["title"], block.line, block.level, True)
                drafts.append(phase)
        elif isinstance(block, Paragraph):
            for meta in phase_fields(block.text, block.line):
                phase.apply(meta)  # a **Gate** under a phase heading is kept, as in markdown
        elif isinstance(block, Item):
            _item(block, phase, None, (errors, warnings))
    kept = [draft for draft in drafts if draft.tasks or draft.gates]
    tasks = [task for draft in kept for task in draft.tasks]
    (errors if strict else warnings).extend(rename_duplicates(tasks, strict))
    depends = resolve_dependencies(tasks)
    plan = Plan(title=title, source=source, format="kiro")
    phase_ids = assign_phase_ids([draft.explicit_id for draft in kept])
    plan.phases = [build_phase(i, draft, depends) for i, draft in zip(phase_ids, kept, strict=True)]
    if not tasks:
        errors.append(Diagnostic(line=1, message="no tasks found in the Kiro task list"))
    return ParseResult(plan=plan, errors=errors, warnings=warnings)


Found = tuple[list[Diagnostic], list[Diagnostic]]
"""Errors and warnings."""


def _item(item: Item, phase: PhaseDraft, parent: TaskDraft | None, found: Found) -> None:
    errors, warnings = found
    match = _TASK.match(item.text)
    if match is None:
        if parent is not None:
            _detail(item, parent, phase, found)
        elif not _CHECKBOX.match(item.text):
            for meta in phase_fields(item.text, item.line):
                phase.apply(meta)
        else:
            message = f"checkbox item {item.text[:40]!r} has no task number, so it is not a task"
            hint = "number it like the others: `- [ ] 3. Title`"
            warnings.append(
                Diagnostic(line=item.line, severity="warning", message=message, hint=hint)
            )
        return
    first, _, rest = match.group("title").partition("\n")
    box = match.group("box")
    mark = PlanMark.SKIPPED if box == _SKIPPED else _MARKS.get(box, PlanMark.PENDING)
    if box not in _MARKS and box != _SKIPPED and box.strip().lower() in DONE_MARKERS:
        mark = PlanMark.DONE  # a check mark: `[✓]`
    first = first.strip()
    if match.group("bold") and first.endswith(match.group("bold")):
        first = first[: -len(match.group("bold"))].strip()
    if match.group("strike"):
        first = "~~" + first  # the strike opened before the number: the whole title is struck
    task = TaskDraft(match.group("id"), item.line, mark, first)
    if box not in _MARKS and box != _SKIPPED:
        message = f"task {task.task_id}: unknown checkbox marker [{box}], read as {mark.value}"
        warnings.append(Diagnostic(line=item.line, severity="warning", message=message))
    unstruck = wholly_struck(task.title)
    if unstruck is not None:
        task.title, task.mark = unstruck, PlanMark.SKIPPED
        message = f"task {task.task_id} is struck through, read as skipped"
        warnings.append(Diagnostic(line=item.line, severity="warning", message=message))
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
        _item(child, phase, task, found)


def _detail(item: Item, task: TaskDraft, phase: PhaseDraft, found: Found) -> None:
    """A plain bullet under a task: requirements, orch metadata, or description."""
    text = item.text.strip()
    requirements = _REQUIREMENTS.match(text)
    meta = None if requirements else key_value(text, TASK_KEYS, item.line)
    if requirements:
        task.description.append(f"Requirements: {requirements.group(1).strip()}")
    elif meta is not None:
        task.apply(meta, found[0])
    elif text:
        task.description.append(text)
    for fence in item.fences:
        task.add_fence(fence)
    for child in item.children:
        _item(child, phase, task, found)
