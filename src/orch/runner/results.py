"""The one recorder of task results: status, evidence, cost, plan mark and write-back.

Whatever ran a task (the main tree, a lane, a remote executor) and whatever path brought its
result back (live, integration by the merge queue, recovery after kill -9, integration on
resume), the result is journalled here and only here, so the same rules hold on every path:
evidence is never dropped, what an attempt spent is always journalled, and a task that is not
``done`` never gets a done mark in its plan, whatever the plan's format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from orch.domain.events import CheckRecord, EventType
from orch.domain.plan import PlanMark, Task
from orch.domain.state import RunState
from orch.domain.status import TaskStatus
from orch.runner.executor import AttemptOutcome
from orch.runner.planmarks import Marker


class RecordEvent(Protocol):
    """Journals one event durably and shows it (the controller's own recorder)."""

    def __call__(self, type_: EventType, *, task: str | None = None, phase: str | None = None,
                 data: dict[str, object] | None = None) -> None: ...


def plan_mark_for(status: TaskStatus) -> PlanMark | None:
    """The mark a task's recorded status writes into its plan: only ``done`` marks one."""
    return PlanMark.DONE if status is TaskStatus.DONE else None


def outcome_data(outcome: AttemptOutcome) -> dict[str, object]:
    """An attempt's ``task_finished`` payload: what it did, cost and proved."""
    result = outcome.result
    data: dict[str, object] = {
        "summary": result.summary[-2000:],
        "files_changed": result.files_changed,
        "duration_s": outcome.duration_s,
        "cost_usd": result.cost_usd,
        "input_tokens": result.usage.input_tokens,
        "output_tokens": result.usage.output_tokens,
        "reasoning_output_tokens": result.usage.reasoning_output_tokens,
        "evidence": [record.model_dump() for record in outcome.check.evidence],
    }
    if outcome.diffstat is not None:
        data["diffstat"] = outcome.diffstat.model_dump()
    if result.session_id:
        data["session_id"] = result.session_id
    return data


class TaskResults:
    """Records every task result of a run (see the module docstring)."""

    def __init__(self, record: RecordEvent, state: Callable[[], RunState],
                 marker: Marker | None, after_done: Callable[[str], None],
                 gate_pending: Callable[[Task], bool],
                 journalled: Callable[[str], None]) -> None:
        self._record = record
        self._state = state
        self.marker = marker
        self._after_done = after_done
        """Commits a done task with ``--commit task`` (idempotent)."""
        self._gate_pending = gate_pending
        self._journalled = journalled
        """Tells the spend ledger the task's spending is in the journal now."""

    def done(self, task: Task, outcome: AttemptOutcome | None, *,
             evidence: list[CheckRecord] | None = None, cost_usd: float | None = None) -> None:
        """The task is done: journal it with its evidence, mark the plan, commit if asked.

        ``evidence`` is what the task's checks proved on the integrated tree (the merge queue's
        re-check); it replaces the worktree's, which proved the same on another tree. Without an
        outcome (the attempt finished in an earlier process), ``cost_usd`` is what it spent."""
        proven = outcome.check.evidence if outcome is not None else []
        if evidence is not None and (evidence or outcome is None):
            proven = evidence
        if outcome is not None:
            data = outcome_data(outcome)
        else:
            data = {"summary": "integrated (orch was stopped before recording the result)",
                    "cost_usd": cost_usd or 0.0}
        data["evidence"] = [record.model_dump() for record in proven]
        data["verified"] = bool(proven) and all(r.ok for r in proven)
        data["gate_pending"] = not proven and self._gate_pending(task)
        self._finish(task, TaskStatus.DONE, data)

    def not_done(self, task: Task, status: TaskStatus, outcome: AttemptOutcome | None,
                 error: str | None, *, retrying: bool = False, cost_usd: float = 0.0) -> None:
        """The attempt did not make the task done: journal why, and what it spent."""
        data: dict[str, object] = outcome_data(outcome) if outcome else {"cost_usd": cost_usd}
        data["error"] = error
        if outcome is not None and status is not TaskStatus.BUDGET_EXCEEDED:
            data.update(failed_command=outcome.check.failed_command,
                        output_tail=outcome.check.tail)
        if retrying:
            data["retrying"] = True
        self._finish(task, status, data)

    def spent(self, task: Task, outcome: AttemptOutcome | None, reason: str,
              cost_usd: float = 0.0) -> None:
        """An attempt the run will not use: journal what it spent, then make the task pending."""
        self.not_done(task, TaskStatus.FAILED, outcome, reason, retrying=True, cost_usd=cost_usd)
        self.reset(task.id, reason)

    def reset(self, task_id: str, reason: str) -> None:
        """The task is pending again (``reason``: retry, interrupted, sent back, …)."""
        self._record(EventType.TASK_RESET, task=task_id,
                     data={"status": TaskStatus.PENDING.value, "reason": reason})

    def _finish(self, task: Task, status: TaskStatus, data: dict[str, object]) -> None:
        data.setdefault("duration_s", 0.0)
        self._record(EventType.TASK_FINISHED, task=task.id, data={**data, "status": status.value})
        self._journalled(task.id)
        recorded = self._state().tasks[task.id].status
        mark = plan_mark_for(recorded)
        if mark is not None:
            self.write_mark(task, recorded, mark)
            self._after_done(task.id)

    def write_mark(self, task: Task, status: TaskStatus, mark: PlanMark) -> None:
        """Write ``mark`` into the plan; refused (an error in orch) for a done mark on a task
        whose recorded status is not done."""
        if mark is PlanMark.DONE and status is not TaskStatus.DONE:
            raise AssertionError(f"orch bug: a done mark for task {task.id}, which is "
                                 f"{status.value}")
        if self.marker is not None:
            self.marker.mark(task, mark)
