"""The run loop: select -> execute -> verify -> record -> emit.

The runner never prints and never raises for a task failure: every outcome is a recorded event,
and :meth:`Runner.execute` returns the final :class:`RunStatus`. Each event is durable (journal
append + fsync) before the next action starts, so a kill at any moment loses nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orch import proc
from orch.adapters.base import (
    Adapter,
    AgentContext,
    AgentResult,
    AgentStatus,
    Budget,
    Handoff,
    Role,
)
from orch.adapters.context import conventions_text, spec_docs_text
from orch.adapters.registry import get_adapter
from orch.adapters.roles import RoleResolver
from orch.config import OrchConfig
from orch.decisions.step import GateInfo
from orch.domain.plan import Phase, Plan, PlanMark, Task
from orch.domain.state import PhaseState, RunState
from orch.domain.status import RunStatus, TaskStatus
from orch.reporting.base import Reporter
from orch.reporting.summary import format_cost, format_usd
from orch.runner.decisions import close_decided_phase, conditions_context, notify_end
from orch.runner.hooks import CheckpointHook
from orch.runner.planmarks import Marker
from orch.runner.verify import CheckOutcome, run_checks
from orch.secrets import default_redactor
from orch.store.runs import RunRecorder

MAX_BACKOFF_S = 60.0


@dataclass
class RunnerSettings:
    """Knobs that are not part of the plan."""

    config: OrchConfig = field(default_factory=OrchConfig)
    task_timeout_s: float | None = None
    max_cost_usd: float | None = None
    sleep: Callable[[float], None] = time.sleep


class Runner:
    """Executes the selected tasks of one run, in order, one at a time."""

    def __init__(
        self,
        *,
        plan: Plan,
        project_dir: Path,
        recorder: RunRecorder,
        reporter: Reporter,
        resolver: RoleResolver,
        hook: CheckpointHook,
        marker: Marker | None,
        settings: RunnerSettings,
    ) -> None:
        self.plan = plan
        self.project_dir = project_dir
        self.recorder = recorder
        self.reporter = reporter
        self.resolver = resolver
        self.hook = hook
        self.marker = marker
        self.settings = settings
        self._tasks = {task.id: task for task in plan.tasks()}
        self._phases = {phase.id: phase for phase in plan.phases}
        self._conventions: str | None = None
        self._adapters: dict[str, Adapter] = {}
        self.revise_again = False
        """Set by a REVISE decision: run the phase's reset tasks, then decide again (§9)."""

    @property
    def state(self) -> RunState:
        return self.recorder.state

    # -- recording -------------------------------------------------------------------------

    def _record(
        self,
        type_: str,
        *,
        task: str | None = None,
        phase: str | None = None,
        data: dict[str, object] | None = None,
    ) -> None:
        event = self.recorder.record(type_, task=task, phase=phase, data=data, sync=False)
        self.reporter.emit(event, self.state)

    def _finish(self, status: RunStatus, error: str | None = None) -> RunStatus:
        data: dict[str, object] = {"state": status.value}
        if error:
            data["error"] = error
        self._record("run_state", data=data)
        notify_end(self, status)
        self.recorder.snapshot()  # syncs the journal first
        self.reporter.close(self.state)
        return status

    def note(self, message: str, level: str = "warning") -> None:
        """Record a message for the reporters (never printed directly: a live display is up)."""
        self._record("note", data={"message": message, "level": level})

    # -- the loop --------------------------------------------------------------------------

    def execute(self, *, resumed: bool = False) -> RunStatus:
        """Run every pending selected task; return how the run ended."""
        selected = self.state.order()
        self._record(
            "run_started",
            data={"plan": self.state.plan_path, "tasks": len(selected), "resumed": resumed},
        )
        if self.state.state is not RunStatus.RUNNING:
            self._record("run_state", data={"state": RunStatus.RUNNING.value})
        index = {task_id: number for number, task_id in enumerate(selected, start=1)}
        phase_count = len(self.state.phases)
        for phase_number, phase_state in enumerate(self.state.phases, start=1):
            phase = self._phases[phase_state.id]
            if not phase_state.gate_passed:
                # Also on resume mid-phase, so the phase header shows; the fold keeps the
                # first start time.
                self._record(
                    "phase_started",
                    phase=phase.id,
                    data={"title": phase.title, "index": phase_number, "count": phase_count},
                )
                phase_clock = time.monotonic()
                self.revise_again = True
                while self.revise_again:  # a REVISE decision runs the reset tasks again
                    self.revise_again = False
                    for task_id in phase_state.tasks:
                        outcome = self._run_task(task_id, index[task_id], len(selected))
                        if outcome is not None:
                            return outcome
                    outcome = self._close_phase(phase, phase_state, phase_clock)
                    if outcome is not None:
                        return outcome
            self._ensure_checkpoint(phase_state)
        return self._finish(RunStatus.COMPLETED)

    def _close_phase(
        self, phase: Phase, phase_state: PhaseState, started: float
    ) -> RunStatus | None:
        """Run the phase gate once every task of the phase is done.

        ``started`` is when this process began the phase (its tasks and gate, not earlier runs).
        """
        if proc.interrupted():
            return self._interrupted()
        complete = all(
            task.mark is not PlanMark.PENDING or self._task_done(task.id) for task in phase.tasks
        )
        if not complete:
            # A selective run touched only part of this phase: no gate, no checkpoint yet.
            return None
        gate = CheckOutcome(ok=True)
        if phase.gates:
            self._record("phase_gate", phase=phase.id, data={"commands": phase.gates})
            log_path = self.recorder.layout.task_log(self.state.run_id, f"gate-{phase.id}")
            self.recorder.barrier()
            gate = run_checks(
                phase.gates, cwd=self.project_dir, log_path=log_path, timeout_s=self._timeout(None)
            )
        if gate.interrupted or proc.interrupted():
            return self._interrupted()
        if phase.decided or (gate.ok and self.settings.config.reports == "all"):
            log = self.recorder.layout.task_log(self.state.run_id, f"gate-{phase.id}")
            info = GateInfo(ok=gate.ok, commands=list(phase.gates), error=gate.error,
                            tail=log.read_text(errors="replace") if log.exists() else gate.tail)
            return close_decided_phase(self, phase, phase_state, info,
                                       round(time.monotonic() - started, 3))
        data: dict[str, object] = {
            "ok": gate.ok,
            "duration_s": round(time.monotonic() - started, 3),
        }
        if not gate.ok:
            data.update(
                error=f"gate failed: {gate.error}",
                failed_command=gate.failed_command,
                output_tail=gate.tail,
            )
        self._record("phase_finished", phase=phase.id, data=data)
        self.recorder.snapshot()
        if not gate.ok:
            return self._finish(RunStatus.FAILED, f"phase {phase.id} gate failed: {gate.error}")
        return None

    def _ensure_checkpoint(self, phase_state: PhaseState) -> None:
        """Checkpoint a gated phase once; repairs a crash between the gate and the commit."""
        if not phase_state.gate_passed:
            return
        if self.state.has_phase_checkpoint(phase_state.id):
            return
        self.recorder.barrier()
        checkpoint = self.hook.on_phase_end(self.state, phase_state)
        if checkpoint is not None:
            self._record("checkpoint_created", phase=phase_state.id, data=checkpoint.model_dump())
            self.recorder.snapshot()

    def _task_done(self, task_id: str) -> bool:
        record = self.state.tasks.get(task_id)
        return record is not None and record.status in (TaskStatus.DONE, TaskStatus.SKIPPED)

    # -- one task ----------------------------------------------------------------------------

    def _run_task(self, task_id: str, number: int, count: int) -> RunStatus | None:
        record = self.state.tasks[task_id]
        if record.status is TaskStatus.DONE and record.attempts:
            self._ensure_task_checkpoint(task_id)  # repairs a kill between done and commit
            return None
        if record.status in (TaskStatus.DONE, TaskStatus.SKIPPED):
            return None
        if record.status in (TaskStatus.FAILED, TaskStatus.BLOCKED, TaskStatus.BUDGET_EXCEEDED):
            return self._finish(RunStatus.FAILED, f"task {task_id} is {record.status.value}")
        task = self._tasks[task_id]
        phase = self._phases[task.phase_id]
        role = self.resolver.resolve(task, phase)
        interrupted_before = record.status in (TaskStatus.RUNNING, TaskStatus.VERIFYING)
        max_attempts = 1 + (task.retries or self.settings.config.retries)
        failures: list[str] = []
        feedback: str | None = record.feedback  # a REVISE decision's findings, if any
        attempt_in_run = 0
        while True:
            if proc.interrupted():
                return self._interrupted(task_id)
            budget = self._budget(role)  # once per attempt: spending changes between attempts
            budget_error = self._budget_error(role, budget)
            if budget_error:
                self._record(
                    "task_finished",
                    task=task_id,
                    data={
                        "status": TaskStatus.BUDGET_EXCEEDED.value,
                        "error": budget_error,
                        "duration_s": 0.0,
                    },
                )
                return self._finish(RunStatus.BUDGET_EXCEEDED, budget_error)
            attempt_in_run += 1
            attempt = self.state.tasks[task_id].attempts + 1
            log_path = self.recorder.layout.task_log(self.state.run_id, task_id)
            self._write_log_header(log_path, task, role, attempt, interrupted_before)
            self._record(
                "task_started",
                task=task_id,
                data={
                    "attempt": attempt,
                    "agent": role.name,
                    "adapter": role.adapter,
                    "title": task.title,
                    "index": number,
                    "count": count,
                    "interrupted_before": interrupted_before,
                },
            )
            interrupted_before = False
            started = time.monotonic()
            result = self._execute(task, phase, role, attempt, log_path, feedback, budget)
            if result.status is AgentStatus.INTERRUPTED or proc.interrupted():
                return self._interrupted(task_id)
            outcome = self._verify(task, result, log_path)
            duration = round(time.monotonic() - started, 3)
            if outcome.interrupted or proc.interrupted():
                return self._interrupted(task_id)
            usage = {
                "cost_usd": result.cost_usd,
                "input_tokens": result.usage.input_tokens,
                "output_tokens": result.usage.output_tokens,
                "reasoning_output_tokens": result.usage.reasoning_output_tokens,
            }
            common: dict[str, object] = {
                "summary": result.summary[-2000:],
                "files_changed": result.files_changed,
                "duration_s": duration,
                **usage,
            }
            if result.session_id:
                common["session_id"] = result.session_id
            if result.status is AgentStatus.BUDGET_EXCEEDED:
                error = result.error or "budget exceeded"
                self._record(
                    "task_finished",
                    task=task_id,
                    data={**common, "status": TaskStatus.BUDGET_EXCEEDED.value, "error": error},
                )
                return self._finish(RunStatus.BUDGET_EXCEEDED, f"task {task_id}: {error}")
            if outcome.ok:
                self._record(
                    "task_finished", task=task_id, data={**common, "status": TaskStatus.DONE.value}
                )
                self._after_done(task)
                return None
            error = outcome.error or "failed"
            failures.append(error)
            same = failures.count(error)
            blocked = same >= self.settings.config.no_progress_limit
            if attempt_in_run < max_attempts and not blocked:
                delay = min(
                    MAX_BACKOFF_S, self.settings.config.retry_backoff * 2 ** (attempt_in_run - 1)
                )
                self._record(
                    "task_finished",
                    task=task_id,
                    data={
                        **common,
                        "status": TaskStatus.FAILED.value,
                        "error": error,
                        "failed_command": outcome.failed_command,
                        "output_tail": outcome.tail,
                        "retrying": True,
                    },
                )
                self._record(
                    "task_retry",
                    task=task_id,
                    data={"attempt": attempt + 1, "delay_s": delay, "error": error},
                )
                self._record(
                    "task_reset",
                    task=task_id,
                    data={"status": TaskStatus.PENDING.value, "reason": "retry"},
                )
                self.recorder.barrier()
                self._sleep(delay)
                feedback = _retry_feedback(outcome)
                continue
            status = TaskStatus.BLOCKED if blocked else TaskStatus.FAILED
            if blocked:
                error = f"no progress: failed the same way {same} times: {error}"
            self._record(
                "task_finished",
                task=task_id,
                data={
                    **common,
                    "status": status.value,
                    "error": error,
                    "failed_command": outcome.failed_command,
                    "output_tail": outcome.tail,
                },
            )
            return self._finish(RunStatus.FAILED, f"task {task_id} {status.value}: {error}")

    def _execute(
        self,
        task: Task,
        phase: Phase,
        role: Role,
        attempt: int,
        log_path: Path,
        feedback: str | None,
        budget: Budget,
    ) -> AgentResult:
        adapter = self._adapters.get(role.adapter)
        if adapter is None:
            adapter = self._adapters[role.adapter] = get_adapter(role.adapter)
        self.recorder.barrier()
        # Built from already-validated models: skip re-validation on the hot path.
        context = AgentContext.model_construct(
            task=task,
            phase=phase,
            plan_title=self.plan.title,
            project_dir=self.project_dir,
            log_path=log_path,
            role=role,
            attempt=attempt,
            handoffs=self._handoffs(task),
            conventions="\n\n".join(
                filter(None, [self._project_conventions(role), conditions_context(self.state)])),
            spec_docs=self._spec_docs(role),
            retry_feedback=feedback,
            timeout_s=self._timeout(task),
            budget=budget,
            cancel_check=proc.interrupted,
            notify=self.note,
        )
        return adapter.run(context)

    def _verify(self, task: Task, result: AgentResult, log_path: Path) -> CheckOutcome:
        """orch's own check: the agent's word is never enough."""
        if result.status is not AgentStatus.COMPLETED:
            return CheckOutcome(
                ok=False,
                tail=result.summary[-4000:],
                timed_out=result.status is AgentStatus.TIMEOUT,
                reason=f"agent {result.status.value}: {result.error or 'no detail'}",
            )
        if not task.verify:
            return CheckOutcome(ok=True)
        self._record("task_verifying", task=task.id, data={"commands": task.verify})
        _append_log(log_path, "\n--- orch verification ---\n")
        self.recorder.barrier()
        outcome = run_checks(
            task.verify, cwd=self.project_dir, log_path=log_path, timeout_s=self._timeout(task)
        )
        verdict = "passed" if outcome.ok else f"FAILED: {outcome.error}"
        _append_log(log_path, f"--- verification {verdict} ---\n")
        return outcome

    def _after_done(self, task: Task) -> None:
        if self.marker is not None:
            self.marker.mark(task, PlanMark.DONE)
        self._ensure_task_checkpoint(task.id)

    def _ensure_task_checkpoint(self, task_id: str) -> None:
        """With ``--commit task``, commit a done task once (the hook is idempotent)."""
        if self.state.options.commit != "task":
            return
        if any(cp.kind == "task" and task_id in cp.tasks for cp in self.state.checkpoints):
            return
        self.recorder.barrier()
        checkpoint = self.hook.on_task_end(self.state, self.state.tasks[task_id])
        if checkpoint is not None:
            self._record(
                "checkpoint_created",
                task=task_id,
                phase=self.state.tasks[task_id].phase,
                data=checkpoint.model_dump(),
            )

    def _interrupted(self, task_id: str | None = None) -> RunStatus:
        if task_id is not None:
            _append_log(
                self.recorder.layout.task_log(self.state.run_id, task_id),
                "\norch: this attempt was interrupted (SIGINT/SIGTERM); its process group was "
                "stopped and the task is pending again: `orch resume` runs it again\n",
            )
            self._record(
                "task_reset",
                task=task_id,
                data={"status": TaskStatus.PENDING.value, "reason": "interrupted"},
            )
        return self._finish(RunStatus.INTERRUPTED, "interrupted")

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not proc.interrupted() and time.monotonic() < deadline:
            self.settings.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    # -- context -------------------------------------------------------------------------------

    def _handoffs(self, task: Task) -> list[Handoff]:
        handoffs = []
        for dep in task.depends_on:
            record = self.state.tasks.get(dep)
            if record is None:
                continue
            handoffs.append(
                Handoff(
                    task_id=dep,
                    title=record.title,
                    status=record.status.value,
                    summary=(record.summary or "")[:1000],
                    files_changed=record.files_changed[:50],
                )
            )
        return handoffs

    def _project_conventions(self, role: Role) -> str:
        if role.adapter in ("shell", "fake"):
            return ""
        if self._conventions is None:
            self._conventions = conventions_text(self.project_dir)
        return self._conventions

    def _spec_docs(self, role: Role) -> str:
        if role.adapter in ("shell", "fake"):
            return ""
        return spec_docs_text(self.project_dir, Path(self.plan.source))

    def _timeout(self, task: Task | None) -> float | None:
        if task is not None and task.timeout_s:
            return task.timeout_s
        return self.settings.task_timeout_s or self.settings.config.task_timeout

    def _run_cap(self) -> float | None:
        caps = [
            c
            for c in (self.settings.max_cost_usd, self.settings.config.budgets.run.max_cost_usd)
            if c is not None
        ]
        return min(caps) if caps else None

    def _budget(self, role: Role) -> Budget:
        config = self.settings.config.budgets
        cost_caps = [c for c in (config.task.max_cost_usd, role.max_cost_usd) if c is not None]
        run_cap = self._run_cap()
        if run_cap is not None:
            cost_caps.append(max(0.0, run_cap - self.state.cost_usd))
        token_caps = [c for c in (config.task.max_tokens, role.max_tokens) if c is not None]
        if config.run.max_tokens is not None:
            spent = sum(t.input_tokens + t.output_tokens for t in self.state.tasks.values())
            token_caps.append(max(0, config.run.max_tokens - spent))
        turn_caps = [c for c in (config.task.max_turns, role.max_turns) if c is not None]
        return Budget(
            max_cost_usd=min(cost_caps) if cost_caps else None,
            max_tokens=min(token_caps) if token_caps else None,
            max_turns=min(turn_caps) if turn_caps else None,
            max_seconds=config.task.max_seconds,
        )

    def _budget_error(self, role: Role, budget: Budget) -> str | None:
        """A reason to stop before the next model call, or ``None``."""
        if role.adapter in ("shell", "fake", "manual"):
            return None
        run_cap = self._run_cap()
        if run_cap is not None and self.state.cost_usd >= run_cap:
            return (
                f"run cost {format_cost(self.state.cost_usd)} reached the cap {format_usd(run_cap)}"
            )
        if budget.max_tokens is not None and budget.max_tokens <= 0:
            return "run token cap reached"
        return None

    def _write_log_header(
        self, log_path: Path, task: Task, role: Role, attempt: int, interrupted_before: bool
    ) -> None:
        note = (
            (
                "\norch: the previous attempt was interrupted (orch stopped while this task "
                "was running); running it again\n"
            )
            if interrupted_before
            else ""
        )
        _append_log(
            log_path,
            f"{note}\n=== {task.id} attempt {attempt} · agent {role.name} ({role.adapter}) ===\n",
        )


def _append_log(log_path: Path, text: str) -> None:
    with open(log_path, "ab") as log:
        log.write(default_redactor()(text).encode())


def _retry_feedback(outcome: CheckOutcome) -> str:
    if outcome.failed_command is None:
        return f"The previous attempt failed: {outcome.error}\n{outcome.tail[-3000:]}"
    return (
        f"The previous attempt did not pass verification.\n"
        f"Failing command: {outcome.failed_command}\n"
        f"Output (tail):\n{outcome.tail[-3000:]}"
    )
