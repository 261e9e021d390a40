"""The rich console reporter for terminals: phase headers, a live line for the running task
(with ``--jobs`` > 1, one per busy worker lane plus the merge queue), a permanent line per
finished task, failure details, and the summary tables at close.

Cheap per event: the live line is one small renderable updated in place; big tables are
rendered once, at close. User text always goes through :class:`~rich.text.Text`, never markup.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from orch.domain.events import (
    CheckpointCreated,
    EventType,
    Failure,
    Note,
    PhaseFinished,
    PhaseGate,
    PhaseStarted,
    RunStarted,
    RunStateChanged,
    TaskFinished,
    TaskInPlan,
    TaskReset,
    TaskRetry,
    TaskStarted,
    TaskVerifying,
)
from orch.domain.state import Event, RunState
from orch.domain.status import RunStatus, TaskStatus
from orch.durations import format_duration
from orch.reporting.lanes_view import LanesView
from orch.reporting.plain import (
    RUN_END_LABELS,
    failure_command,
    gate_word,
    one_line,
    phase_time,
    tail_lines,
    task_agent,
    task_heading,
    task_time,
    verified_word,
)
from orch.reporting.summary import INTERNAL_RESETS, format_cost, next_step_hint, summarize
from orch.reporting.tables import summary_tables
from orch.terminal_hold import register
from orch.text import plural

_RUN_END_STYLES: dict[RunStatus, str] = {
    RunStatus.COMPLETED: "bold green",
    RunStatus.FAILED: "bold red",
    RunStatus.INTERRUPTED: "bold yellow",
    RunStatus.BUDGET_EXCEEDED: "bold yellow",
    RunStatus.AWAITING_DECISION: "bold cyan",
}
_FINISH_MARKS: dict[TaskStatus, tuple[str, str]] = {
    TaskStatus.DONE: ("✓", "green"),
    TaskStatus.FAILED: ("✗", "red"),
    TaskStatus.BLOCKED: ("✗", "red"),
    TaskStatus.BUDGET_EXCEEDED: ("$", "yellow"),
    TaskStatus.SKIPPED: ("-", "dim"),
}


class RunningLine:
    """The live line: spinner, what is running, and its elapsed time, computed at render."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.spinner = Spinner("dots", style="cyan")
        self.label: Text | None = None
        self.stage = ""
        self.started = 0.0

    def show(self, label: Text, stage: str = "") -> None:
        """Start showing ``label``; the elapsed time restarts."""
        self.label, self.stage, self.started = label, stage, self.clock()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if self.label is None:
            return
        elapsed = format_duration(max(0.0, self.clock() - self.started))
        suffix = f"  {self.stage} {elapsed}" if self.stage else f"  {elapsed}"
        self.spinner.update(text=Text.assemble(self.label, (suffix, "dim")))
        yield self.spinner


class ConsoleReporter:
    """Rich output for a terminal. ``live=False`` prints the same lines without the spinner."""

    def __init__(self, console: Console | None = None, *, live: bool = True,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console if console is not None else Console()
        self.running = RunningLine(clock)
        self.lanes = LanesView(clock)
        self.view = Group(self.running, self.lanes)
        """What the live display redraws: the running line, then the lanes and merge queue."""
        self._use_live = live
        self._live: Live | None = None
        self._paused = False
        """A person is answering at the terminal: no live display until they have."""
        self._unregister = register(self._pause, self._resume) if live else None
        self._positions: dict[str, str] = {}
        self._handlers: dict[str, Callable[[Event, Any, RunState], None]] = {
            EventType.RUN_STARTED: self._run_started,
            EventType.PHASE_STARTED: self._phase_started,
            EventType.TASK_STARTED: self._task_started,
            EventType.TASK_VERIFYING: self._task_verifying,
            EventType.TASK_FINISHED: self._task_finished,
            EventType.TASK_IN_PLAN: self._task_in_plan,
            EventType.TASK_RETRY: self._task_retry,
            EventType.TASK_RESET: self._task_reset,
            EventType.PHASE_GATE: self._phase_gate,
            EventType.PHASE_FINISHED: self._phase_finished,
            EventType.CHECKPOINT_CREATED: self._checkpoint,
            EventType.RUN_STATE: self._run_state,
            EventType.NOTE: self._note,
        }

    def emit(self, event: Event, state: RunState) -> None:
        """Show ``event``; unknown event types are ignored."""
        handler = self._handlers.get(event.type)
        if handler is not None:
            handler(event, event.payload(), state)
        if state.lane_tasks or self.lanes.active:
            self.lanes.update(state)
            if self.lanes.active:
                self._start_live()

    def close(self, state: RunState) -> None:
        """Stop the live line, print the summary tables and the next-step hint."""
        self._stop_live()
        if self._unregister is not None:
            self._unregister()
        summary = summarize(state)
        self.console.print()
        for renderable in summary_tables(summary):
            self.console.print(renderable)
        hint = next_step_hint(state)
        if hint:
            self.console.print(Text.assemble(("Next: ", "bold"), hint))

    # -- live line -------------------------------------------------------------------------

    def _show(self, label: Text, stage: str = "") -> None:
        self.running.show(label, stage)
        self._start_live()

    def _pause(self) -> None:
        self._paused = True
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()  # transient: the spinner line is erased before the question shows

    def _resume(self) -> None:
        self._paused = False
        if self.running.label is not None or self.lanes.active:
            self._start_live()

    def _start_live(self) -> None:
        if self._use_live and self._live is None and not self._paused:
            self._live = Live(self.view, console=self.console, transient=True,
                              refresh_per_second=8, redirect_stdout=False,
                              redirect_stderr=False)
            self._live.start()

    def _idle(self) -> None:
        self.running.label = None

    def _stop_live(self) -> None:
        self._idle()
        if self._live is not None:
            live, self._live = self._live, None
            live.stop()

    def _print(self, *parts: str | tuple[str, str] | Text) -> None:
        self.console.print(Text.assemble(*parts), highlight=False)

    def _failure_detail(self, failure: Failure) -> None:
        command = failure_command(failure)
        if command:
            self._print("    command: ", (command, "bold"))
        for line in tail_lines(failure):
            self._print((f"    {line}" if line else "", "dim"))

    # -- events ----------------------------------------------------------------------------

    def _run_started(self, event: Event, started: RunStarted, state: RunState) -> None:
        verb = "Resuming" if started.resumed else "Starting"
        count = len(state.tasks) if started.tasks is None else started.tasks
        plan = one_line(started.plan) or state.plan_path
        self._print((f"{verb} run {state.run_id}", "bold"), f" · {plan} · {plural(count, 'task')}")

    def _phase_started(self, event: Event, started: PhaseStarted, state: RunState) -> None:
        index = started.index
        count = len(state.phases) if started.count is None else started.count
        title = one_line(started.title) or event.phase or ""
        where = f"{index}/{count}" if index else (event.phase or "")
        self.console.print()
        self._print((f"Phase {where} · {title}", "bold cyan"))

    def _task_started(self, event: Event, started: TaskStarted, state: RunState) -> None:
        position, task_id, title = task_heading(event, started, state)
        self._positions[task_id] = f"{position} "
        label = Text.assemble(f"{position} ", (task_id, "bold"), f" {title}".rstrip())
        agent = task_agent(started)
        if agent:
            label.append(f" · {agent}", style="magenta")
        if started.lane is not None:
            self.lanes.started(task_id, label)
        else:
            self._show(Text.assemble("Task ", label))

    def _task_verifying(self, event: Event, verifying: TaskVerifying, state: RunState) -> None:
        if self.running.label is not None:
            commands = verifying.commands
            self.running.stage = f"verifying: {'; '.join(commands)}" if commands else "verifying"

    def _task_finished(self, event: Event, finished: TaskFinished, state: RunState) -> None:
        self._idle()
        status = finished.status
        mark, style = _FINISH_MARKS.get(status, ("?", "yellow"))
        task = state.tasks.get(event.task or "")
        parts: list[str | tuple[str, str] | Text] = [
            (f"{mark} ", style), self._positions.pop(event.task or "", ""),
            (event.task or "?", "bold"), f" {one_line(task.title) if task else ''}"
        ]
        if status is TaskStatus.SKIPPED:
            self._print(*parts, (" skipped", "dim"))
            return
        took = task_time(event, state, finished.duration_s)
        parts.append((f"  {format_duration(took)}", "dim"))
        if finished.cost_usd > 0:
            parts.append((f"  {format_cost(finished.cost_usd)}", "dim"))
        if status is not TaskStatus.DONE:
            retrying = ", will retry" if finished.retrying else ""
            parts.append((f"  {status.replace('_', ' ')}{retrying}", style))
        else:
            word = verified_word(finished)
            parts.append((f"  {word}", "green" if word == "verified" else "yellow"))
        self._print(*parts)
        if status is TaskStatus.DONE:
            return
        error = one_line(finished.error)
        if error:
            self._print(("    " + error, style))
        self._failure_detail(finished)

    def _task_in_plan(self, event: Event, in_plan: TaskInPlan, state: RunState) -> None:
        task = state.tasks.get(event.task or "")
        title = f" {task.title}" if task else ""
        word = "done" if in_plan.status is TaskStatus.DONE else "skipped"
        self._print(("- ", "dim"), (event.task or "?", "bold"), title,
                    (f"  {word} in plan, not run", "dim"))

    def _task_retry(self, event: Event, retry: TaskRetry, state: RunState) -> None:
        self._idle()
        line = (f"↻ {event.task} retrying (attempt {retry.attempt})"
                f" in {format_duration(retry.delay_s)}")
        error = one_line(retry.error)
        self._print((f"{line}: {error}" if error else line, "yellow"))

    def _task_reset(self, event: Event, reset: TaskReset, state: RunState) -> None:
        reason = one_line(reset.reason)
        if reason in INTERNAL_RESETS:
            return  # a retry's or an interrupt's bookkeeping: the lines around say it
        line = f"  reset {event.task} to {reset.status.value}"
        self._print((f"{line}: {reason}" if reason else line, "dim"))

    def _phase_gate(self, event: Event, gate: PhaseGate, state: RunState) -> None:
        if gate.commands:
            self._show(Text(f"Gate {event.phase}: {'; '.join(gate.commands)}"))

    def _phase_finished(self, event: Event, finished: PhaseFinished, state: RunState) -> None:
        self._idle()
        took = format_duration(phase_time(event, state, finished.duration_s))
        if finished.ok:
            self._print((f"  phase {event.phase} done in {took} (gate: {gate_word(finished)})",
                         "dim"))
            return
        error = one_line(finished.error)
        label = "auto gate failed" if finished.gate == "auto" else "gate failed"
        self._print((f"✗ {label}: phase {event.phase}", "bold red"), (f"  {took}", "dim"))
        if error:
            self._print(("    " + error, "red"))
        self._failure_detail(finished)

    def _checkpoint(self, event: Event, created: CheckpointCreated, state: RunState) -> None:
        name = one_line(created.name) or "?"
        self._print(("checkpoint ", "dim"), (name, "green"), " → ",
                    (one_line(created.commit)[:7], "yellow"))

    def _run_state(self, event: Event, changed: RunStateChanged, state: RunState) -> None:
        label = RUN_END_LABELS.get(changed.state)
        if label is None:
            return
        self._idle()
        took = f" in {format_duration(state.active_s)}"
        self.console.print()
        self._print((label, _RUN_END_STYLES[changed.state]),
                    f": {summarize(state).counts_text()}{took}")
        error = one_line(changed.error)
        if error:
            failed = changed.state is RunStatus.FAILED
            self._print(("  " + error, "red" if failed else "yellow"))

    def _note(self, event: Event, note: Note, state: RunState) -> None:
        message = one_line(note.message)
        if note.level == "warning":
            self._print(("warning: ", "bold yellow"), message)
        else:
            self._print(("note: ", "dim"), message)
