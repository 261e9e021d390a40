"""Plain progress lines: for pipes, CI logs and ``NO_COLOR``. No ANSI codes, stable texts.

The helpers that read event data (``data_float``, ``tail_lines``, …) are shared with the
console reporter, so both modes show the same facts.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, TextIO

from orch.domain.events import EventType
from orch.domain.state import Event, RunState
from orch.domain.status import RunStatus
from orch.durations import format_duration
from orch.reporting.summary import (
    INTERNAL_RESETS,
    format_cost,
    next_step_hint,
    summarize,
    summary_lines,
)
from orch.text import plural

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


def data_float(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    """``data[key]`` as a float; ``default`` when missing or not a number."""
    try:
        return float(data.get(key, default))
    except (TypeError, ValueError):
        return default


def data_int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    """``data[key]`` as an int; ``default`` when missing or not a number."""
    try:
        return int(data.get(key, default))
    except (TypeError, ValueError):
        return default


def data_str(data: Mapping[str, Any], key: str) -> str:
    """``data[key]`` as one line of clean text; ``""`` when missing."""
    value = data.get(key)
    if value is None:
        return ""
    return _CONTROL.sub(" ", _ANSI.sub("", str(value))).strip()


def data_commands(data: Mapping[str, Any]) -> list[str]:
    """``data["commands"]`` as a list of strings (tolerates a single string)."""
    value = data.get("commands") or []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def tail_lines(data: Mapping[str, Any], limit: int = MAX_TAIL_LINES) -> list[str]:
    """The ``output_tail`` of a failure as clean lines, without ANSI codes or blank ends."""
    raw = data.get("output_tail")
    if not raw:
        return []
    text = _ANSI.sub("", str(raw)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_CONTROL.sub(" ", line).rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines[-limit:]


def failure_command(data: Mapping[str, Any]) -> str:
    """The failed command when the error text does not already name it, else ``""``."""
    command = data_str(data, "failed_command")
    return "" if not command or command in data_str(data, "error") else command


def task_heading(event: Event, state: RunState) -> tuple[str, str, str]:
    """``("[3/7]", "T003", "Title")`` for a ``task_started`` event."""
    data = event.data
    task_id = event.task or "?"
    known = state.tasks.get(task_id)
    index, count = data_int(data, "index"), data_int(data, "count", len(state.tasks))
    if not index and known is not None:
        index = state.order().index(task_id) + 1
    title = data_str(data, "title") or (known.title if known else "")
    return f"[{index}/{count}]", task_id, title


def task_agent(data: Mapping[str, Any]) -> str:
    """``shell`` or ``backend-developer via claude-code``, with attempt and re-run notes."""
    agent, adapter = data_str(data, "agent"), data_str(data, "adapter")
    parts = [f"{agent} via {adapter}" if agent and adapter and adapter != agent
             else agent or adapter]
    attempt = data_int(data, "attempt", 1)
    if attempt > 1:
        parts.append(f"attempt {attempt}")
    if data.get("interrupted_before"):
        parts.append("re-run after interrupt")
    return ", ".join(p for p in parts if p)


def verified_word(data: Mapping[str, Any]) -> str:
    """How a ``task_finished`` (done) stands: ``verified``, ``unverified: no check``, or
    ``verified at the phase gate`` still to come."""
    if data.get("verified"):
        return "verified"
    if data.get("gate_pending"):
        return "to be verified by the phase gate"
    return "unverified: no check"


def gate_word(data: Mapping[str, Any]) -> str:
    """``passed``, ``auto`` or ``none`` for a passing ``phase_finished``."""
    gate = data_str(data, "gate") or "none"
    if data.get("ran") is False or gate == "none":
        return "none"
    return "auto" if gate == "auto" else "passed"


class PlainReporter:
    """Writes one stable line per event that matters; the summary once, at close."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stdout
        self._broken = False
        self._handlers: dict[str, Callable[[Event, RunState], list[str]]] = {
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
            self._write(handler(event, state))

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

    def _run_started(self, event: Event, state: RunState) -> list[str]:
        verb = "resumed" if event.data.get("resumed") else "started"
        count = data_int(event.data, "tasks", len(state.tasks))
        plan = data_str(event.data, "plan") or state.plan_path
        return [f"Run {state.run_id} {verb}: {plan} ({plural(count, 'task')})"]

    def _phase_started(self, event: Event, state: RunState) -> list[str]:
        data = event.data
        index, count = data_int(data, "index"), data_int(data, "count", len(state.phases))
        title = data_str(data, "title") or event.phase or ""
        return [f"Phase {index}/{count}: {title}" if index else f"Phase {event.phase}: {title}"]

    def _task_started(self, event: Event, state: RunState) -> list[str]:
        position, task_id, title = task_heading(event, state)
        agent = task_agent(event.data)
        line = f"Task {position} {task_id} {title}".rstrip()
        return [f"{line} ({agent})" if agent else line]

    def _task_finished(self, event: Event, state: RunState) -> list[str]:
        data = event.data
        status = data_str(data, "status")
        if status == "skipped":
            return [f"  skipped {event.task}"]
        label = "done" if status == "done" else status.replace("_", " ").upper()
        if data.get("retrying"):
            label = "attempt failed, will retry:"
        line = f"  {label} {event.task} in {format_duration(task_time(event, state))}"
        cost = data_float(data, "cost_usd")
        if cost > 0:
            line += f", {format_cost(cost)}"
        if status == "done":
            return [f"{line} ({verified_word(data)})"]
        error = data_str(data, "error")
        if error:
            line += f": {error}"
        return [line, *self._failure_detail(data)]

    def _task_in_plan(self, event: Event, state: RunState) -> list[str]:
        if data_str(event.data, "status") != "done":
            return [f"  skipped in plan, not run {event.task}"]
        return [f"  done in plan, not run {event.task}"]

    @staticmethod
    def _failure_detail(data: Mapping[str, Any]) -> list[str]:
        command = failure_command(data)
        lines = [f"    command: {command}"] if command else []
        return lines + [f"    {line}" if line else "" for line in tail_lines(data)]

    def _task_retry(self, event: Event, state: RunState) -> list[str]:
        data = event.data
        line = (f"  retrying {event.task} (attempt {data_int(data, 'attempt')})"
                f" in {format_duration(data_float(data, 'delay_s'))}")
        error = data_str(data, "error")
        return [f"{line}: {error}" if error else line]

    def _task_reset(self, event: Event, state: RunState) -> list[str]:
        status, reason = data_str(event.data, "status") or "pending", data_str(event.data, "reason")
        if reason in INTERNAL_RESETS:
            return []  # a retry's or an interrupt's bookkeeping: the lines around say it
        line = f"  reset {event.task} to {status}"
        return [f"{line}: {reason}" if reason else line]

    def _phase_gate(self, event: Event, state: RunState) -> list[str]:
        commands = data_commands(event.data)
        return [f"  gate {event.phase}: {'; '.join(commands)}"] if commands else []

    def _phase_finished(self, event: Event, state: RunState) -> list[str]:
        data = event.data
        took = format_duration(phase_time(event, state))
        gate = data_str(data, "gate") or "none"
        if data.get("ok", True):
            return [f"  phase {event.phase} done in {took} (gate: {gate_word(data)})"]
        error = data_str(data, "error")
        label = "AUTO GATE FAILED" if gate == "auto" else "GATE FAILED"
        line = f"  {label} phase {event.phase} in {took}"
        return [f"{line}: {error}" if error else line, *self._failure_detail(data)]

    def _checkpoint(self, event: Event, state: RunState) -> list[str]:
        name = data_str(event.data, "name") or "?"
        return [f"Checkpoint {name}: {data_str(event.data, 'commit')[:7]}"]

    def _run_state(self, event: Event, state: RunState) -> list[str]:
        try:
            run_status = RunStatus(data_str(event.data, "state"))
        except ValueError:
            return []
        label = RUN_END_LABELS.get(run_status)
        if label is None:
            return []
        summary = summarize(state)
        took = f" in {format_duration(state.active_s)}"
        lines = [f"{label}: {summary.counts_text()}{took}"]
        error = data_str(event.data, "error")
        return [*lines, f"  {error}"] if error else lines

    def _note(self, event: Event, state: RunState) -> list[str]:
        level = "warning" if data_str(event.data, "level") == "warning" else "note"
        return [f"{level}: {data_str(event.data, 'message')}"]


def task_time(event: Event, state: RunState) -> float:
    """The task's time so far, as the summary and ``status`` show it (``domain/clock.py``)."""
    task = state.tasks.get(event.task or "")
    if task is None or task.started is None:  # never started: only the event can say
        return data_float(event.data, "duration_s")
    return task.duration_s


def phase_time(event: Event, state: RunState) -> float:
    """The phase's time so far, as the summary and ``status`` show it."""
    for phase in state.phases:
        if phase.id == event.phase and phase.started is not None:
            return phase.duration_s
    return data_float(event.data, "duration_s")
