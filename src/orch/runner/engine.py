"""The run loop: select -> execute -> verify -> record -> emit.

The runner never prints and never raises for a task failure: every outcome is a recorded event,
and :meth:`Runner.execute` returns the final :class:`RunStatus`. Each event is durable (journal
append + fsync) before the next action starts, so a kill at any moment loses nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from orch import proc
from orch.adapters.base import (
    Budget,
    Handoff,
    Role,
    calls_model,
    priced_before_call,
    reads_prompt,
)
from orch.adapters.context import conventions_text, spec_docs_text
from orch.adapters.roles import RoleResolver
from orch.decisions.step import GateInfo
from orch.domain.events import EventType
from orch.domain.plan import Phase, Plan, PlanMark, Task
from orch.domain.state import PhaseState, RunState
from orch.domain.status import (
    HALTING_TASK_STATUSES,
    TERMINAL_TASK_STATUSES,
    RunStatus,
    TaskStatus,
)
from orch.reporting.base import Reporter
from orch.reporting.summary import format_cost, format_usd
from orch.runner.attempt import AdapterCache
from orch.runner.controller import Controller
from orch.runner.decisions import (
    PhaseOutcome,
    close_decided_phase,
    conditions_context,
    notify_end,
)
from orch.runner.derived import task_paths
from orch.runner.executor import AttemptBase, AttemptContext, AttemptRequest
from orch.runner.hooks import CheckpointHook
from orch.runner.host import RunnerSettings
from orch.runner.ingate import gate_settings
from orch.runner.ledger import SpendLedger
from orch.runner.plancheck import CheckPlanner
from orch.runner.planmarks import Marker
from orch.runner.restart import restart_from_baseline
from orch.runner.results import TaskResults
from orch.runner.verify import CheckOutcome, run_checks
from orch.runner.wtsetup import missing_ignored_warning
from orch.secrets import default_redactor
from orch.store.runs import RunRecorder

__all__ = ["Runner", "RunnerSettings"]


class Runner:
    """Runs the selected tasks of one run, phase by phase, through one controller."""

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
        self.planner = settings.planner or CheckPlanner(settings.config, None)
        self.adapters = AdapterCache()
        """One adapter instance per name for the whole run, shared by every executor."""
        self.logs_dir = recorder.layout.logs_dir(recorder.state.run_id)
        self.ledger = SpendLedger(self._run_cap(), lambda: self.state.cost_usd)
        """The run's one meter (:class:`orch.meter.Meter`): every model call of the run
        reserves and settles here (task agents on every adapter, phase reviewers)."""
        self.results = TaskResults(self.record, lambda: self.state, marker,
                                   self._ensure_task_checkpoint, self._gate_pending,
                                   self.ledger.journalled)
        """The one recorder of task results (docs/state.md)."""

    @property
    def state(self) -> RunState:
        """The run's state, folded from its journal."""
        return self.recorder.state

    @property
    def marks_plan(self) -> bool:
        """Whether orch writes task marks back into the plan file."""
        return self.marker is not None

    # -- recording -------------------------------------------------------------------------

    def record(
        self,
        type_: EventType,
        *,
        task: str | None = None,
        phase: str | None = None,
        data: dict[str, object] | None = None,
    ) -> None:
        """Journal one event and show it; the controller's thread only."""
        event = self.recorder.record(type_, task=task, phase=phase, data=data, sync=False)
        self.reporter.emit(event, self.state)

    def finish(self, status: RunStatus, error: str | None = None) -> RunStatus:
        """Journal how the run ended, notify, snapshot; returns ``status``."""
        data: dict[str, object] = {"state": status.value}
        if error:
            data["error"] = error
        self.record(EventType.RUN_STATE, data=data)
        notify_end(self, status)
        self.recorder.snapshot()  # syncs the journal first
        self.reporter.close(self.state)
        return status

    def note(self, message: str, level: str = "warning") -> None:
        """Record a message for the reporters (never printed directly: a live display is up).
        A warning is on disk before whatever it warns about happens (a checkpoint's commit)."""
        self.record(EventType.NOTE, data={"message": message, "level": level})
        if level == "warning":
            self.recorder.barrier()

    # -- the loop --------------------------------------------------------------------------

    def execute(self, *, resumed: bool = False) -> RunStatus:
        """Run every pending selected task; return how the run ended."""
        selected = self.state.order()
        self.record(
            EventType.RUN_STARTED,
            data={"plan": self.state.plan_path, "tasks": len(selected), "resumed": resumed,
                  "gates": {phase.id: {"gate": gate.kind, "commands": gate.commands}
                            for phase in self._phases.values()
                            for gate in [self.planner.gate(phase)]}},
        )
        if self.state.state is not RunStatus.RUNNING:
            self.record(EventType.RUN_STATE, data={"state": RunStatus.RUNNING.value})
        if (self.settings.jobs or self.settings.config.jobs) > 1:
            warning = missing_ignored_warning(self.project_dir, self.settings.config)
            if warning:
                self.note(warning)
        index = {task_id: number for number, task_id in enumerate(selected, start=1)}
        phase_count = len(self.state.phases)
        for phase_number, phase_state in enumerate(self.state.phases, start=1):
            phase = self._phases[phase_state.id]
            if not phase_state.gate_passed:
                # Also on resume mid-phase, so the phase header shows; the fold keeps the
                # first start time.
                self.record(
                    EventType.PHASE_STARTED,
                    phase=phase.id,
                    data={"title": phase.title, "index": phase_number, "count": phase_count},
                )
                phase_clock = time.monotonic()
                end: RunStatus | PhaseOutcome = PhaseOutcome.REVISE
                while end is PhaseOutcome.REVISE:  # a REVISE runs the reset tasks again
                    halted = self._controller().run_phase(phase_state, index, len(selected))
                    if halted is not None:
                        return halted
                    end = self._close_phase(phase, phase_state, phase_clock)
                    if isinstance(end, RunStatus):
                        return end
            self._ensure_checkpoint(phase_state)
            self.recorder.snapshot()  # each phase's end, checkpoint included, in run.json
        never_ran = [t.id for t in self.state.tasks.values() if t.status is TaskStatus.PENDING]
        if never_ran:  # a run with a task left to do is never "completed"
            return self.finish(RunStatus.FAILED, f"task(s) {', '.join(never_ran)} never ran")
        return self.finish(RunStatus.COMPLETED)

    def _controller(self) -> Controller:
        config = self.settings.config
        jobs = self.settings.jobs or config.jobs
        return Controller(self, jobs, config.parallel == "all")

    def _close_phase(
        self, phase: Phase, phase_state: PhaseState, started: float
    ) -> RunStatus | PhaseOutcome:
        """Run the phase gate once every task of the phase is done; how the phase ends.

        ``started`` is when this process began the phase (its tasks and gate, not earlier runs).
        """
        if proc.interrupted():
            return self._interrupted()
        complete = all(
            task.mark is not PlanMark.PENDING or self._task_done(task.id) for task in phase.tasks
        )
        if not complete:
            # A selective run touched only part of this phase: no gate, no checkpoint yet.
            return PhaseOutcome.NEXT
        if self._ran_nothing(phase_state):
            self.record(EventType.PHASE_FINISHED, phase=phase.id, data={"ok": True, "gate": "none",
                                                                "ran": False})
            return PhaseOutcome.NEXT
        gate = self.planner.gate(phase)
        outcome = CheckOutcome(ok=True)
        if gate.commands:
            self.record(EventType.PHASE_GATE, phase=phase.id,
                        data={"commands": gate.commands, "gate": gate.kind})
            log_path = self.recorder.layout.task_log(self.state.run_id, f"gate-{phase.id}")
            self.recorder.barrier()
            outcome = run_checks(gate.commands, cwd=self.project_dir, log_path=log_path,
                                 timeout_s=self.timeout(None), kind="gate",
                                 ok_codes=gate.ok_codes)
        if outcome.interrupted or proc.interrupted():
            return self._interrupted()
        if phase.decided or (outcome.ok and self.settings.config.reports == "all"):
            log = self.recorder.layout.task_log(self.state.run_id, f"gate-{phase.id}")
            info = GateInfo(ok=outcome.ok, commands=list(gate.commands), error=outcome.error,
                            tail=log.read_text(errors="replace") if log.exists() else outcome.tail)
            return close_decided_phase(
                self, phase, phase_state, info, round(time.monotonic() - started, 3),
                finished={"gate": gate.kind,
                          "evidence": [record.model_dump() for record in outcome.evidence]})
        data: dict[str, object] = {
            "ok": outcome.ok,
            "gate": gate.kind,
            "duration_s": round(time.monotonic() - started, 3),
            "evidence": [record.model_dump() for record in outcome.evidence],
        }
        label = "auto gate" if gate.kind == "auto" else "gate"
        if not outcome.ok:
            data.update(
                error=f"{label} failed: {outcome.error}",
                failed_command=outcome.failed_command,
                output_tail=outcome.tail,
            )
        self.record(EventType.PHASE_FINISHED, phase=phase.id, data=data)
        self.recorder.barrier()  # run.json is written once the phase is checkpointed
        if not outcome.ok:
            return self.finish(RunStatus.FAILED,
                               f"phase {phase.id} {label} failed: {outcome.error}")
        return PhaseOutcome.NEXT

    def _ran_nothing(self, phase_state: PhaseState) -> bool:
        """Every task of the phase was already done in the plan: no gate, no checkpoint."""
        return all(self.state.tasks[t].in_plan for t in phase_state.tasks)

    def _ensure_checkpoint(self, phase_state: PhaseState) -> None:
        """Checkpoint a gated phase once (again when a resume reopened it); repairs a crash
        between the gate and the commit."""
        if not phase_state.gate_passed or self._ran_nothing(phase_state):
            return
        if self.state.has_phase_checkpoint(phase_state.id) and not phase_state.reopened:
            return
        self.recorder.barrier()
        checkpoint = self.hook.on_phase_end(self.state, phase_state)
        if checkpoint is not None:
            self.record(EventType.CHECKPOINT_CREATED, phase=phase_state.id,
                        data=checkpoint.model_dump())

    def _task_done(self, task_id: str) -> bool:
        record = self.state.tasks.get(task_id)
        return record is not None and record.status in TERMINAL_TASK_STATUSES

    def _interrupted(self) -> RunStatus:
        return self.finish(RunStatus.INTERRUPTED, "interrupted")

    # -- what the controller asks ----------------------------------------------------------------

    def task(self, task_id: str) -> Task:
        """The plan's task ``task_id``."""
        return self._tasks[task_id]

    def phase_of(self, task: Task) -> Phase:
        """The phase ``task`` belongs to."""
        return self._phases[task.phase_id]

    def role_of(self, task: Task) -> Role:
        """The agent role that runs ``task``."""
        return self.resolver.resolve(task, self.phase_of(task))

    def task_paths(self, task: Task) -> set[str]:
        """The paths a task names (``files:`` and in its text): tasks whose paths overlap never
        run at once (the same answer ``orch graph --format batches`` gives)."""
        return task_paths(task)

    def pre_task(self, task_id: str) -> tuple[bool, str | None]:
        """``(skip, halt)``: whether the task needs no run, or why the run must stop first."""
        record = self.state.tasks[task_id]
        if record.status is TaskStatus.DONE and record.attempts:
            self._ensure_task_checkpoint(task_id)  # repairs a kill between done and commit
            return True, None
        if record.in_plan:
            self.record(EventType.TASK_IN_PLAN, task=task_id, data={"status": record.status.value})
            return True, None
        if record.status in TERMINAL_TASK_STATUSES:
            return True, None
        if record.status in HALTING_TASK_STATUSES:
            return True, f"task {task_id} is {record.status.value}"
        return False, None

    def restart_point(self, task_id: str) -> None:
        """Before a main-tree task runs again after an interrupted attempt, put the tree back to
        where the task first started (its partial output saved under ``refs/orch/interrupted/``),
        so work that is not idempotent is never applied twice."""
        record = self.state.tasks[task_id]
        if not (record.cut_off and record.baseline and record.lane is None):
            return
        saved = restart_from_baseline(self.project_dir, self.state.run_id, task_id,
                                      record.baseline)
        if saved is not None:
            self.note(f"{task_id}: its interrupted attempt's partial output ({saved.paths}) "
                      f"is saved as {saved.ref}; it starts again from the tree it first "
                      "started on", level="info")

    def budget_gate(self, role: Role, *, busy: int) -> tuple[Budget, str | None]:
        """The one budget gate before every attempt: what it may spend, or why it may not start.

        ``busy`` is how many other attempts are under way: an agent whose spending is known
        only when it exits gets its share of what is left."""
        # An adapter priced before each call reserves every call from the meter itself.
        shared = priced_before_call(self.adapters.get(role.adapter))
        budget = self._budget(role, reserved=0 if shared else busy)
        return budget, self._budget_error(role, budget)

    def start_attempt(self, task: Task, role: Role, position: tuple[int, int],
                      base: AttemptBase, budget: Budget, *, feedback: str | None,
                      interrupted_before: bool, lane: int | None = None) -> AttemptRequest:
        """Log and journal the start of an attempt; the request for its executor."""
        record = self.state.tasks[task.id]
        attempt = record.attempts + 1
        log_path = self.recorder.layout.task_log(self.state.run_id, task.id)
        self._write_log_header(log_path, task, role, attempt, interrupted_before)
        baseline = base.id if base.kind == "tree" else None
        self.record(EventType.TASK_STARTED, task=task.id, data={
            "attempt": attempt, "agent": role.name, "adapter": role.adapter,
            "title": task.title, "index": position[0], "count": position[1],
            "interrupted_before": interrupted_before, "baseline": baseline,
            **({"lane": lane} if lane is not None else {}),
        })
        phase = self.phase_of(task)
        context = AttemptContext(
            plan_title=self.plan.title,
            handoffs=self._handoffs(task),
            conventions="\n\n".join(filter(None, [self._project_conventions(role),
                                                   conditions_context(self.state)])),
            spec_docs=self._spec_docs(role),
            env={"ORCH_ASSUME_YES": "1"} if self.settings.assume_yes else {},
        )
        setup = self.settings.config.worktree.setup if lane is not None else None
        return AttemptRequest(
            run_id=self.state.run_id, task=task, phase=phase, role=role, attempt=attempt,
            checks=self.planner.checks(task, phase), budget=budget, base=base,
            log_name=log_path.name, timeout_s=self.timeout(task), feedback=feedback,
            setup=setup, context=context, gate=gate_settings(self.settings.config, task))

    def note_interrupted(self, task_id: str) -> None:
        """Say in the task's log that its attempt was interrupted."""
        _append_log(
            self.recorder.layout.task_log(self.state.run_id, task_id),
            "\norch: this attempt was interrupted (SIGINT/SIGTERM); its process group was "
            "stopped and the task is pending again: `orch resume` runs it again\n",
        )

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (a retry's back-off), waking early on Ctrl-C."""
        deadline = time.monotonic() + seconds
        while not proc.interrupted() and time.monotonic() < deadline:
            self.settings.sleep(min(0.1, max(0.0, deadline - time.monotonic())))

    def timeout(self, task: Task | None) -> float | None:
        """A task's timeout (its own, else the run's), or the run's for ``None``."""
        if task is not None and task.timeout_s:
            return task.timeout_s
        return self.settings.task_timeout_s or self.settings.config.task_timeout

    def _gate_pending(self, task: Task) -> bool:
        return bool(self.planner.gate(self.phase_of(task)).commands)

    def _ensure_task_checkpoint(self, task_id: str) -> None:
        """With ``--commit task``, commit a done task once (the hook is idempotent)."""
        if self.state.options.commit != "task":
            return
        if any(cp.kind == "task" and task_id in cp.tasks for cp in self.state.checkpoints):
            return
        self.recorder.barrier()
        checkpoint = self.hook.on_task_end(self.state, self.state.tasks[task_id])
        if checkpoint is not None:
            self.record(
                EventType.CHECKPOINT_CREATED,
                task=task_id,
                phase=self.state.tasks[task_id].phase,
                data=checkpoint.model_dump(),
            )

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
        if not reads_prompt(self.adapters.get(role.adapter)):
            return ""
        if self._conventions is None:
            self._conventions = conventions_text(self.project_dir)
        return self._conventions

    def _spec_docs(self, role: Role) -> str:
        if not reads_prompt(self.adapters.get(role.adapter)):
            return ""
        return spec_docs_text(self.project_dir, Path(self.plan.source))

    def _run_cap(self) -> float | None:
        caps = [
            c
            for c in (self.settings.max_cost_usd, self.settings.config.budgets.run.max_cost_usd)
            if c is not None
        ]
        return min(caps) if caps else None

    def _budget(self, role: Role, reserved: int = 0) -> Budget:
        config = self.settings.config.budgets
        cost_caps = [c for c in (config.task.max_cost_usd, role.max_cost_usd) if c is not None]
        run_cap = self._run_cap()
        if run_cap is not None:
            # One budget for every lane: the remainder is shared with the ``reserved`` busy ones.
            cost_caps.append(max(0.0, run_cap - self.state.cost_usd) / (1 + reserved))
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
        if not calls_model(self.adapters.get(role.adapter)):
            return None
        run_cap = self._run_cap()
        spent = self.ledger.spent()
        if run_cap is not None and spent >= run_cap:
            return f"run cost {format_cost(spent)} reached the cap {format_usd(run_cap)}"
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
