"""What a rollback rewinds in the run state: the tasks to reset and the phases to reopen.

"Later than a checkpoint" means done after the checkpoint was made, not placed after it in
the plan. ``RunState.checkpoints`` is in the order the checkpoints were made (each commits on
top of the one before: the commit chain), and the run's journal orders the tasks' work
against them. After a resume reopened phase 1 (a plan edit), ``phase-1.2`` is later than
``phase-2``: rolling back to ``phase-2`` resets the tasks that ran for ``phase-1.2``, and
rolling back to ``phase-1.2`` keeps phase 2, whose work that commit holds.
"""

from __future__ import annotations

from orch.domain.events import EventType
from orch.domain.state import Checkpoint, Event, RunState
from orch.domain.status import UNSTARTED_TASK_STATUSES

_WORK = frozenset({EventType.TASK_STARTED, EventType.TASK_FINISHED})


def rewind_scope(state: RunState, checkpoint: Checkpoint,
                 events: list[Event]) -> tuple[list[str], list[str]]:
    """Tasks to reset to pending and phases to reopen when going back to ``checkpoint``.

    A started task is reset when it started or finished after the checkpoint was made, when
    a later task checkpoint (``--commit task``) committed it, or, if no checkpoint ever
    committed it, when it comes after the checkpoint in the plan. A phase reopens when one of
    its tasks is reset, or when it comes after the checkpoint in the plan and has no
    checkpoint made up to this one."""
    index = state.checkpoints.index(checkpoint)
    made = _made_at(events, checkpoint.name)
    last_work = {e.task: e.seq for e in events if e.type in _WORK and e.task}
    listed = {task_id for cp in state.checkpoints for task_id in cp.tasks}
    committed_after = {task_id for cp in state.checkpoints[index + 1:] if cp.kind == "task"
                       for task_id in cp.tasks}
    by_plan, plan_phases = _later_in_plan(state, checkpoint)
    tasks = []
    for task_id in state.order():
        if state.tasks[task_id].status in UNSTARTED_TASK_STATUSES:
            continue
        if made is None:  # a journal without the checkpoint's event: the plan's order
            later = task_id in by_plan
        else:
            later = last_work.get(task_id, 0) > made or (task_id not in listed
                                                         and task_id in by_plan)
        if later or task_id in committed_after:
            tasks.append(task_id)
    reset_in = {state.tasks[task_id].phase for task_id in tasks}
    kept = {cp.phase for cp in state.checkpoints[:index + 1] if cp.kind == "phase"}
    phases = [phase.id for phase in state.phases if phase.id in reset_in
              or (phase.id in plan_phases
                  and (phase.id not in kept or phase.id == checkpoint.phase))]
    return tasks, phases


def _made_at(events: list[Event], name: str) -> int | None:
    """The journal position of the live checkpoint ``name``: its latest ``checkpoint_created``
    (a name a rollback dropped may have been made again since)."""
    seqs = [e.seq for e in events
            if e.type == EventType.CHECKPOINT_CREATED and e.data.get("name") == name]
    return seqs[-1] if seqs else None


def _later_in_plan(state: RunState, checkpoint: Checkpoint) -> tuple[set[str], set[str]]:
    """Tasks and phases after ``checkpoint`` in the plan's order: for work no checkpoint
    committed (the checkpoint's later phases, and tasks a resume added to its own phase after
    it was taken: their work is not in it, so the phase reopens)."""
    order = state.order()
    phase_ids = [phase.id for phase in state.phases]
    if checkpoint.kind == "task" and checkpoint.tasks and checkpoint.tasks[-1] in order:
        later_tasks = order[order.index(checkpoint.tasks[-1]) + 1:]
        phases = phase_ids[phase_ids.index(checkpoint.phase):] if checkpoint.phase in phase_ids \
            else []
    else:
        phases = phase_ids[phase_ids.index(checkpoint.phase) + 1:] \
            if checkpoint.phase in phase_ids else []
        joined = [t for t in order if state.tasks[t].phase == checkpoint.phase
                  and checkpoint.tasks and t not in checkpoint.tasks]
        later_tasks = joined + [t for t in order if state.tasks[t].phase in phases]
        phases = [checkpoint.phase, *phases] if joined else phases
    return set(later_tasks), set(phases)
