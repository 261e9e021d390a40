"""Active time of a run, its phases and its tasks, folded from the journal's timestamps.

The one source of every duration orch shows (live display, summary, ``status``, ``status.md``):
time counts only between events of one run session (from its ``run_started`` on), so the idle
time between a halted run and its resume, and the time a killed process was already dead, are
never counted. Events recorded outside a session (a resume's or a rollback's bookkeeping before
or instead of running) move no clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orch.domain.state import Event, RunState

_OUTSIDE = frozenset({"options_changed", "phase_reset", "checkpoints_dropped"})
IN_SESSION_RESETS = frozenset({"retry", "interrupted"})
"""``task_reset`` reasons recorded inside a run session (a retry, an interrupted attempt)."""


def tick(state: RunState, event: Event) -> None:
    """Add the time since the session's previous event to the run, the open phase and the
    running task, or every task in a worktree lane (call before the event is folded)."""
    if event.type == "run_started":
        state.clock_ts = event.ts
        return
    if state.clock_ts is None or not _in_session(event):
        return
    delta = _seconds(state.clock_ts, event.ts)
    state.clock_ts = event.ts
    state.active_s = round(state.active_s + delta, 3)
    if state.open_phase is not None:
        for phase in state.phases:
            if phase.id == state.open_phase:
                phase.duration_s = round(phase.duration_s + delta, 3)
    running = {state.active_task, *state.lane_tasks} if state.lane_tasks else {state.active_task}
    for task_id in running:
        task = state.tasks.get(task_id or "")
        if task is not None:
            task.duration_s = round(task.duration_s + delta, 3)


def _in_session(event: Event) -> bool:
    data = event.data
    if event.type in _OUTSIDE:
        return False
    if event.type == "task_reset":
        return data.get("reason") in IN_SESSION_RESETS
    if event.type == "process_ended":
        return data.get("reason") != "resume"
    if event.type == "run_state":
        return "reason" not in data
    return True


def _seconds(start: str, end: str) -> float:
    try:
        delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    except ValueError:
        return 0.0
    return max(0.0, delta.total_seconds())
