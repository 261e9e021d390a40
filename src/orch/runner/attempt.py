"""One attempt at one task, and what to do after it: the seam a scheduler's worker calls.

:meth:`TaskWorker.attempt` runs the agent, measures what changed, runs the task's checks and
returns an :class:`AttemptOutcome` (a value, never an exception). :func:`decide` turns that
outcome plus the task's history into a :class:`Decision`: done, retry, failed, blocked, budget
exceeded or interrupted. The engine records the decision; nothing here decides the run.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from orch import proc
from orch.adapters.base import Adapter, AgentContext, AgentResult, AgentStatus, SpendGate
from orch.adapters.registry import get_adapter
from orch.domain.events import CheckRecord, EventType
from orch.runner.executor import AttemptEvents, AttemptOutcome, AttemptRequest
from orch.runner.filechecks import ChangeProbe, describe_failure, evaluate
from orch.runner.verify import CheckOutcome, run_checks
from orch.secrets import default_redactor

MAX_BACKOFF_S = 60.0


class TaskWorker:
    """Runs attempts in one directory: agent, then orch's measurement and checks.

    The core every local executor shares (:mod:`orch.runner.executors`): the main tree's and each
    lane's worktree's. It records nothing itself: events go to the sink it is given.
    """

    def __init__(self, project_dir: Path, logs_dir: Path, adapters: AdapterCache,
                 spend: SpendGate | None = None) -> None:
        self.project_dir = project_dir
        self.logs_dir = logs_dir
        self.adapters = adapters
        self.spend = spend
        self.probe = ChangeProbe.for_project(project_dir)

    def attempt(self, request: AttemptRequest, events: AttemptEvents) -> AttemptOutcome:
        """Run the agent once, then orch's checks; returns the outcome."""
        started = time.monotonic()
        base = request.base.id if request.base.kind == "tree" else None
        self.probe.start(request.task_id, request.checks.files, base)
        result = self._run_agent(request, events)
        outcome = AttemptOutcome(result, CheckOutcome(ok=False), 0.0)
        if not outcome.interrupted:
            outcome = self._verify(request, result, events)
        outcome.duration_s = round(time.monotonic() - started, 3)
        return outcome

    def _run_agent(self, request: AttemptRequest, events: AttemptEvents) -> AgentResult:
        adapter = self.adapters.get(request.role.adapter)
        extras = request.context
        task_id = request.task_id
        # Built from already-validated models: skip re-validation on the hot path.
        context = AgentContext.model_construct(
            task=request.task,
            phase=request.phase,
            project_dir=self.project_dir,
            log_path=self.logs_dir / request.log_name,
            role=request.role,
            attempt=request.attempt,
            retry_feedback=request.feedback,
            timeout_s=request.timeout_s,
            budget=request.budget,
            cancel_check=proc.interrupted,
            checks=request.checks.prompt_text(),
            plan_title=extras.plan_title,
            handoffs=list(extras.handoffs),
            conventions=extras.conventions,
            spec_docs=extras.spec_docs,
            env=dict(extras.env),
            notify=lambda message: events(task_id, EventType.NOTE.value,
                                          {"message": message, "level": "warning"}),
            spend=self.spend,
        )
        return adapter.run(context)

    def _verify(self, request: AttemptRequest, result: AgentResult,
                events: AttemptEvents) -> AttemptOutcome:
        """orch's own check: the agent's word is never enough."""
        checks = request.checks
        log_path = self.logs_dir / request.log_name
        if result.status is not AgentStatus.COMPLETED:
            failed = CheckOutcome(
                ok=False, tail=result.summary[-4000:],
                timed_out=result.status is AgentStatus.TIMEOUT,
                reason=f"agent {result.status.value}: {result.error or 'no detail'}")
            return AttemptOutcome(result, failed, 0.0)
        measured = self.probe.finish(checks.files)
        if not (checks.verify or checks.files):
            return AttemptOutcome(result, CheckOutcome(ok=True), 0.0, measured.diffstat)
        events(request.task_id, EventType.TASK_VERIFYING.value,
               {"commands": [*checks.verify, *(c.command for c in checks.files)]})
        _append_log(log_path, "\n--- orch verification ---\n")
        outcome = run_checks(checks.verify, cwd=self.project_dir, log_path=log_path,
                             timeout_s=request.timeout_s)
        if outcome.ok:
            outcome = _file_outcome(evaluate(checks.files, self.probe, measured),
                                    outcome.evidence)
        verdict = "passed" if outcome.ok else f"FAILED: {outcome.error}"
        _append_log(log_path, f"--- verification {verdict} ---\n")
        return AttemptOutcome(result, outcome, 0.0, measured.diffstat, ran_checks=True)


class AdapterCache:
    """One adapter instance per adapter name for the whole run (thread-safe)."""

    def __init__(self) -> None:
        self._adapters: dict[str, Adapter] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Adapter:
        """The run's instance of adapter ``name``."""
        with self._lock:
            if name not in self._adapters:
                self._adapters[name] = get_adapter(name)
            return self._adapters[name]


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
