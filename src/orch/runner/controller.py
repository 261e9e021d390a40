"""The one controller of a phase's tasks: a ready set, N slots, one retry and decision loop.

Every attempt goes through an :class:`~orch.runner.executor.Executor`: a task admitted to
parallel running (``[P]``, or any task with ``parallel: all``) runs in its own worktree
(:class:`~orch.runner.executors.WorktreeExecutor`) when ``--jobs`` > 1; every other task runs in
the main working tree (:class:`~orch.runner.executors.MainTreeExecutor`), alone. ``--jobs 1`` is
this same loop with one slot. Attempts run on worker threads and report back as values; only
this controller (the thread that called :meth:`Controller.run_phase`) writes the journal,
recording a worker's events as they arrive. The loop, for every task alike::

    select a ready task -> gate its budget -> dispatch an attempt -> decide on the outcome
    (done: record, or queue the commit for integration; retry: back off, dispatch again;
    failed, blocked, over budget, interrupted: halt, keeping what busy slots finish and pass)
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orch import proc
from orch.adapters.base import AgentResult, AgentStatus
from orch.domain.events import EventType
from orch.domain.graph import files_overlap
from orch.domain.plan import Task
from orch.domain.state import PhaseState
from orch.domain.status import (
    ACTIVE_TASK_STATUSES,
    TERMINAL_TASK_STATUSES,
    RunStatus,
    TaskStatus,
)
from orch.runner.attempt import Action, RetryPolicy, retry_feedback
from orch.runner.executor import AttemptBase, AttemptOutcome, AttemptRequest, Executor
from orch.runner.executors import MainTreeExecutor, WorktreeExecutor
from orch.runner.remote_executor import RemoteExecutor
from orch.runner.verify import CheckOutcome

if TYPE_CHECKING:
    from orch.runner.host import RunHost
    from orch.runner.mergequeue import MergeQueue


@dataclass
class Slot:
    """A task with an attempt under way."""

    task: Task
    executor: Executor
    policy: RetryPolicy
    position: tuple[int, int]
    lane: int | None = None


Message = tuple[str, str, object]
"""``("event", task_id, (type, data, journalled))`` or ``("outcome", task_id, outcome |
exception)``; ``journalled`` is set once the event is on disk."""


class Controller:
    """Runs one phase's tasks with ``jobs`` slots; the one controller of every attempt."""

    def __init__(self, runner: RunHost, jobs: int, parallel_all: bool) -> None:
        self.runner = runner
        self.jobs = max(1, jobs)
        self.parallel_all = parallel_all
        self.main = MainTreeExecutor(runner.project_dir, runner.logs_dir, runner.adapters,
                                     runner.ledger, marker=runner.results.marker,
                                     alone=lambda: self.queue is None)
        self.lanes: WorktreeExecutor | RemoteExecutor | None = None
        self.queue: MergeQueue | None = None
        self._pools: dict[str, ThreadPoolExecutor] = {}
        """Worker threads per executor kind (``orch-main``, ``orch-lane``: named for logs)."""
        self._inbox: queue.Queue[Message] = queue.Queue()
        self._busy: dict[str, Slot] = {}
        self._closing = threading.Event()
        """Set when the phase's loop has ended: workers stop waiting on the journal."""
        self._policies: dict[str, RetryPolicy] = {}

    # -- admission -----------------------------------------------------------------------------

    def _parallel(self, task: Task) -> bool:
        return self.jobs > 1 and (task.parallel or self.parallel_all) and not \
            self.runner.state.tasks[task.id].alone

    def _deps_ready(self, task: Task) -> bool:
        tasks = self.runner.state.tasks
        return all(tasks[d].status in TERMINAL_TASK_STATUSES for d in task.depends_on if d in tasks)

    def _overlaps(self, task: Task) -> bool:
        mine = self.runner.task_paths(task)
        busy = [*self._busy, *(self.queue.waiting if self.queue else [])]
        return any(files_overlap(mine, self.runner.task_paths(self.runner.task(other)))
                   for other in busy)

    def _waiting(self) -> bool:
        return bool(self.queue and self.queue.waiting)

    # -- the loop ------------------------------------------------------------------------------

    def run_phase(self, phase_state: PhaseState, index: dict[str, int],
                  count: int) -> RunStatus | None:
        """Run every pending task of the phase; the run's end status if it halts."""
        runner = self.runner
        pending = list(phase_state.tasks)
        # A killed parallel run leaves worktrees to recover even when resumed with --jobs 1.
        if self.jobs > 1 or set(pending) & set(runner.state.lane_tasks):
            # Imported here: a one-slot run with no worktrees needs no git (GitPython) import.
            from orch.runner.mergequeue import MergeQueue

            self.queue = MergeQueue(runner, index)
            transport = runner.settings.transport
            self.lanes = (RemoteExecutor(transport, self.queue.worktrees, runner.logs_dir,
                                         runner.ledger)
                          if transport is not None else
                          WorktreeExecutor(self.queue.worktrees, runner.logs_dir,
                                           runner.adapters, runner.ledger,
                                           runner.state.plan_path if runner.marks_plan else None))
            self.queue.recover(pending)
            # A recovered task waits to be integrated: starting it afresh too would run it twice.
            pending = [t for t in pending if t not in self.queue.waiting]
        try:
            return self._loop(pending, index, count)
        finally:
            # On the way out (an exception included) no worker may wait for this thread to
            # journal its event, or the pools' shutdown below would wait for them forever.
            self._closing.set()
            for pool in self._pools.values():
                pool.shutdown(wait=True)
            self._pools.clear()
            if self.queue is not None:
                self.queue.worktrees.finish()  # parked worktrees go, whatever ended the phase

    def _loop(self, pending: list[str], index: dict[str, int], count: int) -> RunStatus | None:
        while pending or self._busy or self._waiting():
            if proc.interrupted():
                return self._halt(RunStatus.INTERRUPTED, "interrupted")
            halted, started = self._start_ready(pending, index, count)
            if halted is not None:
                return halted
            if not started and not self._busy and pending and not self._waiting():
                # Nothing ready (a dependency outside the selection): keep plan order.
                task_id = pending.pop(0)
                halted = self._start(task_id, (index[task_id], count), parallel=False)
                if halted is not None:
                    return halted
            if self._busy:
                ready = self.queue is not None and self.queue.next_ready(self._busy)
                halted = self._pump(0.0 if ready else 0.1)
                if halted is not None:
                    return halted
            if self.queue is not None:
                # One integration per turn, so freed lanes get new tasks in between.
                sent_back = self.queue.integrate_ready(self._busy, limit=1)
                pending.extend(t for t in sent_back if t not in pending)
                pending.sort(key=index.__getitem__)
        if self.queue is not None:
            self.queue.sweep(list(index))
        return None

    def _start_ready(self, pending: list[str], index: dict[str, int],
                     count: int) -> tuple[RunStatus | None, bool]:
        started = False
        for task_id in list(pending):
            task = self.runner.task(task_id)
            if not self._deps_ready(task):
                continue
            parallel = self._parallel(task)
            if not parallel and (self._busy or self._waiting()):
                break  # a main-tree task runs alone, in plan order
            if len(self._busy) >= self.jobs:
                break
            if parallel and self._overlaps(task):
                continue
            pending.remove(task_id)
            halted = self._start(task_id, (index[task_id], count), parallel=parallel)
            if halted is not None:
                return halted, True
            started = True
            if not parallel:
                break
        return None, started

    # -- attempts ------------------------------------------------------------------------------

    def _start(self, task_id: str, position: tuple[int, int], *,
               parallel: bool) -> RunStatus | None:
        """Start a task's first attempt here (or skip it); the run's end status if it halts."""
        skip, halt = self.runner.pre_task(task_id)
        if halt is not None:
            return self._halt(RunStatus.FAILED, halt)
        if skip:
            return None
        task = self.runner.task(task_id)
        executor: Executor = self.main
        if parallel:
            assert self.lanes is not None
            executor = self.lanes
        config = self.runner.settings.config
        record = self.runner.state.tasks[task_id]
        attempts = 1 if record.alone else 1 + (task.retries or config.retries)
        policy = RetryPolicy(attempts, config.no_progress_limit, config.retry_backoff)
        slot = Slot(task, executor, policy, position, self._lane() if parallel else None)
        if record.status in ACTIVE_TASK_STATUSES:
            # Cut off by a kill in the main tree: made pending as a lane's would be.
            self.runner.results.reset(task_id, "interrupted")
        if not parallel:
            self.runner.restart_point(task_id)
        return self._dispatch(slot, fresh=True, feedback=record.feedback)

    def _lane(self) -> int:
        used = {slot.lane for slot in self._busy.values()}
        return next(n for n in range(1, self.jobs + 2) if n not in used)

    def _dispatch(self, slot: Slot, *, fresh: bool, feedback: str | None,
                  delay: float = 0.0) -> RunStatus | None:
        """Gate the budget, prepare the executor, journal the start, hand the attempt over."""
        runner, task = self.runner, slot.task
        role = runner.role_of(task)
        budget, error = runner.budget_gate(role, busy=len(self._busy))
        if error is not None:
            runner.results.not_done(task, TaskStatus.BUDGET_EXCEEDED, None, error)
            if slot.lane is not None and not fresh:
                self._abandon(task.id)
            return self._halt(RunStatus.BUDGET_EXCEEDED, error)
        lane = slot.lane

        def made(task_id: str, type_: str, data: dict[str, object]) -> None:
            runner.record(EventType(type_), task=task_id,
                          data={**data, **({"lane": lane} if lane is not None else {})})

        base = slot.executor.prepare(task.id, fresh=fresh, events=made)
        record = runner.state.tasks[task.id]
        if base.kind == "tree" and record.baseline:
            base = AttemptBase("tree", record.baseline)  # measured from where it first started
        request = runner.start_attempt(task, role, slot.position, base, budget, feedback=feedback,
                                       interrupted_before=fresh and record.cut_off,
                                       lane=lane)
        runner.recorder.barrier()
        self._busy[task.id] = slot
        self._pool(slot.executor).submit(self._work, slot.executor, request, delay)
        return None

    def _pool(self, executor: Executor) -> ThreadPoolExecutor:
        kind = executor.kind
        if kind not in self._pools:
            name = "orch-lane" if kind == "worktree" else f"orch-{kind}"
            self._pools[kind] = ThreadPoolExecutor(self.jobs, thread_name_prefix=name)
        return self._pools[kind]

    def _work(self, executor: Executor, request: AttemptRequest, delay: float) -> None:
        """On a worker thread: back off (waking on Ctrl-C), run the attempt, report the outcome."""
        task_id = request.task_id
        try:
            if delay:
                self.runner.sleep(delay)
            if proc.interrupted():
                result = AgentResult(status=AgentStatus.INTERRUPTED, error="interrupted")
                outcome = AttemptOutcome(result, CheckOutcome(ok=False, interrupted=True), 0.0)
            else:
                outcome = executor.run(request, self._post)
            self._inbox.put(("outcome", task_id, outcome))
        except BaseException as exc:  # re-raised by the controller
            self._inbox.put(("outcome", task_id, exc))

    def _post(self, task_id: str, type_: str, data: dict[str, object]) -> None:
        """A worker's event: wait until the controller has journalled it durably, so what the
        worker does next (run a check) comes after it on disk."""
        journalled = threading.Event()
        self._inbox.put(("event", task_id, (type_, data, journalled)))
        while not journalled.wait(0.2):
            if self._closing.is_set():
                return

    def _pump(self, timeout: float) -> RunStatus | None:
        """Record what workers report; decide on each finished attempt. Waits up to ``timeout``
        for the first message (waking for Ctrl-C), then takes whatever else is there."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                wait = max(0.0, deadline - time.monotonic())
                message = self._inbox.get(timeout=wait) if wait else self._inbox.get_nowait()
            except queue.Empty:
                return None
            halted = self._handle(message)
            if halted is not None:
                return halted
            deadline = 0.0  # after the first message, only drain

    def _handle(self, message: Message) -> RunStatus | None:
        kind, task_id, payload = message
        if kind == "event":
            assert isinstance(payload, tuple)
            type_, data, journalled = payload
            self.runner.record(EventType(str(type_)), task=task_id, data=dict(data))
            self.runner.recorder.barrier()
            journalled.set()
            return None
        if isinstance(payload, BaseException):
            raise payload
        assert isinstance(payload, AttemptOutcome)
        return self._decide(self._busy.pop(task_id), payload)

    def _decide(self, slot: Slot, outcome: AttemptOutcome) -> RunStatus | None:
        """The one decision after an attempt, wherever it ran."""
        runner, task = self.runner, slot.task
        decision = slot.policy.decide(outcome)
        if decision.action is Action.INTERRUPTED:
            self._keep_or_spend(slot, outcome, "interrupted")
            return self._halt(RunStatus.INTERRUPTED, "interrupted")
        if decision.action is Action.DONE:
            self._keep(slot, outcome)
            return None
        if decision.action is Action.RETRY:
            runner.results.not_done(task, TaskStatus.FAILED, outcome, decision.error,
                                    retrying=True)
            runner.record(EventType.TASK_RETRY, task=task.id, data={
                "attempt": runner.state.tasks[task.id].attempts + 1,
                "delay_s": decision.delay_s, "error": decision.error})
            runner.results.reset(task.id, "retry")
            return self._dispatch(slot, fresh=False, feedback=retry_feedback(outcome.check),
                                  delay=decision.delay_s)
        if slot.lane is not None:
            self._abandon(task.id)
        if decision.action is Action.BUDGET_EXCEEDED:
            runner.results.not_done(task, TaskStatus.BUDGET_EXCEEDED, outcome, decision.error)
            return self._halt(RunStatus.BUDGET_EXCEEDED, f"task {task.id}: {decision.error}")
        status = TaskStatus.BLOCKED if decision.action is Action.BLOCKED else TaskStatus.FAILED
        runner.results.not_done(task, status, outcome, decision.error)
        return self._halt(RunStatus.FAILED, f"task {task.id} {status.value}: {decision.error}")

    def _keep(self, slot: Slot, outcome: AttemptOutcome) -> None:
        """A passing attempt: done now (main tree) or queued for integration (a commit)."""
        task = slot.task
        if outcome.change is not None and outcome.change.kind == "commit":
            assert self.queue is not None
            self.queue.finished(task.id, outcome)
        else:
            self.runner.results.done(task, outcome)

    def _keep_or_spend(self, slot: Slot, outcome: AttemptOutcome, reason: str) -> None:
        """A halt met this attempt: keep it when it finished and passed, else journal what it
        spent and make its task pending (a main-tree task's log says so)."""
        if outcome.check.ok and outcome.change is not None:
            self._keep(slot, outcome)
            return
        if slot.lane is not None:
            self._abandon(slot.task.id)
        elif reason == "interrupted":
            self.runner.note_interrupted(slot.task.id)
        self.runner.results.spent(slot.task, outcome, reason)

    def _abandon(self, task_id: str) -> None:
        if self.queue is not None:
            self.queue.abandon(task_id)
        if self.lanes is not None:
            self.lanes.forget(task_id)

    def _halt(self, status: RunStatus, error: str | None) -> RunStatus:
        """Stop the run, keeping what is paid for: busy attempts run to their end; those that
        pass are kept (integrated now, or after Ctrl-C journalled for the next resume)."""
        reason = "interrupted" if status is RunStatus.INTERRUPTED else "the run stopped"
        while self._busy:
            try:
                message = self._inbox.get(timeout=0.1)
            except queue.Empty:
                continue
            kind, task_id, payload = message
            if kind == "event":
                self._handle(message)
                continue
            if isinstance(payload, BaseException):
                raise payload
            assert isinstance(payload, AttemptOutcome)
            self._keep_or_spend(self._busy.pop(task_id), payload, reason)
        if self.queue is not None and status is not RunStatus.INTERRUPTED:
            self.queue.integrate_ready({})
        return self.runner.finish(status, error)
