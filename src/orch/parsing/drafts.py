"""Mutable drafts of phases and tasks, filled while walking a phase's blocks."""

from __future__ import annotations

from dataclasses import dataclass, field

from orch.domain.limits import MAX_PRIORITY
from orch.domain.plan import Diagnostic, PlanMark
from orch.durations import parse_duration
from orch.parsing.blocks import Block, Fence
from orch.parsing.metadata import Field, commands, plain, split_list
from orch.parsing.taskline import DepRef, parse_dep_list

SHELL_INFOS = frozenset({"", "sh", "bash", "shell", "console", "zsh"})
"""Info strings of fenced blocks that hold a task's shell commands."""
PRIORITY_WORDS = {
    "critical": 10,
    "highest": 10,
    "high": 8,
    "medium": 5,
    "normal": 5,
    "low": 2,
    "lowest": 0,
    "p0": 10,
    "p1": 8,
    "p2": 5,
    "p3": 2,
}
"""Priorities written as words (Taskmaster, Claudio, ``- **Priority**: HIGH``) on the 0-10 scale."""
INTERPRETERS = {"sh": "sh", "zsh": "zsh"}
"""Blocks labelled ``sh`` run with ``sh`` (as labelled), ``zsh`` with zsh; the rest with bash."""


def priority_word(text: str) -> int | None:
    """The 0-10 priority a word such as ``HIGH`` or ``**Medium**`` stands for, else ``None``."""
    words = text.strip("*_` ").split()
    return PRIORITY_WORDS.get(words[0].lower().rstrip(".,;:")) if words else None


@dataclass(slots=True)
class TaskDraft:
    """A task while its item and nested bullets are being read."""

    task_id: str | None
    line: int
    mark: PlanMark
    title: str
    parallel: bool = False
    story: str | None = None
    labels: list[str] = field(default_factory=list)
    deps: list[tuple[DepRef, int]] = field(default_factory=list)
    agent: str | None = None
    verify: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    timeout_s: float | None = None
    retries: int = 0
    estimate_s: float | None = None
    priority: int = 0
    strict: bool | None = None
    commands: list[str] = field(default_factory=list)
    shells: list[str] = field(default_factory=list)
    acceptance: list[str] = field(default_factory=list)
    acceptance_marks: list[bool] = field(default_factory=list)
    """Whether each acceptance criterion is checked; a heading task is done when all are."""
    description: list[str] = field(default_factory=list)
    heading: bool = False
    """The task is a heading (``### Task 2.1: …``), not a checkbox item."""
    marked_done: bool = False
    boxless: bool = False
    """The task is a list item without a checkbox (``- T001 …`` in a phase without checkboxes)."""
    table: bool = False
    """The task is a table row (``| T1.1 | Title | Done |``)."""
    """A heading task carries a done mark (``✅``): it is done whatever its criteria say."""

    @property
    def label(self) -> str:
        """How messages name this task."""
        return self.task_id or f"task at line {self.line}"

    def apply(self, meta: Field, errors: list[Diagnostic]) -> None:
        """Record one metadata field; a malformed value becomes an error at its line."""
        key, value = meta.key, meta.value
        if key == "agent":
            self.agent = plain(value) or None
        elif key == "verify":
            self.verify.extend(commands(value))
        elif key == "files":
            self.files.extend(split_list(value))
        elif key == "depends":
            self.deps.extend((ref, meta.line) for ref in parse_dep_list(value))
        elif key in ("timeout", "estimate"):
            try:
                seconds = parse_duration(plain(value))
            except ValueError:
                errors.append(
                    Diagnostic(
                        line=meta.line,
                        message=f"{self.label}: {key}: {plain(value)!r} is not a duration",
                        hint="write a duration such as 90s, 10m or 1h30m",
                    )
                )
                return
            if key == "timeout":
                self.timeout_s = seconds
            else:
                self.estimate_s = seconds
        elif key == "priority":
            self._priority(plain(value), meta.line, errors)
        elif key == "strict":
            text = plain(value).lower()
            if text in ("true", "yes", "on", "false", "no", "off"):
                self.strict = text in ("true", "yes", "on")
            else:
                errors.append(Diagnostic(
                    line=meta.line, message=f"{self.label}: strict: {text!r} is not true or false",
                    hint="write `strict: true` to keep the agent's writes to the task's files"))
        elif key == "retries":
            text = plain(value)
            if text.isdigit():
                self.retries = int(text)
            else:
                errors.append(
                    Diagnostic(
                        line=meta.line,
                        message=f"{self.label}: retries: {text!r} is not a whole number",
                        hint="write a count such as `retries: 2`",
                    )
                )

    def _priority(self, text: str, line: int, errors: list[Diagnostic]) -> None:
        if text.isdigit() and int(text) <= MAX_PRIORITY:
            self.priority = int(text)
            return
        word = priority_word(text)
        if word is not None:
            self.priority = word
            return
        if text.strip("*_` ").replace(" ", "").replace("-", "").isalpha():
            # A word off the scale (``SHOWSTOPPER``) is kept as a label, not made an error.
            self.labels.append(f"priority:{text.strip('*_` ').lower()}")
            return
        errors.append(
            Diagnostic(
                line=line,
                message=f"{self.label}: priority: {text!r} is not a whole number from 0 to 10",
                hint="write `priority: 5` or a word: critical, high, medium, low (higher runs "
                "first among tasks ready at once)",
            )
        )

    def add_fence(self, fence: Fence) -> None:
        """A fenced block under the task: shell commands, or description for other languages."""
        if fence.info in SHELL_INFOS:
            script = fence.content.strip("\n")
            if script.strip():
                self.commands.append(script)
                self.shells.append(INTERPRETERS.get(fence.info, "bash"))
        else:
            self.description.append(f"```{fence.info}\n{fence.content}```")


@dataclass(slots=True)
class PhaseDraft:
    """A phase while its section is being read."""

    explicit_id: str | None
    title: str
    line: int
    level: int
    labelled: bool
    heading: str = ""
    outside: bool = False
    """A section outside every phase: its ID'd items are references, unless their IDs are new."""
    example: bool = False
    unreadable_table: bool = False
    """A task table here could not be read: its error says why the phase is empty."""
    """An outside section that shows an example (``## Parallel Example: Phase 1``)."""
    blocks: list[Block] = field(default_factory=list)
    gates: list[str] = field(default_factory=list)
    agent: str | None = None
    targets: list[str] = field(default_factory=list)
    review: str | None = None
    approve: str | None = None
    description: list[str] = field(default_factory=list)
    acceptance: list[str] = field(default_factory=list)
    tasks: list[TaskDraft] = field(default_factory=list)

    def apply(self, meta: Field) -> None:
        """Record a ``**Gate**``, ``**Agent**`` or description line."""
        if meta.key == "gate":
            self.gates.extend(commands(meta.value))
        elif meta.key == "agent":
            self.agent = plain(meta.value) or None
        elif meta.key == "target":
            self.targets.append(meta.value)
        elif meta.key == "review":
            self.review = plain(meta.value) or None
        elif meta.key == "approve":
            self.approve = plain(meta.value).lower() or None
        elif meta.value:
            self.description.append(meta.value)
