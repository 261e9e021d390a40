"""The merge queue: finished worktree tasks integrated one by one, in plan order (docs/parallel.md).

For each task: merge its branch into the integrated tree (in git's object store), journal
``integration_started``, apply the result to the main working tree, re-run the task's checks
(``verify:`` and the derived file checks) there, and only then journal ``task_integrated`` and
``done``. A conflict or a failing check puts the tree back as it was, keeps the task's branch,
and sends the task back to run once more, alone, on the integrated tree. Every step is
journalled first, so :meth:`MergeQueue.recover` can finish or undo whatever a kill interrupted
without integrating anything twice.
"""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

from orch.domain.events import CheckRecord, EventType
from orch.domain.status import ACTIVE_TASK_STATUSES, TaskStatus
from orch.errors import VcsError
from orch.runner.executor import AttemptOutcome
from orch.runner.filechecks import ChangeProbe, Measured, describe_failure, evaluate
from orch.runner.verify import run_checks
from orch.runner.wtsetup import provision_of
from orch.vcs.worktrees import Worktrees

if TYPE_CHECKING:
    from orch.runner.host import RunHost


class MergeQueue:
    """Integrates finished worktree tasks into the main working tree."""

    def __init__(self, runner: RunHost, index: dict[str, int]) -> None:
        self.runner = runner
        self.index = index
        self.worktrees = Worktrees(runner.project_dir, runner.state.run_id,
                                   provision_of(runner.settings.config))
        self.waiting: list[str] = []
        self._outcomes: dict[str, AttemptOutcome | None] = {}

    def _record(self, type_: EventType, task_id: str, data: dict[str, object]) -> None:
        self.runner.record(type_, task=task_id, data=data)

    def finished(self, task_id: str, outcome: AttemptOutcome) -> None:
        """The task passed its checks in its worktree, its work committed: queue it."""
        assert outcome.change is not None
        self._record(EventType.TASK_COMMITTED, task_id,
                     {"commit": outcome.change.id, "cost_usd": outcome.result.cost_usd})
        self.runner.recorder.barrier()
        self._outcomes[task_id] = outcome
        self.waiting.append(task_id)

    def abandon(self, task_id: str) -> None:
        """A task that failed in its worktree: keep its work on its branch, drop the worktree.

        A task that changed nothing (it never started: no budget left) keeps no branch."""
        base = self.runner.state.tasks[task_id].work_base
        if not self.worktrees.made(task_id):
            # Deleted under the task, a remote attempt (no worktree here), or one its lane
            # never made: nothing left to keep but the branch, if there is one.
            branch = f"refs/heads/{self.worktrees.branch(task_id)}"
            keep = self.worktrees.repo.ref_sha(branch) is not None
        else:
            keep = not base or self.worktrees.changes(self.worktrees.commit_task(task_id, base))
        self._remove(task_id, keep_branch=keep)

    def _remove(self, task_id: str, *, keep_branch: bool) -> None:
        self.worktrees.remove(task_id, keep_branch=keep_branch)
        self._record(EventType.WORKTREE_REMOVED, task_id, {"kept_branch": keep_branch})

    # -- integrating ---------------------------------------------------------------------------

    def next_ready(self, running: Container[str]) -> str | None:
        """The task to integrate next, if no busy task comes before it in plan order."""
        self.waiting.sort(key=self.index.__getitem__)
        if not self.waiting:
            return None
        task_id = self.waiting[0]
        if any(self.index[other] < self.index[task_id] for other in self.index
               if other in running):
            return None
        return task_id

    def integrate_ready(self, running: Container[str], limit: int | None = None) -> list[str]:
        """Integrate queued tasks no busy earlier task precedes (at most ``limit``); the ids
        sent back."""
        sent_back = []
        integrated = 0
        while self.next_ready(running) and (limit is None or integrated < limit):
            integrated += 1
            task_id = self.waiting.pop(0)
            if not self._integrate(task_id):
                sent_back.append(task_id)
        return sent_back

    def _integrate(self, task_id: str, applied: tuple[str, str] | None = None) -> bool:
        record = self.runner.state.tasks[task_id]
        if applied is None:
            merge = self.worktrees.merge(record.work_base or "", record.work_commit or "")
            if merge.result_tree is None:
                self._send_back(task_id, f"conflict with integrated work in {merge.conflicts}")
                return False
            before, after = merge.before_tree, merge.result_tree
            with self.worktrees.applying:
                self._record(EventType.INTEGRATION_STARTED, task_id,
                             {"before_tree": before, "result_tree": after})
                self.runner.recorder.barrier()
                self.worktrees.apply(before, after)
        else:
            before, after = applied
        # What git does not carry (an ignored build/) is the task's output too: in place
        # before its checks run on the integrated tree, as a sequential run would have it.
        self.worktrees.carry_ignored(task_id)
        error, evidence = self._recheck(task_id, (before, after))
        if error is not None:
            self._take_back(task_id, before, after)
            self._send_back(task_id, error)
            return False
        commit = self.worktrees.commit_integration(after, before, record.work_commit or "",
                                                   task_id)
        self._record(EventType.TASK_INTEGRATED, task_id, {"commit": commit})
        self._done(task_id, evidence)
        self._remove(task_id, keep_branch=False)
        return True

    def _take_back(self, task_id: str, before: str, after: str) -> None:
        """Undo an integration, keeping edits made to the main tree since it was applied."""
        kept = self.worktrees.restore(before, after)
        if kept:
            self.runner.note(f"{task_id}: {', '.join(kept)} changed during its integration; "
                              "left as they are, with its change in them", "warning")

    def _recheck(self, task_id: str,
                 trees: tuple[str, str]) -> tuple[str | None, list[CheckRecord]]:
        """The task's checks on the integrated tree: an error or ``None``, and the evidence.

        ``verify:`` commands run there; derived file checks measure what the integration
        (``before`` → ``after`` tree) changed, so the task's work must still be in."""
        runner = self.runner
        task = runner.task(task_id)
        checks = runner.planner.checks(task, runner.phase_of(task))
        evidence: list[CheckRecord] = []
        if checks.verify:
            log_path = runner.recorder.layout.task_log(runner.state.run_id, task_id)
            runner.recorder.barrier()
            outcome = run_checks(checks.verify, cwd=runner.project_dir, log_path=log_path,
                                 timeout_s=runner.timeout(task))
            evidence += outcome.evidence
            if not outcome.ok:
                return f"check failed after integration: {outcome.error}", evidence
        if checks.files:
            measured = Measured(set(self.worktrees.changed(*trees)))
            probe = ChangeProbe.for_project(runner.project_dir)
            records = evaluate(checks.files, probe, measured)
            evidence += records
            failed = [r for r in records if not r.ok]
            if failed:
                reasons = "; ".join(describe_failure(r) for r in failed)
                return f"file check failed after integration: {reasons}", evidence
        return None, evidence

    def _done(self, task_id: str, evidence: list[CheckRecord] | None) -> None:
        """Record the integrated task done, with the evidence of its checks on this tree."""
        outcome = self._outcomes.pop(task_id, None)
        cost = self.runner.state.tasks[task_id].work_cost_usd
        self.runner.results.done(self.runner.task(task_id), outcome, evidence=evidence,
                                 cost_usd=cost)

    def _send_back(self, task_id: str, reason: str) -> None:
        """Keep the branch, drop the worktree; the task re-runs once, alone."""
        outcome = self._outcomes.pop(task_id, None)
        runner = self.runner
        task = runner.task(task_id)
        cost = runner.state.tasks[task_id].work_cost_usd
        if outcome is not None or cost:  # journal what the attempt cost before it re-runs
            runner.results.not_done(task, TaskStatus.FAILED, outcome, reason, retrying=True,
                                    cost_usd=cost)
        self._record(EventType.INTEGRATION_FAILED, task_id,
                     {"reason": reason, "branch": self.worktrees.branch(task_id)})
        self._remove(task_id, keep_branch=True)
        runner.results.reset(task_id, reason)
        runner.recorder.barrier()

    # -- after a kill --------------------------------------------------------------------------

    def recover(self, phase_tasks: list[str]) -> None:
        """Finish or undo what a killed run left in this phase's worktrees."""
        tasks = self.runner.state.tasks
        self.worktrees.clear_stale_locks()
        for task_id in phase_tasks:
            record = tasks[task_id]
            # A finished task is ``verifying`` until it is integrated: both are in progress.
            if record.status in ACTIVE_TASK_STATUSES and record.work_base and \
                    record.lane is not None:
                self._recover_running(task_id)
        self.sweep(phase_tasks)

    def _recover_running(self, task_id: str) -> None:
        record = self.runner.state.tasks[task_id]
        if record.integrated:
            # Integrated and committed before the kill; its checks ran on this tree in the
            # process that died: run them again for the evidence.
            self.worktrees.carry_ignored(task_id)
            repo = self.worktrees.repo
            trees = (repo.run("rev-parse", f"{record.integrated}^1^{{tree}}"),
                     repo.run("rev-parse", f"{record.integrated}^{{tree}}"))
            _error, evidence = self._recheck(task_id, trees)
            self._done(task_id, evidence)
            self._remove(task_id, keep_branch=False)
        elif record.integrating:
            before, after = record.integrating
            now = self.worktrees.integrated_tree()
            if now == after:
                self._integrate(task_id, (before, after))
            else:
                # Killed before or during the apply: put back what it touched, integrate anew.
                self._take_back(task_id, before, after)
                self.waiting.append(task_id)
        elif record.work_commit:
            self.waiting.append(task_id)
        else:
            self.worktrees.save_partial(task_id, record.work_base or "")
            self._remove(task_id, keep_branch=False)
            self.runner.results.reset(task_id, "interrupted")

    def sweep(self, phase_tasks: list[str] | None = None) -> None:
        """Remove worktrees no task is using; keep every branch whose work is not integrated."""
        tasks = self.runner.state.tasks
        busy = set(self.waiting)
        for task_id in self.worktrees.leftovers():
            record = tasks.get(task_id)
            if record is None:  # its task left the plan: its work stays on its branch
                self.worktrees.keep_work(task_id)
                continue
            if task_id in busy:
                continue
            if record.status in ACTIVE_TASK_STATUSES and record.work_commit:
                continue
            keep = bool(record.kept_branch)
            if record.status is not TaskStatus.DONE and record.work_base and not keep:
                self.worktrees.save_partial(task_id, record.work_base)
            if record.status is TaskStatus.DONE and record.integrated:
                self.worktrees.carry_ignored(task_id)  # a kill came before its worktree went
            try:
                self.worktrees.remove(task_id, keep_branch=keep)
            except VcsError:
                continue
        for task_id in phase_tasks or []:
            record = tasks[task_id]
            if not record.kept_branch and record.status not in ACTIVE_TASK_STATUSES:
                self.worktrees.repo.delete_ref(f"refs/heads/{self.worktrees.branch(task_id)}")
        self.worktrees.finish()
