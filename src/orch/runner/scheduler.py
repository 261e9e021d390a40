"""One scheduler for a phase's tasks: ready set, N worker slots, one controller (docs/parallel.md).

With one slot (``--jobs 1``, the default) every task runs in the main working tree, one after
another: that is the sequential run. With more slots, a ready task admitted to parallel running
(``[P]``, or any task with config ``parallel: all``) whose files overlap no busy task's runs in
its own worktree on a worker thread. Workers return :class:`AttemptOutcome` values; only this
controller (the thread that called :meth:`Scheduler.run_phase`) writes the journal. Finished
worktree tasks pass through the merge queue (:mod:`orch.runner.mergequeue`) in plan order.
"""

from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

from orch import proc
from orch.adapters.base import priced_before_call
from orch.domain.events import EventType
from orch.domain.graph import files_overlap
from orch.domain.plan import Task
from orch.domain.state import PhaseState
from orch.domain.status import TERMINAL_TASK_STATUSES, RunStatus, TaskStatus
from orch.runner.attempt import Action, AttemptOutcome, RetryPolicy, TaskWorker, retry_feedback
from orch.runner.wtsetup import run_setup

if TYPE_CHECKING:
    from orch.runner.engine import Runner
    from orch.runner.mergequeue import MergeQueue

Events = list[tuple[str, dict[str, object]]]
Result = tuple[AttemptOutcome, Events]


class Scheduler:
    """Runs one phase's tasks with ``jobs`` slots; the controller of every worker."""

    def __init__(self, runner: Runner, jobs: int, parallel_all: bool) -> None:
        self.runner = runner
        self.jobs = max(1, jobs)
        self.parallel_all = parallel_all
        self.queue: MergeQueue | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._running: dict[str, Future[Result]] = {}
        self._policies: dict[str, RetryPolicy] = {}
        self._lanes: dict[str, int] = {}
        self._set_up: set[str] = set()
        """Tasks whose worktree's ``worktree: setup:`` command has passed."""
        self.ledger = runner.ledger

    # -- admission -----------------------------------------------------------------------------

    def _parallel(self, task: Task) -> bool:
        return self.jobs > 1 and (task.parallel or self.parallel_all) and not \
            self.runner.state.tasks[task.id].alone

    def _files(self, task: Task) -> set[str]:
        phase = self.runner._phases[task.phase_id]
        return {check.path for check in self.runner.planner.checks(task, phase).files}

    def _deps_ready(self, task: Task) -> bool:
        tasks = self.runner.state.tasks
        return all(tasks[d].status in TERMINAL_TASK_STATUSES for d in task.depends_on if d in tasks)

    def _overlaps(self, task: Task) -> bool:
        mine = self._files(task)
        busy = [*self._running, *(self.queue.waiting if self.queue else [])]
        return any(files_overlap(mine, self._files(self.runner._tasks[other])) for other in busy)

    # -- the loop ------------------------------------------------------------------------------

    def run_phase(self, phase_state: PhaseState, index: dict[str, int],
                  count: int) -> RunStatus | None:
        """Run every pending task of the phase; the run's end status if it halts."""
        pending = list(phase_state.tasks)
        # A killed parallel run leaves worktrees to recover even when resumed with --jobs 1.
        if self.jobs > 1 or set(pending) & set(self.runner.state.lane_tasks):
            # Imported here: a one-slot run with no worktrees needs no git (GitPython) import.
            from orch.runner.mergequeue import MergeQueue

            self.queue = MergeQueue(self.runner, index, self.ledger)
            self.queue.recover(pending)
            # A recovered task waits to be integrated: starting it afresh too would run it twice.
            pending = [t for t in pending if t not in self.queue.waiting]
        if self.jobs > 1:
            self._pool = ThreadPoolExecutor(self.jobs, thread_name_prefix="orch-lane")
        try:
            return self._loop(pending, index, count)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
            if self.queue is not None:
                self.queue.worktrees.finish()  # parked worktrees go, whatever ended the phase

    def _loop(self, pending: list[str], index: dict[str, int], count: int) -> RunStatus | None:
        while pending or self._running or (self.queue and self.queue.waiting):
            if proc.interrupted():
                return self._halt_interrupted()
            halted, started = self._start_ready(pending, index, count)
            if halted is not None:
                return halted
            if not started and not self._running and pending and \
                    not (self.queue and self.queue.waiting):
                # Nothing ready (a dependency outside the selection): keep plan order.
                task_id = pending.pop(0)
                halted = self.runner._run_task(task_id, index[task_id], count)
                if halted is not None:
                    return halted
                continue
            if self._running:
                # Work waiting to integrate: look for finished lanes without blocking.
                ready = self.queue is not None and self.queue.next_ready(self._running)
                halted = self._collect(index, count, 0.0 if ready else 0.5)
                if halted is not None:
                    return halted
            if self.queue is not None:
                # One integration per turn, so freed lanes get new tasks in between.
                sent_back = self.queue.integrate_ready(self._running, limit=1)
                pending.extend(t for t in sent_back if t not in pending)
                pending.sort(key=index.__getitem__)
        if self.queue is not None:
            self.queue.sweep(list(index))
        return None

    def _start_ready(self, pending: list[str], index: dict[str, int],
                     count: int) -> tuple[RunStatus | None, bool]:
        started = False
        for task_id in list(pending):
            task = self.runner._tasks[task_id]
            if not self._deps_ready(task):
                continue
            if not self._parallel(task):
                if self._running or (self.queue and self.queue.waiting):
                    break  # an unmarked task runs alone, in plan order
                pending.remove(task_id)
                halted = self.runner._run_task(task_id, index[task_id], count)
                return halted, True
            if len(self._running) >= self.jobs:
                break
            if self._overlaps(task):
                continue
            pending.remove(task_id)
            skip, halted = self.runner._pre_task(task_id)
            if halted is not None:
                return self._drain(halted), True
            if skip:
                continue
            self._submit(task, (index[task_id], count), fresh=True)
            started = True
        return None, started

    # -- workers -------------------------------------------------------------------------------

    def _lane(self, task_id: str) -> int:
        used = set(self._lanes.values())
        lane = next(n for n in range(1, self.jobs + 2) if n not in used)
        self._lanes[task_id] = lane
        return lane

    def _submit(self, task: Task, position: tuple[int, int], *, fresh: bool,
                feedback: str | None = None, delay: float = 0.0) -> None:
        assert self.queue is not None and self._pool is not None
        runner = self.runner
        record = runner.state.tasks[task.id]
        if fresh:
            lane = self._lane(task.id)
            self.queue.make_worktree(task.id, lane)
            self._set_up.discard(task.id)
            config = runner.settings.config
            self._policies[task.id] = RetryPolicy(1 + (task.retries or config.retries),
                                                  config.no_progress_limit, config.retry_backoff)
        phase = runner._phases[task.phase_id]
        role = runner.resolver.resolve(task, phase)
        request = runner._start_attempt(task, phase, role, position,
                                        record.status is TaskStatus.RUNNING,
                                        lane=self._lanes[task.id])
        # An adapter priced before each call reserves it from the meter; a CLI agent, whose
        # spending is known only when it exits, reserves its share of what is left.
        shared = priced_before_call(runner.worker.adapter(role.adapter))
        request.budget = runner._budget(role, reserved=0 if shared else self._reserved(task.id))
        request.feedback, request.baseline = feedback, None
        events: Events = []
        # Only this controller writes the journal: a lane's notes wait for its result.
        request.context_extras["notify"] = lambda message: events.append(
            (EventType.NOTE.value, {"message": message, "level": "warning"}))
        worker = TaskWorker(self.queue.worktrees.project_in(task.id),
                            lambda type_, _task, data: events.append((type_, data)),
                            lambda: None, runner._timeout)
        runner.recorder.barrier()

        setup = None if task.id in self._set_up else runner.settings.config.worktree.setup
        queue = self.queue

        def work() -> Result:
            if delay:
                time.sleep(delay)
            if setup:
                failed = run_setup(setup, cwd=worker.project_dir, log_path=request.log_path,
                                   timeout_s=runner._timeout(task))
                if failed is not None:
                    return failed, events
                queue.worktrees.remember_setup(task.id)
                self._set_up.add(task.id)
            return worker.attempt(request), events

        self._running[task.id] = self._pool.submit(work)

    def _reserved(self, task_id: str) -> int:
        """How many other lanes are busy: the run's remaining budget is shared with them."""
        return len([t for t in self._running if t != task_id])

    def _collect(self, index: dict[str, int], count: int, timeout: float) -> RunStatus | None:
        done, _ = wait(list(self._running.values()), return_when=FIRST_COMPLETED,
                       timeout=timeout)
        for task_id, future in list(self._running.items()):
            if future not in done:
                continue
            del self._running[task_id]
            outcome, events = future.result()
            for type_, data in events:
                self.runner._record(EventType(type_), task=task_id, data=data)
            halted = self._decide(self.runner._tasks[task_id], outcome, (index[task_id], count))
            if halted is not None:
                return halted
        return None

    def _decide(self, task: Task, outcome: AttemptOutcome,
                position: tuple[int, int]) -> RunStatus | None:
        assert self.queue is not None
        decision = self._policies[task.id].decide(outcome)
        if decision.action is Action.INTERRUPTED:
            self._running[task.id] = _done_future(outcome)
            return self._halt_interrupted()
        if decision.action is Action.DONE:
            self.queue.finished(task.id, outcome)
            self._lanes.pop(task.id, None)
            return None
        if decision.action is Action.RETRY:
            self.runner._apply(task, outcome, decision)
            self.ledger.journalled(task.id)
            self._submit(task, position, fresh=False, feedback=retry_feedback(outcome.check),
                         delay=decision.delay_s)
            return None
        self.queue.abandon(task.id)
        self._lanes.pop(task.id, None)
        self._wait_all()
        halted = self.runner._apply(task, outcome, decision)
        self.ledger.journalled(task.id)
        return halted

    def _wait_all(self) -> None:
        """Let busy lanes finish (their work is kept on their branches), then integrate the
        finished work that waits: it passed its checks and is paid for."""
        for task_id, future in list(self._running.items()):
            outcome, _events = future.result()
            if self.queue is not None:
                self.queue.abandon(task_id)
            self._journal_spent(task_id, outcome, "the run stopped")
        self._running.clear()
        if self.queue is not None:
            self.queue.integrate_ready(self._running)

    def _journal_spent(self, task_id: str, outcome: AttemptOutcome, reason: str) -> None:
        """A lane's attempt the run will not use: journal what it spent, then make it pending."""
        runner = self.runner
        runner._record_finish(runner._tasks[task_id], TaskStatus.FAILED,
                              {**runner._finish_data(outcome), "error": reason,
                               "retrying": True})
        self.ledger.journalled(task_id)
        runner._record(EventType.TASK_RESET, task=task_id,
                       data={"status": TaskStatus.PENDING.value, "reason": reason})

    def _drain(self, halted: RunStatus) -> RunStatus:
        self._wait_all()
        return halted

    def _halt_interrupted(self) -> RunStatus:
        """Stop: busy tasks go back to pending; their worktrees are saved on resume."""
        for task_id, future in list(self._running.items()):
            outcome, _events = future.result()
            self._journal_spent(task_id, outcome, "interrupted")
        self._running.clear()
        return self.runner._finish(RunStatus.INTERRUPTED, "interrupted")


def _done_future(outcome: AttemptOutcome) -> Future[Result]:
    future: Future[Result] = Future()
    future.set_result((outcome, []))
    return future
