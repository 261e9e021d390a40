"""Turn the blocks of one phase into task drafts, acceptance criteria and phase metadata."""

from __future__ import annotations

import re

from orch.domain.plan import Diagnostic, PlanMark
from orch.parsing.blocks import Block, Fence, Heading, Item, Paragraph, Table
from orch.parsing.drafts import PhaseDraft, TaskDraft
from orch.parsing.metadata import PHASE_KEYS, TASK_KEYS, Field, key_value, phase_fields
from orch.parsing.tables import id_column, numbered_column, read_table, status_cell
from orch.parsing.taskline import (
    ID_START,
    T_ID,
    TaskLine,
    boxless_id,
    checkbox,
    checkbox_id,
    heading_task,
    leading_id,
    numbered_heading,
    other_prefix,
    parse_task_line,
)

_RANGE_END = re.compile(rf"-{ID_START}.*$")
_MISPLACED_ID = re.compile(rf"(?:\*\*)?{T_ID}\b")
# What may precede a task ID on a prose line or table row: a list marker without its space,
# a checkbox, a table's first pipe.
_PROSE_LEAD = re.compile(r"^(?:\|\s*)?[-*+]?\s*(?:\[[^\[\]]{0,5}\]\s*)?")
_LEADING_BOX = re.compile(r"^\[[^\[\]]*\]\s*")
# A status line under a heading task: `**Status**: ✅ Complete`, `- Status: Cancelled`.
_STATUS_LINE = re.compile(
    r"^(?:[-*+][ \t]+)?(?:\*\*|__)?(?i:status|state)"
    r"(?:[ \t]*:[ \t]*(?:\*\*|__)|(?:\*\*|__)?[ \t]*:)[ \t]*(?P<value>\S.*)$"
)
# A list marker that opens a continuation line of a task's text: an item indented so far that
# markdown reads it as part of the line above.
_LAZY_ITEM = re.compile(r"^(?:[-*+]|\d{1,3}[.)])[ \t]+(?=\[)")
# A first word that is almost a task ID: `t012`, `[T012]`, `(T012)`, `#T012`, `Task-12`, the
# template placeholder `TXXX`.
_ID_LIKE = re.compile(r"[\[(#~*_`\s]*((?i:t(?:ask)?)[-_ ]?(?:\d+|XX|\?\?)[\w.?-]*)")
# Another tool's ID: `SC-001`, `TASK-12`, `WP01` (not `HTTP2` or `S3`), an issue number `#12`.
_FOREIGN_ID = re.compile(
    r"(?:\*\*|~~)?([A-Z]{2,8}(?:-\d+|\d{2,})(?:[.-]\d+)*|#\d+)(?![\w-])"
)


def heading_tasks(blocks: list[Block], level: int, labelled: bool = True) -> bool:
    """Whether a phase's tasks are headings (``### Task 2.1: …``) deeper than ``level``.

    An ID of another prefix than ``T`` (``### P001: …``) names a heading task only in a phase
    with a phase heading (``labelled``): elsewhere ``### WP01: …`` is a section's name.
    """
    for block in blocks:
        if isinstance(block, Heading) and block.level > level:
            found = heading_task(block.text)
            if found is not None and (labelled or other_prefix(found.task_id) is None):
                return True
    return False


def any_task_id(items: list[Item]) -> bool:
    """Whether any item here, at any depth, is a checkbox with a task ID: a ``T`` ID, or one of
    another prefix that two items use (``- [ ] H264 encoding`` alone names no ID scheme)."""
    prefixes: set[str] = set()
    pending = list(items)
    while pending:
        item = pending.pop()
        found = checkbox_id(item.text)
        if found is not None:
            prefix = other_prefix(found)
            if prefix is None or prefix in prefixes:
                return True
            prefixes.add(prefix)
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
        self.mentions: list[tuple[int, str]] = []
        """``(line, ID)`` of items without a checkbox that start with a task ID: each must name
        a task somewhere in the plan, or it gets a warning once every task is known."""
        self.table_mentions: list[tuple[int, str]] = []
        """The ``mentions`` that are rows of tables not read as tasks."""
        self._last: TaskDraft | None = None
        self._heading: TaskDraft | None = None
        self._headings_are_tasks = True
        self._task_heading_levels: set[int] = set()

    def read(self) -> None:
        """Fill the phase draft from its blocks.

        Headings are tasks only in a phase whose checkbox items carry no task IDs: a
        ``### T012-T015 …`` sub-heading in a spec-kit phase is a sub-section, not a task.
        """
        items = [block for block in self.phase.blocks if isinstance(block, Item)]
        self._headings_are_tasks = not any_task_id(items)
        self._task_heading_levels = {
            block.level
            for block in self.phase.blocks
            if isinstance(block, Heading)
            and block.level > self.phase.level
            and heading_task(block.text) is not None
        }
        tables_are_tasks = (
            self.phase.labelled
            and self._headings_are_tasks
            and not heading_tasks(self.phase.blocks, self.phase.level)
        )
        for block in self.phase.blocks:
            if isinstance(block, Heading):
                self._at_heading(block)
            elif self._heading is not None:
                self._under_heading(block, self._heading)
            elif (
                isinstance(block, Paragraph)
                and tables_are_tasks
                and block.text.startswith("|")
                and self._table(Table(block.line, block.text))
            ):
                continue  # a table markdown does not read as one (no `|---|` row): one error
            elif isinstance(block, Paragraph):
                self._mention_lines(block.text, block.line)
                for meta in phase_fields(block.text, block.line):
                    self.phase.apply(meta)
            elif isinstance(block, Item):
                self._item(block, None)
            elif isinstance(block, Table) and not (tables_are_tasks and self._table(block)):
                before = len(self.mentions)
                self._mention_lines(block.text, block.line)
                self.table_mentions.extend(self.mentions[before:])
        phase = self.phase
        if not phase.tasks and phase.labelled and not phase.example and self.mentions:
            self._boxless([block for block in self.phase.blocks if isinstance(block, Item)])
        for task in self.phase.tasks:
            if not task.heading or task.mark is PlanMark.SKIPPED:
                continue
            if task.marked_done or (task.acceptance_marks and all(task.acceptance_marks)):
                task.mark = PlanMark.DONE

    def _table(self, table: Table) -> bool:
        """Read a table whose rows are tasks (:mod:`orch.parsing.tables`); ``False`` when it
        holds no task IDs. One that does but cannot be read is one error, not one per row."""
        if id_column(table) is None and numbered_column(table) is None:
            return False
        found = read_table(table)
        if found.problem is not None:
            self.phase.unreadable_table = True
            self.errors.append(
                Diagnostic(
                    line=table.line,
                    message=f"the table's rows start with task IDs but cannot be read as "
                    f"tasks: {found.problem}",
                    hint="write it as `| ID | Task | Status |` rows, or as `- [ ] T001 …` items",
                )
            )
            return True
        for row in found.rows:
            task = TaskDraft(row.task_id, row.line, row.mark, row.title, parallel=row.parallel)
            task.deps = [(ref, row.line) for ref in row.deps]
            task.description.extend(row.description)
            task.table = True
            self.phase.tasks.append(task)
            if not row.known_status:
                self._warn(
                    row.line,
                    f"{row.task_id or row.title}: status {row.status!r} is not one orch knows, "
                    "read as pending",
                    "write Done (or ✅), Skipped, or Pending",
                )
        self._last = None
        return True

    def _at_heading(self, heading: Heading) -> None:
        """A sub-heading ends the task above; a task heading (``### Task 2.1: …``) starts one."""
        self._last = self._heading = None
        deeper = heading.level > self.phase.level
        found = heading_task(heading.text) if deeper else None
        if found is None and heading.level in self._task_heading_levels:
            found = numbered_heading(heading.text)
        if found is None:
            return
        if not self._headings_are_tasks:
            # a sub-heading of checkbox tasks (``### T012-T015 Models``): it must name tasks
            self.mentions.append((heading.line, _RANGE_END.sub("", found.task_id)))
            return
        if not self.phase.labelled and other_prefix(found.task_id) is not None:
            self._warn(
                heading.line,
                f"heading {heading.text[:40]!r} is not read as a task: an ID such as "
                f"{found.task_id} names a task only under a phase heading",
                "put it under a `## Phase N: …` heading, or use T001-style IDs",
            )
            return
        mark = PlanMark.SKIPPED if found.struck else PlanMark.PENDING
        task = TaskDraft(found.task_id, heading.line, mark, found.title, heading=True)
        task.marked_done = found.done
        self.phase.tasks.append(task)
        if found.struck:
            task.description.append("Struck through in the plan: read as skipped.")
            self._warn(task.line, f"{task.label} is struck through, read as skipped")
        self._last = self._heading = task

    def _under_heading(self, block: Block, task: TaskDraft) -> None:
        """What follows a task heading: its description, metadata, criteria and commands."""
        if isinstance(block, Item) and self._status_line(block.text, task):
            return
        if isinstance(block, Paragraph):
            for offset, text in enumerate(block.text.split("\n")):
                if self._status_line(text, task):
                    continue
                meta = key_value(text, TASK_KEYS, block.line + offset)
                gate = None if meta else key_value(text, PHASE_KEYS, block.line + offset)
                if meta is not None and self._applied(task, meta):
                    continue
                if gate is not None and gate.key == "gate":
                    self.phase.apply(gate)  # a gate is the phase's, wherever it is written
                elif text.strip():
                    task.description.append(text.strip())
        elif isinstance(block, Fence):
            task.add_fence(block)
        elif isinstance(block, Item):
            self._child(block, task)

    @staticmethod
    def _status_line(text: str, task: TaskDraft) -> bool:
        """Read a heading task's ``**Status**: Done`` line: done, skipped, or (any other word)
        pending. Whether ``text`` is such a line."""
        found = _STATUS_LINE.match(text.strip())
        if found is None:
            return False
        mark, known = status_cell(found.group("value"))
        if known and mark is PlanMark.DONE:
            task.marked_done = True
        elif known and mark is PlanMark.SKIPPED:
            task.mark = PlanMark.SKIPPED
        return True

    def _applied(self, task: TaskDraft, meta: Field) -> bool:
        """Apply a ``**Key**: value`` prose line under a task heading; one whose value does not
        parse (``**Priority**: CRITICAL PATH``) is prose, not an error: ``False``."""
        before = len(self.errors)
        task.apply(meta, self.errors)
        if len(self.errors) == before:
            return True
        del self.errors[before:]
        return False

    def _item(self, item: Item, parent: TaskDraft | None) -> None:
        line = parse_task_line(item.text) if item.text.startswith("[") else None
        if line is not None and not self.with_ids and line.task_id and other_prefix(line.task_id):
            # a plan without IDs: `- [ ] H264 encoding` is a plain item, its title whole
            first = _LEADING_BOX.sub("", item.text.split("\n", 1)[0], count=1).strip()
            line = TaskLine(mark=line.mark, task_id=None, title=first, extra=line.extra)
        if line is not None and (line.task_id or (not self.with_ids and parent is None)):
            self._task(item, line)
            return
        if line is not None:
            self._criterion_warning(item, line)
            owner = parent or self._last
            if owner is None:
                self.phase.acceptance.append(line.title)
            else:
                owner.acceptance.append(line.title)
                owner.acceptance_marks.append(line.mark is PlanMark.DONE)
        else:
            self._mention(item)
            if parent is None:
                for meta in phase_fields(item.text, item.line):
                    self.phase.apply(meta)
        for child in item.children:
            self._item(child, parent)

    def _boxless(self, items: list[Item]) -> None:
        """A phase holding no checkbox, heading or table task, whose list items open with task
        IDs (``- T001 Create …``, ``1. T002 …``, ``- ✅ T003 …``): those items are its tasks,
        pending unless a done mark or a strike says otherwise (the parser warns about each once
        it knows they name no checkbox task)."""
        pending = list(items)
        made: set[int] = set()
        while pending:
            item = pending.pop(0)
            if checkbox(item.text) is not None or boxless_id(item.text) is None:
                pending.extend(item.children)
                continue
            line = parse_task_line("[ ] " + item.text)
            if line is None or line.task_id is None:
                continue
            self._task(item, line)
            self.phase.tasks[-1].boxless = True
            made.add(item.line)
        self._last = None
        self.mentions = [found for found in self.mentions if found[0] not in made]

    def _criterion_warning(self, item: Item, line: TaskLine) -> None:
        """Warn when an ID-less checkbox item still looks like a task."""
        misplaced = _MISPLACED_ID.match(line.title)
        foreign = None if misplaced else _FOREIGN_ID.match(line.title)
        first = _LEADING_BOX.sub("", item.text.split("\n", 1)[0], count=1)
        other = foreign or (None if misplaced else _ID_LIKE.match(first))
        if misplaced:
            why = "the task ID must come first"
        elif other:
            why = f"{other.group(1)!r} is not a task ID (task IDs look like T001)"
        else:
            return
        self._warn(
            item.line,
            f"checkbox item {line.title[:40]!r} is read as an acceptance criterion, not a task: "
            + why,
            "write `- [ ] T001 [P] Title`",
        )

    def _mention(self, item: Item) -> None:
        found = boxless_id(item.text)
        if found is not None:
            self.mentions.append((item.line, found))

    def _mention_lines(self, text: str, line: int) -> None:
        """Prose lines that start with a task ID (``T011 Add X``, a ``-[ ] T012`` missing its
        space): each must name a task, or it gets a warning like a checkbox-less item."""
        for offset, source_line in enumerate(text.split("\n")):
            found = leading_id(_PROSE_LEAD.sub("", source_line, count=1))
            if found is not None:
                self.mentions.append((line + offset, found))

    def _warn(self, line: int, message: str, hint: str | None = None) -> None:
        self.warnings.append(Diagnostic(line=line, severity="warning", message=message, hint=hint))

    def _task(self, item: Item, line: TaskLine) -> None:
        if not line.title and line.extra:
            # `- [ ] **T001**` with its title on the next line
            first, _, rest = line.extra.partition("\n")
            if key_value(first, TASK_KEYS, item.line + 1) is None and not _LAZY_ITEM.match(first):
                line.title, line.extra = first.strip(), rest
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
        self._odd_marks(task, line)
        for offset, extra in enumerate(line.extra.split("\n"), start=1):
            lazy = _LAZY_ITEM.match(extra)
            if lazy is not None and checkbox_id(extra[lazy.end() :]) is not None:
                # `      - [ ] T009 …` indented too far to open a list: still a task
                nested = parse_task_line(extra[lazy.end() :])
                if nested is not None:
                    self._task(Item(line=item.line + offset, text=extra[lazy.end() :]), nested)
                    continue
            meta = key_value(extra, TASK_KEYS, item.line + offset)
            if meta is not None:
                task.apply(meta, self.errors)
            elif extra.strip():
                self._mention_lines(extra, item.line + offset)
                task.description.append(extra.strip())
        for paragraph in item.paragraphs:
            self._mention_lines(paragraph.text, paragraph.line)
            task.description.append(paragraph.text)
        for fence in item.fences:
            task.add_fence(fence)
        for child in item.children:
            self._child(child, task)
        self._last = task

    def _odd_marks(self, task: TaskDraft, line: TaskLine) -> None:
        """Unknown checkbox markers and struck-through IDs: a task all the same, and a warning."""
        if line.marker is not None:
            reads = task.mark.value
            self._warn(
                task.line,
                f"{task.label}: unknown checkbox marker [{line.marker}], read as {reads}",
                "use [ ] pending, [X] done or [~] skipped",
            )
        if line.struck:
            task.description.append("Struck through in the plan: read as skipped.")
            self._warn(task.line, f"{task.label} is struck through, read as skipped")

    def _child(self, child: Item, task: TaskDraft) -> None:
        if child.text.startswith("["):
            self._item(child, task)
            return
        meta = key_value(child.text, TASK_KEYS, child.line)
        if meta is None:
            self._mention(child)
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
