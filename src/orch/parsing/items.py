"""Turn the blocks of one phase into task drafts, acceptance criteria and phase metadata."""

from __future__ import annotations

import re

from orch.domain.plan import Diagnostic
from orch.parsing.blocks import Heading, Item, Paragraph
from orch.parsing.drafts import PhaseDraft, TaskDraft
from orch.parsing.metadata import TASK_KEYS, Field, key_value, phase_fields
from orch.parsing.taskline import ID_PATTERN, TaskLine, has_task_id, parse_task_line

_MISPLACED_ID = re.compile(rf"(?:\*\*)?{ID_PATTERN}\b")


def any_task_id(items: list[Item]) -> bool:
    """Whether any item here, at any depth, is a checkbox with a task ID."""
    pending = list(items)
    while pending:
        item = pending.pop()
        if has_task_id(item.text):
            return True
        pending.extend(item.children)
    return False


class PhaseReader:
    """Reads one phase. ``with_ids`` says whether the plan names its tasks with IDs.

    When it does, ID-less checkbox items are acceptance criteria of the task or phase above them;
    when it does not, every top-level checkbox item is a task (its ID is generated later).
    """

    def __init__(
        self,
        phase: PhaseDraft,
        with_ids: bool,
        errors: list[Diagnostic],
        warnings: list[Diagnostic],
    ) -> None:
        self.phase = phase
        self.with_ids = with_ids
        self.errors = errors
        self.warnings = warnings
        self._last: TaskDraft | None = None

    def read(self) -> None:
        """Fill the phase draft from its blocks."""
        for block in self.phase.blocks:
            if isinstance(block, Heading):
                self._last = None
            elif isinstance(block, Paragraph):
                for meta in phase_fields(block.text, block.line):
                    self.phase.apply(meta)
            elif isinstance(block, Item):
                self._item(block, None)

    def _item(self, item: Item, parent: TaskDraft | None) -> None:
        line = parse_task_line(item.text) if item.text.startswith("[") else None
        if line is not None and (line.task_id or (not self.with_ids and parent is None)):
            self._task(item, line)
            return
        if line is not None:
            if _MISPLACED_ID.match(line.title):
                self.warnings.append(
                    Diagnostic(
                        line=item.line,
                        severity="warning",
                        message=f"checkbox item {line.title[:40]!r} is read as an acceptance "
                        "criterion, not a task: the task ID must come first",
                        hint="write `- [ ] T001 [P] Title`",
                    )
                )
            owner = parent or self._last
            (owner.acceptance if owner else self.phase.acceptance).append(line.title)
        elif parent is None:
            for meta in phase_fields(item.text, item.line):
                self.phase.apply(meta)
        for child in item.children:
            self._item(child, parent)

    def _task(self, item: Item, line: TaskLine) -> None:
        task = TaskDraft(
            task_id=line.task_id,
            line=item.line,
            mark=line.mark,
            title=line.title,
            parallel=line.parallel,
            story=line.story,
            labels=line.labels,
            deps=[(ref, item.line) for ref in line.deps],
        )
        self.phase.tasks.append(task)
        self._last = task
        for offset, extra in enumerate(line.extra.split("\n"), start=1):
            meta = key_value(extra, TASK_KEYS, item.line + offset)
            if meta is not None:
                task.apply(meta, self.errors)
            elif extra.strip():
                task.description.append(extra.strip())
        for paragraph in item.paragraphs:
            task.description.append(paragraph.text)
        for fence in item.fences:
            task.add_fence(fence)
        for child in item.children:
            self._child(child, task)
        self._last = task

    def _child(self, child: Item, task: TaskDraft) -> None:
        if child.text.startswith("["):
            self._item(child, task)
            return
        meta = key_value(child.text, TASK_KEYS, child.line)
        if meta is None:
            if child.text.strip():
                task.description.append(child.text.strip())
            for fence in child.fences:
                task.add_fence(fence)
            for grandchild in child.children:
                self._item(grandchild, task)
            return
        if not meta.value and meta.key in ("verify", "files", "depends"):
            for grandchild in child.children:
                task.apply(Field(meta.key, grandchild.text, grandchild.line), self.errors)
            if meta.key == "verify":
                for fence in child.fences:
                    task.verify.append(fence.content.strip("\n"))
            return
        task.apply(meta, self.errors)
        for fence in child.fences:
            task.add_fence(fence)
