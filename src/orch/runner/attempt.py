"""One attempt at one task, and what to do after it: the seam a scheduler's worker calls.

:meth:`TaskWorker.attempt` runs the agent, measures what changed, runs the task's checks and
returns an :class:`AttemptOutcome` (a value, never an exception). :func:`decide` turns that
outcome plus the task's history into a :class:`Decision`: done, retry, failed, blocked, budget
exceeded or interrupted. The engine records the decision; nothing here decides the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from orch import proc
from orch.adapters.base import Adapter, AgentContext, AgentResult, AgentStatus, Budget, Role
from orch.adapters.registry import get_adapter
from orch.domain.events import CheckRecord, DiffStat, EventType
from orch.domain.plan import Phase, Task
from orch.runner.filechecks import ChangeProbe, describe_failure, evaluate
from orch.runner.ingate import GateSettings, read_blocks, session_gate
from orch.runner.plancheck import TaskChecks
from orch.runner.verify import CheckOutcome, run_checks
from orch.secrets import default_redactor

MAX_BACKOFF_S = 60.0
Record = Callable[[EventType, str, dict[str, object]], None]
"""Records one task event (type, task id, data) durably before the next action."""


@dataclass
class AttemptOutcome:
    """How one attempt went: the agent's result and orch's own verdict on it."""

    result: AgentResult
    check: CheckOutcome
    duration_s: float
    diffstat: DiffStat | None = None
    ran_checks: bool = False

    @property
    def interrupted(self) -> bool:
        return (self.result.status is AgentStatus.INTERRUPTED or self.check.interrupted
                or proc.interrupted())

    @property
    def verified(self) -> bool:
        """Checks ran for the task itself and all passed (the phase gate may add more)."""
        return self.check.ok and bool(self.check.evidence)


@dataclass
class AttemptRequest:
    """Everything one attempt needs besides the worker's own settings."""

    task: Task
    phase: Phase
    role: Role
    attempt: int
    checks: TaskChecks
    log_path: Path
    budget: Budget
    feedback: str | None = None
    baseline: str | None = None
    """The tree when the task first started (see :class:`~orch.domain.state.TaskState`)."""
    context_extras: dict[str, Any] = field(default_factory=dict)
    gate: GateSettings | None = None
    """The in-session gate asked for (docs/verification.md); adapters with hooks use it."""


class TaskWorker:
    """Runs attempts: agent, then orch's measurement and checks."""

    def __init__(self, project_dir: Path, record: Record, barrier: Callable[[], None],
                 timeout: Callable[[Task | None], float | None]) -> None:
        self.project_dir = project_dir
        self.record = record
        self.barrier = barrier
        self.timeout = timeout
        self.probe = ChangeProbe.for_project(project_dir)
        self._adapters: dict[str, Adapter] = {}

    def adapter(self, name: str) -> Adapter:
        """One instance per adapter name for the whole run."""
        if name not in self._adapters:
            self._adapters[name] = get_adapter(name)
        return self._adapters[name]

    def attempt(self, request: AttemptRequest) -> AttemptOutcome:
        """Run the agent once, then orch's checks; returns the outcome."""
        started = time.monotonic()
        self.probe.start(request.task.id, request.checks.files, request.baseline)
        result = self._run_agent(request)
        outcome = AttemptOutcome(result, CheckOutcome(ok=False), 0.0)
        if not outcome.interrupted:
            outcome = self._verify(request, result)
        outcome.duration_s = round(time.monotonic() - started, 3)
        return outcome

    def _run_agent(self, request: AttemptRequest) -> AgentResult:
        adapter = self.adapter(request.role.adapter)
        record = request.log_path.with_suffix(".hooks.jsonl")
        self._journal_blocks(request, record)  # left by an attempt whose orch was killed
        gate = session_gate(request.gate, task=request.task, attempt=request.attempt,
                            record=record, checks=request.checks,
                            baseline=self.probe.start_tree, absent=self.probe.absent_at_start,
                            timeout_s=self.timeout(request.task), project=self.project_dir)
        self.barrier()
        # Built from already-validated models: skip re-validation on the hot path.
        context = AgentContext.model_construct(
            task=request.task,
            phase=request.phase,
            project_dir=self.project_dir,
            log_path=request.log_path,
            role=request.role,
            attempt=request.attempt,
            retry_feedback=request.feedback,
            timeout_s=self.timeout(request.task),
            budget=request.budget,
            cancel_check=proc.interrupted,
            checks=request.checks.prompt_text(),
            session_gate=gate.to_env() if gate is not None else None,
            **request.context_extras,
        )
        try:
            return adapter.run(context)
        finally:
            self._journal_blocks(request, record)

    def _journal_blocks(self, request: AttemptRequest, record: Path) -> None:
        """Each time an in-session gate stopped the agent becomes a ``hook_blocked`` event."""
        for block in read_blocks(record):
            attempt = block.get("attempt")
            self.record(EventType.HOOK_BLOCKED, request.task.id, {
                "kind": str(block.get("kind", "stop")), "check": str(block.get("check", "")),
                "attempt": attempt if isinstance(attempt, int) else request.attempt,
                "reason": str(block.get("reason", ""))[:2000]})
        record.unlink(missing_ok=True)

    def _verify(self, request: AttemptRequest, result: AgentResult) -> AttemptOutcome:
        """orch's own check: the agent's word is never enough."""
        task, checks = request.task, request.checks
        if result.status is not AgentStatus.COMPLETED:
            failed = CheckOutcome(
                ok=False, tail=result.summary[-4000:],
                timed_out=result.status is AgentStatus.TIMEOUT,
                reason=f"agent {result.status.value}: {result.error or 'no detail'}")
            return AttemptOutcome(result, failed, 0.0)
        measured = self.probe.finish(checks.files)
        if not (checks.verify or checks.files):
            return AttemptOutcome(result, CheckOutcome(ok=True), 0.0, measured.diffstat)
        self.record(EventType.TASK_VERIFYING, task.id,
                    {"commands": [*checks.verify, *(c.command for c in checks.files)]})
        _append_log(request.log_path, "\n--- orch verification ---\n")
        self.barrier()
        outcome = run_checks(checks.verify, cwd=self.project_dir, log_path=request.log_path,
                             timeout_s=self.timeout(task))
        if outcome.ok:
            outcome = _file_outcome(evaluate(checks.files, self.probe, measured),
                                    outcome.evidence)
        verdict = "passed" if outcome.ok else f"FAILED: {outcome.error}"
        _append_log(request.log_path, f"--- verification {verdict} ---\n")
        return AttemptOutcome(result, outcome, 0.0, measured.diffstat, ran_checks=True)


def _file_outcome(records: list[CheckRecord], before: list[CheckRecord]) -> CheckOutcome:
    failed = [r for r in records if not r.ok]
    if not failed:
        return CheckOutcome(ok=True, evidence=[*before, *records])
    reasons = "; ".join(describe_failure(r) for r in failed)
    return CheckOutcome(ok=False, failed_command=failed[0].command, returncode=1,
                        tail=reasons, reason=f"file check failed: {reasons}",
                        evidence=[*before, *records])


class Action(StrEnum):
    """What the runner does after an attempt."""

    DONE = "done"
    RETRY = "retry"
    FAILED = "failed"
    BLOCKED = "blocked"
    BUDGET_EXCEEDED = "budget_exceeded"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Decision:
    """The action, its error text, and the back-off before a retry."""

    action: Action
    error: str | None = None
    delay_s: float = 0.0


@dataclass
class RetryPolicy:
    """A task's retry budget within this run, and the failures seen so far."""

    max_attempts: int
    no_progress_limit: int
    backoff_s: float
    failures: list[str] = field(default_factory=list)

    def decide(self, outcome: AttemptOutcome) -> Decision:
        """Done, retry or halt, from the outcome and the failures before it."""
        if outcome.interrupted:
            return Decision(Action.INTERRUPTED, "interrupted")
        if outcome.result.status is AgentStatus.BUDGET_EXCEEDED:
            return Decision(Action.BUDGET_EXCEEDED, outcome.result.error or "budget exceeded")
        if outcome.check.ok:
            return Decision(Action.DONE)
        error = outcome.check.error or "failed"
        self.failures.append(error)
        same = self.failures.count(error)
        if same >= self.no_progress_limit:
            return Decision(Action.BLOCKED,
                            f"no progress: failed the same way {same} times: {error}")
        tries = len(self.failures)
        if tries < self.max_attempts:
            delay = min(MAX_BACKOFF_S, self.backoff_s * 2 ** (tries - 1))
            return Decision(Action.RETRY, error, delay)
        return Decision(Action.FAILED, error)


def retry_feedback(check: CheckOutcome) -> str:
    """What the next attempt is told about the failure of this one."""
    if check.failed_command is None:
        return f"The previous attempt failed: {check.error}\n{check.tail[-3000:]}"
    return (
        f"The previous attempt did not pass verification.\n"
        f"Failing command: {check.failed_command}\n"
        f"Output (tail):\n{check.tail[-3000:]}"
    )


def _append_log(log_path: Path, text: str) -> None:
    with open(log_path, "ab") as log:
        log.write(default_redactor()(text).encode())
