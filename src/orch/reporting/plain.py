"""Plain progress lines: for pipes, CI logs and ``NO_COLOR``. No ANSI codes, stable texts.

Every handler gets the event's typed payload (:meth:`Event.payload`, one parse per event). The
helpers that turn payloads into text (``tail_lines``, ``task_agent``, …) are shared with the
console reporter, so both modes show the same facts.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any, TextIO

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
)
from orch.domain.state import Event, RunState
from orch.domain.status import RunStatus, TaskStatus
from orch.durations import format_duration
from orch.reporting.summary import (
    INTERNAL_RESETS,
    format_cost,
    next_step_hint,
    summarize,
    summary_lines,
)
from orch.text import plural, terminal_safe

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MAX_TAIL_LINES = 40
"""Output tails longer than this are cut to their last lines on screen (the log has it all)."""

RUN_END_LABELS: dict[RunStatus, str] = {
    RunStatus.COMPLETED: "Run completed",
    RunStatus.FAILED: "Run failed",
    RunStatus.INTERRUPTED: "Run interrupted",
    RunStatus.BUDGET_EXCEEDED: "Run stopped (budget exceeded)",
    RunStatus.AWAITING_DECISION: "Run paused (awaiting a decision)",
}


def one_line(text: str | None) -> str:
    """Event text as one line of clean text (no ANSI codes or control characters); ``""`` for
    ``None``."""
    if text is None:
        return ""
    return _CONTROL.sub(" ", terminal_safe(text)).strip()


def tail_lines(failure: Failure, limit: int = MAX_TAIL_LINES) -> list[str]:
    """The ``output_tail`` of a failure as clean lines, without ANSI codes or blank ends."""
    if not failure.output_tail:
        return []
    text = _ANSI.sub("", failure.output_tail).replace("\r\n", "\n").replace("\r", "\n")
    text = terminal_safe(text)
    lines = [_CONTROL.sub(" ", line).rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines[-limit:]


def failure_command(failure: Failure) -> str:
    """The failed command when the error text does not already name it, else ``""``."""
    command = one_line(failure.failed_command)
    return "" if not command or command in one_line(failure.error) else command


def task_heading(event: Event, started: TaskStarted, state: RunState) -> tuple[str, str, str]:
    """``("[3/7]", "T003", "Title")`` for a ``task_started`` event."""
    task_id = event.task or "?"
    known = state.tasks.get(task_id)
    index = started.index
    count = len(state.tasks) if started.count is None else started.count
    if not index and known is not None:
        index = state.order().index(task_id) + 1
    title = one_line(started.title) or one_line(known.title if known else "")
    return f"[{index}/{count}]", task_id, title


def task_agent(started: TaskStarted) -> str:
    """``shell`` or ``backend-developer via claude-code``, with attempt and re-run notes."""
    agent, adapter = one_line(started.agent), one_line(started.adapter)
    parts = [f"{agent} via {adapter}" if agent and adapter and adapter != agent
             else agent or adapter]
    attempt = 1 if started.attempt is None else started.attempt
    if attempt > 1:
        parts.append(f"attempt {attempt}")
    if started.interrupted_before:
        parts.append("re-run after interrupt")
    return ", ".join(p for p in parts if p)


def verified_word(finished: TaskFinished) -> str:
    """How a ``task_finished`` (done) stands: ``verified``, ``unverified: no check``, or
    ``verified at the phase gate`` still to come."""
    if finished.verified:
        return "verified"
    if finished.gate_pending:
        return "to be verified by the phase gate"
    return "unverified: no check"


def gate_word(finished: PhaseFinished) -> str:
    """``passed``, ``auto`` or ``none`` for a passing ``phase_finished``."""
    gate = one_line(finished.gate) or "none"
    if not finished.ran or gate == "none":
        return "none"
    return "auto" if gate == "auto" else "passed"


class PlainReporter:
    """Writes one stable line per event that matters; the summary once, at close."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stdout
        self._broken = False
        self._handlers: dict[str, Callable[[Event, Any, RunState], list[str]]] = {
            EventType.RUN_STARTED: self._run_started,
            EventType.PHASE_STARTED: self._phase_started,
            EventType.TASK_STARTED: self._task_started,
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
        """Print the lines for ``event``; unknown event types print nothing."""
        handler = self._handlers.get(event.type)
        if handler is not None:
            self._write(handler(event, event.payload(), state))

    def close(self, state: RunState) -> None:
        """Print the summary and the next-step hint."""
        summary = summarize(state)
        lines = ["", *summary_lines(summary)]
        hint = next_step_hint(state)
        if hint:
            lines.append(f"Next: {hint}")
        self._write(lines)

    def _write(self, lines: list[str]) -> None:
        if not lines or self._broken:
            return
        try:
            self.stream.write("".join(line + "\n" for line in lines))
            self.stream.flush()
        except BrokenPipeError:
            self._broken = True  # the reader went away (`orch run | head`); the run goes on

    def _run_started(self, event: Event, started: RunStarted, state: RunState) -> list[str]:
        verb = "resumed" if started.resumed else "started"
        count = len(state.tasks) if started.tasks is None else started.tasks
        plan = one_line(started.plan) or state.plan_path
        return [f"Run {state.run_id} {verb}: {plan} ({plural(count, 'task')})"]

    def _phase_started(self, event: Event, started: PhaseStarted, state: RunState) -> list[str]:
        index = started.index
        count = len(state.phases) if started.count is None else started.count
        title = one_line(started.title) or event.phase or ""
        return [f"Phase {index}/{count}: {title}" if index else f"Phase {event.phase}: {title}"]

    def _task_started(self, event: Event, started: TaskStarted, state: RunState) -> list[str]:
        position, task_id, title = task_heading(event, started, state)
        agent = task_agent(started)
        if started.lane is not None:
            agent = f"{agent}, lane {started.lane}" if agent else f"lane {started.lane}"
        line = f"Task {position} {task_id} {title}".rstrip()
        return [f"{line} ({agent})" if agent else line]

    def _task_finished(self, event: Event, finished: TaskFinished,
                       state: RunState) -> list[str]:
        status = finished.status
        if status is TaskStatus.SKIPPED:
            return [f"  skipped {event.task}"]
        label = "done" if status is TaskStatus.DONE else status.replace("_", " ").upper()
        if finished.retrying:
            label = "attempt failed, will retry:"
        took = task_time(event, state, finished.duration_s)
        line = f"  {label} {event.task} in {format_duration(took)}"
        if finished.cost_usd > 0:
            line += f", {format_cost(finished.cost_usd)}"
        if status is TaskStatus.DONE:
            return [f"{line} ({verified_word(finished)})"]
        error = one_line(finished.error)
        if error:
            line += f": {error}"
        return [line, *self._failure_detail(finished)]

    def _task_in_plan(self, event: Event, in_plan: TaskInPlan, state: RunState) -> list[str]:
        if in_plan.status is not TaskStatus.DONE:
            return [f"  skipped in plan, not run {event.task}"]
        return [f"  done in plan, not run {event.task}"]

    @staticmethod
    def _failure_detail(failure: Failure) -> list[str]:
        command = failure_command(failure)
        lines = [f"    command: {command}"] if command else []
        return lines + [f"    {line}" if line else "" for line in tail_lines(failure)]

    def _task_retry(self, event: Event, retry: TaskRetry, state: RunState) -> list[str]:
        line = (f"  retrying {event.task} (attempt {retry.attempt})"
                f" in {format_duration(retry.delay_s)}")
        error = one_line(retry.error)
        return [f"{line}: {error}" if error else line]

    def _task_reset(self, event: Event, reset: TaskReset, state: RunState) -> list[str]:
        reason = one_line(reset.reason)
        if reason in INTERNAL_RESETS:
            return []  # a retry's or an interrupt's bookkeeping: the lines around say it
        line = f"  reset {event.task} to {reset.status.value}"
        return [f"{line}: {reason}" if reason else line]

    def _phase_gate(self, event: Event, gate: PhaseGate, state: RunState) -> list[str]:
        return [f"  gate {event.phase}: {'; '.join(gate.commands)}"] if gate.commands else []

    def _phase_finished(self, event: Event, finished: PhaseFinished,
                        state: RunState) -> list[str]:
        took = format_duration(phase_time(event, state, finished.duration_s))
        if finished.ok:
            return [f"  phase {event.phase} done in {took} (gate: {gate_word(finished)})"]
        error = one_line(finished.error)
        label = "AUTO GATE FAILED" if finished.gate == "auto" else "GATE FAILED"
        line = f"  {label} phase {event.phase} in {took}"
        return [f"{line}: {error}" if error else line, *self._failure_detail(finished)]

    def _checkpoint(self, event: Event, created: CheckpointCreated,
                    state: RunState) -> list[str]:
        name = one_line(created.name) or "?"
        return [f"Checkpoint {name}: {one_line(created.commit)[:7]}"]

    def _run_state(self, event: Event, changed: RunStateChanged, state: RunState) -> list[str]:
        label = RUN_END_LABELS.get(changed.state)
        if label is None:
            return []
        summary = summarize(state)
        took = f" in {format_duration(state.active_s)}"
        lines = [f"{label}: {summary.counts_text()}{took}"]
        error = one_line(changed.error)
        return [*lines, f"  {error}"] if error else lines

    def _note(self, event: Event, note: Note, state: RunState) -> list[str]:
        level = "warning" if note.level == "warning" else "note"
        return [f"{level}: {one_line(note.message)}"]


def task_time(event: Event, state: RunState, reported_s: float) -> float:
    """The task's time so far, as the summary and ``status`` show it (``domain/clock.py``);
    ``reported_s`` (the event's own figure) when the task never started."""
    task = state.tasks.get(event.task or "")
    if task is None or task.started is None:  # never started: only the event can say
        return reported_s
    return task.duration_s


def phase_time(event: Event, state: RunState, reported_s: float) -> float:
    """The phase's time so far, as the summary and ``status`` show it."""
    for phase in state.phases:
        if phase.id == event.phase and phase.started is not None:
            return phase.duration_s
    return reported_s
