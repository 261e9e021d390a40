"""Plans edited mid-run: what a resume re-runs, adds and drops when the plan changed.

A run records each task's fingerprint (:mod:`orch.domain.fingerprint`). On resume the current
plan's fingerprints are compared with them:

- an unchanged task keeps its state (a done task stays done);
- a changed task, and every task of the run that depends on it through ``depends:``
  (transitively), goes back to pending;
- a task new to the plan (and inside the run's selection) joins the run, pending;
- a task of the run that is no longer in the plan leaves it, and is reported.

The decision is journaled as one ``plan_changed`` event followed by a ``task_reset`` (reason
``plan changed``) per re-run task and a ``phase_reset`` per phase whose gate must run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from orch.domain.events import EventType, checked_data
from orch.domain.fingerprint import plan_fingerprints
from orch.domain.plan import Plan, PlanMark
from orch.domain.state import Event, RunState, apply_event
from orch.domain.status import ACTIVE_TASK_STATUSES, TaskStatus
from orch.store.runs import utc_now

PLAN_CHANGED_REASON = "plan changed"
_MARKED = {PlanMark.PENDING: TaskStatus.PENDING, PlanMark.DONE: TaskStatus.DONE,
           PlanMark.SKIPPED: TaskStatus.SKIPPED}


class Journal(Protocol):
    """What deciding a resume needs of a run: its state, and a way to record an event."""

    @property
    def state(self) -> RunState: ...

    def record(self, type_: str, *, task: str | None = None, phase: str | None = None,
               data: dict[str, Any] | None = None, sync: bool = True) -> Event: ...


class DryJournal:
    """A :class:`Journal` that folds events into a copy of the state and writes nothing:
    ``resume --dry-run`` takes exactly the decisions a resume would, on paper."""

    def __init__(self, state: RunState) -> None:
        self._state = state.model_copy(deep=True)
        self.events: list[Event] = []
        """What a resume would have journaled, in order."""

    @property
    def state(self) -> RunState:
        return self._state

    def record(self, type_: str, *, task: str | None = None, phase: str | None = None,
               data: dict[str, Any] | None = None, sync: bool = True) -> Event:
        event = Event(seq=self._state.last_seq + 1, ts=utc_now(), type=type_,
                      run=self._state.run_id, task=task, phase=phase,
                      data=checked_data(type_, data))
        apply_event(self._state, event)
        self.events.append(event)
        return event


@dataclass
class PlanChanges:
    """What an edit of the plan means for a run."""

    changed: list[str] = field(default_factory=list)
    dependents: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    """Tasks not yet done that the edit moved to another phase: they run in their new phase,
    which reopens if it was already closed (checkpointed)."""
    fingerprints: dict[str, str] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    """The run's tasks after the edit, in execution order."""
    compared: bool = True
    """False for a run that recorded no fingerprints (older orch): edits cannot be told."""

    @property
    def any(self) -> bool:
        """Whether the edit changes anything about the run's tasks."""
        return bool(self.changed or self.dependents or self.added or self.removed
                    or self.moved)

    @property
    def rerun(self) -> list[str]:
        """Tasks of the run that must run again: the changed ones and their dependents."""
        return [*self.changed, *self.dependents]

    def lines(self, plan_path: str) -> list[str]:
        """The block a resume prints before anything runs."""
        if not self.compared and not self.removed:
            return [f"{plan_path} changed since the run started; this run predates task "
                    "fingerprints, so orch cannot tell which tasks changed: it keeps their "
                    "states and uses the current text"]
        if not self.any:
            return [f"{plan_path} changed since the run started; no task's title, verify, "
                    "files, shell block or agent changed: nothing re-runs"]
        lines = [f"{plan_path} changed since the run started:"]
        for label, ids in (("changed, will run again", self.changed),
                           ("depend on a changed task, will run again", self.dependents),
                           ("new, will run", self.added),
                           ("moved to another phase, will run there", self.moved),
                           ("removed from the plan, dropped from the run", self.removed)):
            if ids:
                lines.append(f"  {label}: {', '.join(ids)}")
        return lines


def detect_changes(state: RunState, plan: Plan, selected: list[str]) -> PlanChanges:
    """Compare the run with the current plan; ``selected`` is the run's selection over it.

    Needs the run's recorded fingerprints; a run without any (older orch) gets no task-level
    comparison, only the removed tasks.
    """
    fingerprints = plan_fingerprints(plan)
    known = set(fingerprints)
    removed = [task_id for task_id in state.tasks if task_id not in known]
    if not state.fingerprints:
        return PlanChanges(removed=removed, fingerprints=fingerprints, compared=False,
                           selected=[t for t in state.tasks if t in known])
    edited = {task_id for task_id in state.tasks if task_id in known
              and state.fingerprints.get(task_id) != fingerprints[task_id]}
    # A task still pending runs anyway: only the ones that ran (or were marked) run *again*.
    started = [t for t, record in state.tasks.items() if record.status is not TaskStatus.PENDING]
    changed = [t for t in started if t in edited]
    dependents = [t for t in _dependents(plan, edited) if t in set(started) and t not in edited]
    added = [task_id for task_id in selected if task_id not in state.tasks]
    in_run = set(state.tasks) | set(added)
    order = [t for t in selected if t in in_run]
    order += [t for t in state.tasks if t in known and t not in set(order)]
    return PlanChanges(changed=changed, dependents=dependents, added=added, removed=removed,
                       moved=moved_tasks(state, plan, set(changed) | set(dependents)),
                       fingerprints=fingerprints, selected=order)


def moved_tasks(state: RunState, plan: Plan, rerun: set[str]) -> list[str]:
    """Tasks of the run, not done or skipped and not already to run again, that the plan now
    places in another phase."""
    phase_of = {task.id: task.phase_id for task in plan.tasks()}
    return [task_id for task_id, record in state.tasks.items()
            if task_id in phase_of and phase_of[task_id] != record.phase
            and task_id not in rerun
            and record.status not in (TaskStatus.DONE, TaskStatus.SKIPPED)]


def _dependents(plan: Plan, roots: set[str]) -> list[str]:
    """Every task that depends on one of ``roots`` through ``depends:``, in document order."""
    affected = set(roots)
    grew = True
    while grew:  # plans are acyclic (validated), so this ends after at most depth rounds
        grew = False
        for task in plan.tasks():
            if task.id not in affected and affected.intersection(task.depends_on):
                affected.add(task.id)
                grew = True
    return [task.id for task in plan.tasks() if task.id in affected and task.id not in roots]


def record_changes(recorder: Journal, plan: Plan, changes: PlanChanges, digest: str) -> None:
    """Journal the decision and apply it: one ``plan_changed``, then the resets it implies."""
    by_id = {task.id: task for task in plan.tasks()}
    wanted = set(changes.selected)
    phases = [{"id": phase.id, "title": phase.title,
               "tasks": [t for t in changes.selected if by_id[t].phase_id == phase.id]}
              for phase in plan.phases if any(task.id in wanted for task in phase.tasks)]
    added = [{"id": t, "phase": by_id[t].phase_id, "title": by_id[t].title,
              "estimate_s": by_id[t].estimate_s, "status": _MARKED[by_id[t].mark].value}
             for t in changes.added]
    recorder.record(EventType.PLAN_CHANGED, data={
        "changed": changes.changed, "dependents": changes.dependents, "added": added,
        "removed": changes.removed, "moved": changes.moved, "phases": phases,
        "fingerprints": changes.fingerprints,
        "plan_sha256": digest,
    })
    state = recorder.state
    reopened: list[str] = []
    for task_id in changes.rerun:
        record = state.tasks[task_id]
        why = "edited" if task_id in changes.changed else "depends on an edited task"
        if record.status is not TaskStatus.PENDING and record.status not in ACTIVE_TASK_STATUSES:
            recorder.record(EventType.TASK_RESET, task=task_id, data={
                "status": TaskStatus.PENDING.value, "reason": f"{PLAN_CHANGED_REASON}: {why}"})
        reopened.append(record.phase)
    reopened += [by_id[t].phase_id for t in [*changes.added, *changes.moved, *changes.rerun]]
    for phase in state.phases:
        if phase.id in reopened and (phase.gate_passed or phase.gate_failed):
            recorder.record(EventType.PHASE_RESET, phase=phase.id,
                            data={"reason": PLAN_CHANGED_REASON})
