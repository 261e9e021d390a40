"""The adapter seam (docs/agents.md): ``Adapter.run(context) -> AgentResult``.

Every adapter, built-in or third-party, receives an :class:`AgentContext` and returns an
:class:`AgentResult`. An adapter never decides that a task is *done*: orch runs the task's
verification afterwards, and only that makes a task done.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from orch.domain.plan import Phase, Task


class AgentStatus(StrEnum):
    """How an agent's attempt at a task ended."""

    COMPLETED = "completed"
    FAILED = "failed"
    BLOCKED = "blocked"
    MAX_TURNS = "max_turns"
    BUDGET_EXCEEDED = "budget_exceeded"
    TIMEOUT = "timeout"
    API_ERROR = "api_error"
    INTERRUPTED = "interrupted"


class Usage(BaseModel):
    """Token usage of one attempt."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    reasoning_output_tokens: int = 0
    """The part of ``output_tokens`` a reasoning model spent thinking (already counted there)."""


class AgentResult(BaseModel):
    """What an adapter reports back, the same shape whatever the agent."""

    status: AgentStatus
    summary: str = ""
    files_changed: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    session_id: str | None = None
    log_path: str | None = None
    turns: int = 0
    error: str | None = None
    """One line saying what went wrong, for failures."""


class Handoff(BaseModel):
    """A finished dependency's record, passed to the tasks that depend on it."""

    task_id: str
    title: str
    status: str
    summary: str = ""
    files_changed: list[str] = Field(default_factory=list)


class Role(BaseModel):
    """A named agent role: which adapter runs it, with which model, prompt and budget."""

    name: str
    adapter: str
    model: str | None = None
    prompt: str = ""
    description: str = ""
    tools: list[str] | None = None
    max_cost_usd: float | None = None
    max_tokens: int | None = None
    max_turns: int | None = None
    source: str = ""
    """Where the role was defined: ``config``, ``.claude/agents/NAME.md``, ``adapter``."""


class Budget(BaseModel):
    """What this attempt may still spend; ``None`` means no cap. Checked before every model call."""

    max_cost_usd: float | None = None
    max_tokens: int | None = None
    max_turns: int | None = None
    max_seconds: float | None = None


@runtime_checkable
class SpendGate(Protocol):
    """The run's one cost budget: the meter every model call goes through (:mod:`orch.meter`)."""

    def reserve(self, task_id: str, minimum: float, wanted: float) -> float | None:
        """Reserve up to ``wanted`` dollars for one call (at least ``minimum``), or ``None``."""
        ...

    def settle(self, task_id: str, reserved: float, spent: float) -> None:
        """The call ended: release ``reserved``, count ``spent``."""
        ...

    def free(self) -> float | None:
        """What the cap still allows beyond spending and open reservations; ``None``: no cap."""
        ...


class AgentContext(BaseModel):
    """Everything an adapter gets for one attempt at one task: bounded, never the whole history."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    task: Task
    phase: Phase
    plan_title: str = ""
    project_dir: Path
    log_path: Path
    """Append the transcript here; orch shows it with ``orch log TASK``."""
    role: Role
    attempt: int = 1
    handoffs: list[Handoff] = Field(default_factory=list)
    conventions: str = ""
    """Project conventions (CLAUDE.md, AGENTS.md, constitution), already size-bounded."""
    spec_docs: str = ""
    """In a spec-kit feature: its design documents (spec.md, plan.md, …), already size-bounded."""
    retry_feedback: str | None = None
    """On a retry: the failing verify command and the tail of its output."""
    timeout_s: float | None = None
    budget: Budget = Field(default_factory=Budget)
    env: dict[str, str] = Field(default_factory=dict)
    """Extra environment for subprocesses (never secrets orch was not given)."""
    cancel_check: Callable[[], bool] | None = None
    """Returns True once the run has been interrupted; long-running adapters poll it."""
    checks: str = ""
    """What orch will check for this task, in words for the prompt (or that nothing will)."""
    notify: Callable[[str], None] | None = None
    """Shows a one-line message live and records it in the run's journal (an API retry)."""
    session_gate: str | None = None
    """The task's in-session gate as JSON (``orch.runner.ingate.SessionGate``), for adapters
    whose CLI runs hooks; ``None`` when the gate is off or the task has nothing to check."""
    spend: SpendGate | None = None
    """The run's one meter (its cost cap, shared by lanes running at once): an adapter that is
    ``priced_before_call`` reserves each call from it; orch meters any other one per attempt."""


@runtime_checkable
class Adapter(Protocol):
    """An agent orch can hand a task to."""

    name: str
    """Abilities, read with :func:`calls_model` / :func:`needs_terminal` (optional attributes:
    ``calls_model`` — spends money on a model, so budgets apply (default True);
    ``priced_before_call`` — prices each model call before making it and reserves it from
    ``context.spend`` itself (default False: orch reserves the attempt's budget share and
    counts the cost the adapter reports);
    ``needs_terminal`` — a person answers at the terminal (default False))."""

    def run(self, context: AgentContext) -> AgentResult:
        """Attempt the task once and report how it went. Must not raise for task failures."""
        ...

    def available(self) -> str | None:
        """``None`` when usable here, else one line saying what is missing and how to fix it."""
        ...


def calls_model(adapter: Adapter) -> bool:
    """Whether the adapter spends money on a model call (budgets are checked before it)."""
    return bool(getattr(adapter, "calls_model", True))


def priced_before_call(adapter: Adapter) -> bool:
    """Whether the adapter reserves each of its model calls from ``context.spend`` itself."""
    return bool(getattr(adapter, "priced_before_call", False))


def needs_terminal(adapter: Adapter) -> bool:
    """Whether a person answers the adapter at the terminal."""
    return bool(getattr(adapter, "needs_terminal", False))


def reads_prompt(adapter: Adapter) -> bool:
    """Whether someone (a model or a person) reads the task's prompt."""
    return calls_model(adapter) or needs_terminal(adapter)
