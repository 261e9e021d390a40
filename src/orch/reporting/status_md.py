"""``status.md``: a small human progress report in the run folder, regenerated as the run goes.

Rendering is a pure function of the state; the writer is a Reporter in the fan-out that rewrites
the file at most once per ``min_interval_s`` while running, and always on phase and run ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from orch.domain.events import EventType
from orch.domain.state import Event, RunState, TaskState
from orch.domain.status import ACTIVE_TASK_STATUSES, RunStatus, TaskStatus
from orch.reporting.summary import (
    format_cost,
    format_opt_duration,
    gate_cell,
    next_step_hint,
    state_note,
    status_label,
    summarize,
    task_duration,
)
from orch.secrets import default_redactor
from orch.store.atomic import atomic_write_text

MARKERS: dict[TaskStatus, str] = {
    TaskStatus.PENDING: "[ ]",
    TaskStatus.RUNNING: "[>]",
    TaskStatus.VERIFYING: "[>]",
    TaskStatus.DONE: "[x]",
    TaskStatus.FAILED: "[!]",
    TaskStatus.BLOCKED: "[!]",
    TaskStatus.BUDGET_EXCEEDED: "[$]",
    TaskStatus.SKIPPED: "[~]",
}
"""Emoji-free status markers; ``[ ]``, ``[x]`` and ``[~]`` mean what they mean in a plan."""

ALWAYS_WRITE_ON: frozenset[str] = frozenset(
    {EventType.RUN_STARTED, EventType.PHASE_FINISHED, EventType.RUN_STATE}
)
_ERROR_LEN = 200


def _cell(text: str | None) -> str:
    """Text safe inside a markdown table cell."""
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _short(text: str, limit: int = _ERROR_LEN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _task_row(task: TaskState) -> str:
    cells = [
        MARKERS.get(task.status, "[?]"),
        f"`{_cell(task.id)}`",
        _cell(task.title),
        status_label(task),
        str(task.attempts),
        format_opt_duration(task_duration(task)),
        format_cost(task.cost_usd) if task.cost_usd else "",
    ]
    return "| " + " | ".join(cells) + " |"


_TABLE_HEAD = "| | Task | Title | Status | Attempts | Time | Cost |\n|---|---|---|---|---|---|---|"


def _current_lines(state: RunState, current: list[TaskState]) -> list[str]:
    """The running tasks (with ``--jobs``, each one's lane and what it does) and the merge
    queue."""
    from orch.reporting.lanes import doing, merge_queue

    lines = []
    for task in current:
        title = f" {task.title}" if task.title else ""
        lane = f", lane {task.lane}: {doing(task)}" if task.lane is not None else ""
        lines.append(f"- Current task: `{task.id}`{title}"
                     f" ({task.status.value}, attempt {task.attempts}{lane})")
    queue = merge_queue(state)
    if queue:
        lines.append(f"- Merge queue: {queue.text()}")
    return lines


def render_status_md(state: RunState) -> str:
    """The markdown text of ``status.md`` for ``state``."""
    summary = summarize(state)
    lines = [
        f"# orch run {state.run_id}",
        "",
        f"- Plan: `{state.plan_path}`",
        f"- State: **{state.state.value}**",
        f"- Updated: {state.updated}",
        f"- Tasks: {summary.counts_text()} of {summary.total}",
    ]
    current = [t for t in state.tasks.values()
               if t.status in ACTIVE_TASK_STATUSES]
    lines += _current_lines(state, current)
    cost = f"- Cost: {format_cost(summary.cost_usd)}"
    if summary.input_tokens or summary.output_tokens:
        cost += f" ({summary.input_tokens:,} input / {summary.output_tokens:,} output tokens)"
    lines.append(cost)
    note = state_note(state)
    if note is not None:
        lines.append(f"- {'Error' if note[1] else 'Note'}: {_short(note[0])}")
    hint = next_step_hint(state)
    if hint and state.state is not RunStatus.RUNNING:
        lines.append(f"- Next: {hint}")

    listed: set[str] = set()
    for phase, phase_summary in zip(state.phases, summary.phases, strict=True):
        cell = gate_cell(phase_summary)
        gate = f" (gate: {cell})" if cell != "-" else ""
        lines += ["", f"## Phase {phase.id}: {phase.title}{gate}", "",
                  f"{phase_summary.done}/{phase_summary.total} done,"
                  f" {format_opt_duration(phase_summary.duration_s)}", "", _TABLE_HEAD]
        for task_id in phase.tasks:
            member = state.tasks.get(task_id)
            if member is not None:
                listed.add(task_id)
                lines.append(_task_row(member))
    others = [t for t in state.tasks.values() if t.id not in listed]
    if others:
        lines += ["", "## Other tasks", "", _TABLE_HEAD, *(_task_row(t) for t in others)]

    errors = [t for t in state.tasks.values() if t.error]
    if errors:
        lines += ["", "## Errors", ""]
        lines += [f"- `{t.id}` ({t.status.value}): {_short(t.error or '')}" for t in errors]
    if state.checkpoints:
        lines += ["", "## Checkpoints", ""]
        lines += [f"- {cp.name} → `{cp.commit[:7]}` (phase {cp.phase}, {cp.created or '-'})"
                  for cp in state.checkpoints]
    return "\n".join(lines) + "\n"


class StatusMdWriter:
    """A Reporter that keeps ``status.md`` current, cheaply.

    It rewrites the file on the first event, then at most once per ``min_interval_s`` while
    running, and always on ``run_started``, ``phase_finished``, ``run_state`` and at close.
    A failed write never stops the run: the error is kept in ``last_error`` and the next
    write tries again.
    """

    def __init__(
        self,
        path: Path,
        *,
        min_interval_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self.min_interval_s = min_interval_s
        self.clock = clock
        self.writes = 0
        self.last_error: OSError | None = None
        self._last_write: float | None = None

    def emit(self, event: Event, state: RunState) -> None:
        """Rewrite the file when it is due for ``event``."""
        now = self.clock()
        due = (
            event.type in ALWAYS_WRITE_ON
            or self._last_write is None
            or now - self._last_write >= self.min_interval_s
        )
        if due:
            self.write(state, now=now)

    def close(self, state: RunState) -> None:
        """Write the final report."""
        self.write(state)

    def write(self, state: RunState, *, now: float | None = None) -> None:
        """Render and atomically replace the file now."""
        self._last_write = self.clock() if now is None else now
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = default_redactor()(render_status_md(state))
            atomic_write_text(self.path, text, durable=False)
        except OSError as exc:
            self.last_error = exc
        else:
            self.writes += 1
            self.last_error = None
