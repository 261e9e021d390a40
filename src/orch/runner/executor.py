"""The executor seam: one attempt at one task, plain data in and plain data out (DESIGN §11).

The controller (:mod:`orch.runner.controller`) owns everything that decides or records: the
journal, the budget gate, retries, integration. An :class:`Executor` owns only *where* an attempt
runs: given an :class:`AttemptRequest` (the task, its checks, its budget, the base it starts from)
it runs the agent, measures what changed, runs the task's checks, and returns an
:class:`AttemptOutcome` with the change as a tree (the main working tree) or a commit (a lane's
branch). Both are values that survive a trip through JSON (:func:`request_to_json`,
:func:`outcome_from_json`): a remote executor (``orch worker``, Ray) sends them over a wire and
needs nothing else.

What an attempt reports while it runs (``task_verifying``, a warning note) goes to the
:class:`AttemptEvents` sink the controller hands to :meth:`Executor.run`; the controller records
each event as it arrives. An executor never writes the journal itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import TypeAdapter

from orch import proc
from orch.adapters.base import AgentResult, AgentStatus, Budget, Handoff, Role
from orch.domain.events import DiffStat
from orch.domain.plan import Phase, Task
from orch.runner.plancheck import TaskChecks
from orch.runner.verify import CheckOutcome

PROTOCOL_VERSION = 1
"""The version of the request/outcome wire format; bumped on any incompatible change."""


@dataclass(frozen=True)
class AttemptBase:
    """What an attempt starts from.

    ``tree``: the main working tree as it is (``id`` is the tree the task first started on, when
    known: resume puts the tree back to it). ``commit``: a commit of the integrated tree that a
    lane's worktree (or a remote worker's checkout) is made from.
    """

    kind: Literal["tree", "commit"]
    id: str | None = None


@dataclass(frozen=True)
class AttemptChange:
    """The attempt's work: ``commit`` (on the task's branch, to integrate) or ``tree`` (already in
    the main working tree: integration is the identity)."""

    kind: Literal["tree", "commit"]
    id: str | None = None


@dataclass(frozen=True)
class AttemptContext:
    """The bounded context an agent is given besides its task (all text, no live objects)."""

    plan_title: str = ""
    conventions: str = ""
    spec_docs: str = ""
    handoffs: list[Handoff] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class AttemptRequest:
    """Everything one attempt needs: plain, serialisable data."""

    run_id: str
    task: Task
    phase: Phase
    role: Role
    attempt: int
    checks: TaskChecks
    budget: Budget
    base: AttemptBase
    log_name: str
    """The task's log, relative to the run's logs directory (``T001.log``)."""
    timeout_s: float | None = None
    feedback: str | None = None
    """A retry's failing command and output tail, or a REVISE decision's findings."""
    setup: str | None = None
    """``worktree: setup:`` to run in a fresh worktree before the agent (lanes only)."""
    context: AttemptContext = field(default_factory=AttemptContext)
    version: int = PROTOCOL_VERSION

    @property
    def task_id(self) -> str:
        """The id of the task this attempt is for."""
        return self.task.id


@dataclass
class AttemptOutcome:
    """How one attempt went: the agent's result, orch's own verdict on it, and its change."""

    result: AgentResult
    check: CheckOutcome
    duration_s: float
    diffstat: DiffStat | None = None
    ran_checks: bool = False
    change: AttemptChange | None = None
    """Set when the attempt passed: where its work is (``None`` when there is nothing to keep)."""
    interrupted_run: bool = False
    """The run was interrupted (Ctrl-C, SIGTERM) while this attempt ran."""

    @property
    def interrupted(self) -> bool:
        """The attempt was stopped before it could finish (agent, checks or the whole run)."""
        return (self.result.status is AgentStatus.INTERRUPTED or self.check.interrupted
                or self.interrupted_run or proc.interrupted())

    @property
    def verified(self) -> bool:
        """Checks ran for the task itself and all passed (the phase gate may add more)."""
        return self.check.ok and bool(self.check.evidence)


@runtime_checkable
class AttemptEvents(Protocol):
    """Where an attempt reports what happens while it runs; the controller journals it."""

    def __call__(self, task_id: str, type_: str, data: dict[str, object]) -> None:
        """One event (an :class:`~orch.domain.events.EventType` value) with its payload."""
        ...


@runtime_checkable
class Executor(Protocol):
    """Runs attempts somewhere: the main tree, a lane's worktree, another machine.

    ``run`` may be called from a worker thread; it never raises for a task's failure (a failed
    agent or check is an outcome) and never writes the journal. ``prepare`` is called by the
    controller on its own thread before an attempt is dispatched and returns the base the attempt
    starts from. Third-party executors register under the entry point group ``orch.executors``
    (a later issue); the controller never branches on ``kind``.
    """

    kind: str
    """``main``, ``worktree`` or a remote kind; shown in logs, never branched on."""

    def prepare(self, task_id: str, *, fresh: bool, events: AttemptEvents) -> AttemptBase:
        """Make the place the next attempt at ``task_id`` runs in (a fresh one if ``fresh``);
        what it made is reported to ``events`` before the attempt is dispatched."""
        ...

    def run(self, request: AttemptRequest, events: AttemptEvents) -> AttemptOutcome:
        """Run one attempt from ``request.base``; the outcome, with its change when it passed."""
        ...


_REQUEST = TypeAdapter(AttemptRequest)
_OUTCOME = TypeAdapter(AttemptOutcome)


def request_to_json(request: AttemptRequest) -> str:
    """The request as JSON, for an executor on the other side of a pipe or a network."""
    return json.dumps(_REQUEST.dump_python(request, mode="json"))


def request_from_json(text: str) -> AttemptRequest:
    """A request read back from :func:`request_to_json`'s text (refuses another version)."""
    data: dict[str, Any] = json.loads(text)
    if data.get("version") != PROTOCOL_VERSION:
        raise ValueError(f"attempt request version {data.get('version')!r} is not "
                         f"{PROTOCOL_VERSION}")
    return _REQUEST.validate_python(data)


def outcome_to_json(outcome: AttemptOutcome) -> str:
    """The outcome as JSON."""
    return json.dumps(_OUTCOME.dump_python(outcome, mode="json"))


def outcome_from_json(text: str) -> AttemptOutcome:
    """An outcome read back from :func:`outcome_to_json`'s text."""
    return _OUTCOME.validate_python(json.loads(text))
