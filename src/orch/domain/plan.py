"""The typed plan: a title, ordered phases, and the tasks inside them (docs/plan-format.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_DEFERRED = ConfigDict(defer_build=True)
"""Tasks, phases and plans built by the markdown parser are not validated (its input is its own),
so their validators are built on first validation rather than at import."""


class PlanMark(StrEnum):
    """A task's checkbox in the plan: ``[ ]`` pending, ``[x]``/``[X]`` done, ``[~]`` skipped."""

    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"


class Diagnostic(BaseModel):
    """One problem found in a plan, anchored to a 1-based line of the source file."""

    model_config = ConfigDict(frozen=True)

    line: int
    message: str
    severity: Literal["error", "warning"] = "error"
    hint: str | None = None


class Task(BaseModel):
    """One unit of work. ``id`` is unique inside a plan (duplicates are renamed ``T001#2``)."""

    model_config = _DEFERRED

    id: str
    title: str
    phase_id: str
    line: int
    mark: PlanMark = PlanMark.PENDING
    depends_on: list[str] = Field(default_factory=list)
    parallel: bool = False
    story: str | None = None
    labels: list[str] = Field(default_factory=list)
    agent: str | None = None
    verify: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    timeout_s: float | None = None
    retries: int = 0
    estimate_s: float | None = None
    strict: bool | None = None
    """``- strict: true``: an in-session write fence keeps the agent to the task's files;
    ``- strict: false`` turns the config's ``strict_files`` off for this task; unset (``None``)
    inherits ``strict_files``."""
    priority: int = 0
    """``- priority: 0-10``: among tasks ready at once, higher runs first (then document order)."""
    commands: list[str] = Field(default_factory=list)
    """Fenced shell blocks under the task, one script per block, run by the ``shell`` adapter."""
    shells: list[str] = Field(default_factory=list)
    """The interpreter of each block, from its info string: ``sh`` for ```` ```sh ````, ``zsh``
    for ```` ```zsh ````, else ``bash``. Aligned with ``commands``; missing entries mean bash."""

    def shell_for(self, index: int) -> str:
        """The interpreter for ``commands[index]``."""
        return self.shells[index] if index < len(self.shells) else "bash"
    acceptance: list[str] = Field(default_factory=list)
    """ID-less checkbox items nested under the task: acceptance criteria, not tasks."""
    description: str = ""


class Target(BaseModel):
    """``**Target**: name < bound: `command```: the command prints a number compared to bound."""

    model_config = _DEFERRED

    name: str
    op: Literal["<", "<=", ">", ">="]
    bound: float
    command: str

    def met(self, value: float) -> bool:
        """Whether ``value`` meets the target."""
        return {
            "<": value < self.bound,
            "<=": value <= self.bound,
            ">": value > self.bound,
            ">=": value >= self.bound,
        }[self.op]

    def describe(self) -> str:
        return f"{self.name} {self.op} {self.bound:g}"


class Phase(BaseModel):
    """A phase: its tasks run after every task of the previous phase, then its gates run."""

    model_config = _DEFERRED

    id: str
    title: str
    line: int
    gates: list[str] = Field(default_factory=list)
    agent: str | None = None
    description: str = ""
    tasks: list[Task] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    """``**Target**`` lines, checked after the gates (docs/decisions.md)."""
    review: str | None = None
    """``**Review**: role``: the role that reviews the phase and returns a decision."""
    approve: str | None = None
    """``**Approve**: human``: the phase waits for ``orch approve`` / ``orch revise``."""
    acceptance: list[str] = Field(default_factory=list)
    """ID-less checkbox items directly under the phase: its acceptance criteria."""

    def criteria(self) -> list[str]:
        """The phase's and its tasks' acceptance criteria, the decision is judged on these."""
        return [*self.acceptance, *(item for task in self.tasks for item in task.acceptance)]

    @property
    def decided(self) -> bool:
        """Whether the phase ends with a decision (a target, a reviewer or a person)."""
        return bool(self.targets or self.review or self.approve)


class Plan(BaseModel):
    """A parsed plan. ``source`` is the path it was read from, for messages only."""

    model_config = _DEFERRED

    title: str = ""
    source: str = "<plan>"
    phases: list[Phase] = Field(default_factory=list)
    sections: dict[str, str] = Field(default_factory=dict)
    """Non-phase sections worth keeping verbatim (assumptions, risks, open questions)."""
    format: str = "markdown"
    """The plan file's format: ``markdown`` (orch / spec-kit), ``kiro``, ``taskmaster``,
    ``claudio``; progress is written back in that format's own way."""

    def tasks(self) -> list[Task]:
        """Every task in document order."""
        return [task for phase in self.phases for task in phase.tasks]

    def task(self, task_id: str) -> Task:
        """The task with this id; ``KeyError`` if there is none."""
        for candidate in self.tasks():
            if candidate.id == task_id:
                return candidate
        raise KeyError(task_id)

    def phase_of(self, task_id: str) -> Phase:
        """The phase holding a task; ``KeyError`` if there is none."""
        for phase in self.phases:
            if any(task.id == task_id for task in phase.tasks):
                return phase
        raise KeyError(task_id)


class ParseResult(BaseModel):
    """What the parser returns: the plan it could build plus every diagnostic; never raises."""

    model_config = _DEFERRED

    plan: Plan
    errors: list[Diagnostic] = Field(default_factory=list)
    warnings: list[Diagnostic] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors
