"""What the controller, the merge queue and the phase-decision step ask of the run they serve.

:class:`~orch.runner.engine.Runner` is the one implementation; typing against this protocol
keeps the runner package free of import circles (the engine imports them, never the reverse).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from orch.adapters.base import Budget, Role
from orch.adapters.roles import RoleResolver
from orch.config import OrchConfig
from orch.domain.events import EventType
from orch.domain.plan import Phase, Task
from orch.domain.state import RunState
from orch.domain.status import RunStatus
from orch.runner.attempt import AdapterCache
from orch.runner.executor import AttemptBase, AttemptRequest
from orch.runner.ledger import SpendLedger
from orch.runner.plancheck import CheckPlanner
from orch.runner.results import TaskResults
from orch.store.runs import RunRecorder

if TYPE_CHECKING:
    from orch.runner.remote_executor import Transport


@dataclass
class RunnerSettings:
    """Knobs that are not part of the plan."""

    config: OrchConfig = field(default_factory=OrchConfig)
    task_timeout_s: float | None = None
    max_cost_usd: float | None = None
    sleep: Callable[[float], None] = time.sleep
    planner: CheckPlanner | None = None
    """Decides each task's checks; by default from the config alone (no auto gate)."""
    assume_yes: bool = False
    """``--yes``: non-interactive; agents get ``ORCH_ASSUME_YES=1`` in their context."""
    jobs: int | None = None
    """Worker slots (``--jobs``); ``None`` = config ``jobs:``."""
    transport: Transport | None = None
    """Where lane attempts go when not to local worktrees (docs/distributed.md)."""


class RunHost(Protocol):
    """The run's public face (see :class:`~orch.runner.engine.Runner` for each member)."""

    project_dir: Path
    recorder: RunRecorder
    resolver: RoleResolver
    settings: RunnerSettings
    planner: CheckPlanner
    adapters: AdapterCache
    logs_dir: Path
    ledger: SpendLedger
    results: TaskResults

    @property
    def state(self) -> RunState: ...

    @property
    def marks_plan(self) -> bool: ...

    def record(self, type_: EventType, *, task: str | None = None, phase: str | None = None,
               data: dict[str, object] | None = None) -> None: ...

    def finish(self, status: RunStatus, error: str | None = None) -> RunStatus: ...

    def note(self, message: str, level: str = "warning") -> None: ...

    def task(self, task_id: str) -> Task: ...

    def phase_of(self, task: Task) -> Phase: ...

    def role_of(self, task: Task) -> Role: ...

    def task_paths(self, task: Task) -> set[str]: ...

    def pre_task(self, task_id: str) -> tuple[bool, str | None]: ...

    def restart_point(self, task_id: str) -> None: ...

    def budget_gate(self, role: Role, *, busy: int) -> tuple[Budget, str | None]: ...

    def start_attempt(self, task: Task, role: Role, position: tuple[int, int],
                      base: AttemptBase, budget: Budget, *, feedback: str | None,
                      interrupted_before: bool, lane: int | None = None) -> AttemptRequest: ...

    def note_interrupted(self, task_id: str) -> None: ...

    def sleep(self, seconds: float) -> None: ...

    def timeout(self, task: Task | None) -> float | None: ...
