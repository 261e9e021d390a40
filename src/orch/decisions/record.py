"""Recording a person's decision on a phase that awaits one (``orch approve`` / ``revise``)."""

from __future__ import annotations

from orch.domain.events import EventType
from orch.domain.state import RunState
from orch.domain.status import RunStatus, TaskStatus
from orch.errors import StateError, UsageError
from orch.store.layout import Layout
from orch.store.lock import ProjectLock
from orch.store.runs import open_run


def _waiting_phase(state: RunState, phase_id: str) -> None:
    phase = next((p for p in state.phases if p.id == phase_id), None)
    if phase is None:
        known = ", ".join(p.id for p in state.phases)
        raise UsageError(f"no phase {phase_id!r} in run {state.run_id}",
                         hint=f"phases of this run: {known}")
    if state.state is not RunStatus.AWAITING_DECISION or not phase.awaiting:
        waiting = [p.id for p in state.phases if p.awaiting]
        hint = (f"phase {waiting[0]} is the one waiting" if waiting
                else "see `orch status` for where the run stands")
        raise StateError(f"phase {phase_id} of run {state.run_id} does not await a decision",
                         hint=hint)


def approve(layout: Layout, run_id: str, phase_id: str, note: str | None) -> None:
    """Record ``orch approve``: the runner takes the phase as APPROVE on ``resume``."""
    with ProjectLock(layout.lock, "approve"):
        recorder = open_run(layout, run_id)
        try:
            _waiting_phase(recorder.state, phase_id)
            recorder.record(EventType.PHASE_HUMAN_DECISION, phase=phase_id,
                            data={"decision": "APPROVE", "decided_by": "human", "note": note})
            recorder.snapshot()
        finally:
            recorder.close()


def revise(layout: Layout, run_id: str, phase_id: str, feedback: str,
           tasks: list[str] | None) -> list[str]:
    """Record ``orch revise``: the named tasks (or all of the phase) go back to pending with
    ``feedback``; returns the tasks reset."""
    with ProjectLock(layout.lock, "revise"):
        recorder = open_run(layout, run_id)
        try:
            state = recorder.state
            _waiting_phase(state, phase_id)
            phase_tasks = state.phase(phase_id).tasks
            unknown = [t for t in tasks or [] if t not in phase_tasks]
            if unknown:
                raise UsageError(f"--tasks {unknown[0]}: not a task of phase {phase_id}",
                                 hint=f"tasks of phase {phase_id}: {', '.join(phase_tasks)}")
            reset = list(dict.fromkeys(tasks or phase_tasks))
            text = f"A person asked for a revision of phase {phase_id}:\n{feedback}"
            recorder.record(EventType.PHASE_DECISION, phase=phase_id, data={
                "decision": "REVISE", "decided_by": "human", "reason": feedback,
                "awaiting": False})
            for task_id in reset:
                recorder.record(EventType.TASK_RESET, task=task_id, data={
                    "status": TaskStatus.PENDING.value, "reason": "revise", "feedback": text})
            recorder.snapshot()
            return reset
        finally:
            recorder.close()
