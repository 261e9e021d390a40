"""The local executors: the main working tree (the sequential slot) and lanes' worktrees.

Both run an attempt with the same :class:`~orch.runner.attempt.TaskWorker`; they differ only in
where: :class:`MainTreeExecutor` runs in the project itself (its change is the working tree,
integration is the identity), :class:`WorktreeExecutor` in a fresh git worktree per task, whose
passing work it commits on the task's branch for the merge queue to integrate.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from orch import proc
from orch.adapters.base import AgentResult, AgentStatus, SpendGate
from orch.domain.events import EventType
from orch.errors import VcsError
from orch.runner.attempt import AdapterCache, TaskWorker
from orch.runner.executor import (
    AttemptBase,
    AttemptChange,
    AttemptEvents,
    AttemptOutcome,
    AttemptRequest,
)
from orch.runner.verify import CheckOutcome
from orch.runner.worktree_marks import restore_marks
from orch.runner.wtsetup import run_setup

if TYPE_CHECKING:
    from orch.runner.planmarks import Marker
    from orch.vcs.worktrees import Worktrees


class MainTreeExecutor:
    """Attempts in the main working tree, one at a time: the base is the tree as it is.

    **One snapshot per task.** A task's change is the diff of two snapshots of the working
    tree, at its start and at its end, and each snapshot walks every file (about one ``git
    status``). When one main-tree task starts right after the previous one ended, in this
    process, the only writer in between is orch itself: it journals (under its own directory,
    left out of every snapshot) and marks the plan (the files ``marker`` reports). So the new
    task's start tree is the previous end tree with those files updated
    (:meth:`ChangeProbe.carry <orch.runner.filechecks.ChangeProbe.carry>`), a hash of the plan
    file, not a walk. That is the tree a walk would have written, unless someone else edited a
    file in the milliseconds between the two windows; such an edit now falls in the new task's
    window, exactly as the same edit a millisecond later would have, since orch attributes
    changes by when they happen, never by who made them: the two windows simply become
    contiguous, so no edit falls between them. Where time or another actor did come in
    between, the start is walked as before:

    - the first task this executor runs: a new phase (after a gate, a checkpoint, a decision,
      a revise), a resume, the first task of a run (a new controller, a new executor);
    - after a retry's attempt that failed (``fresh=False`` drops the carried tree; a retry is
      measured from its task's first start, so its back-off falls inside its own task's window);
    - after an attempt that ran verify commands after its end snapshot (a build or a test may
      write files: walked, they stay nobody's, as before), was interrupted or not measured;
    - after a manual agent's task (a person works on in the tree at their own pace);
    - in a phase with lanes (``alone`` says no): integrations apply lane work to this tree;
    - whenever the real index changed on disk or ``HEAD`` moved (a ``--commit task`` commit,
      whose hooks may write; a user's ``git add``) or the in-memory index holds anything but
      the previous end tree.

    An in-session gate measures from the start tree in another process: a carried tree is in
    the object store like any snapshot. ``alone`` is asked at each start (the controller knows
    whether lanes run in this phase); the default, no carrying, walks every start.
    """

    kind = "main"

    def __init__(self, project_dir: Path, logs_dir: Path, adapters: AdapterCache,
                 spend: SpendGate | None = None, *, marker: Marker | None = None,
                 alone: Callable[[], bool] = lambda: False) -> None:
        self.worker = TaskWorker(project_dir, logs_dir, adapters, spend)
        self._marker = marker
        self._alone = alone
        self._carried: str | None = None
        """The previous attempt's end tree, when the next start may build on it."""

    def prepare(self, task_id: str, *, fresh: bool, events: AttemptEvents) -> AttemptBase:
        """The working tree now, as a tree id (``None`` outside git, or for a retry: it goes on
        from where the task's previous attempt left the tree): carried from the previous
        task's end where nothing else came in between (see the class docstring), else walked."""
        previous, self._carried = self._carried, None
        written = self._marker.written.take() if self._marker is not None else []
        if not fresh:
            return AttemptBase("tree", None)
        probe = self.worker.probe
        tree = probe.carry(previous, written) if previous and self._alone() else None
        return AttemptBase("tree", tree if tree is not None else probe.baseline())

    def run(self, request: AttemptRequest, events: AttemptEvents) -> AttemptOutcome:
        """Run the attempt in place; a passing attempt's change is the working tree."""
        outcome = self.worker.attempt(request, events)
        if outcome.check.ok and not outcome.interrupted:
            outcome.change = AttemptChange("tree", None)
        end_is_last_write = not (request.checks.verify or outcome.interrupted
                                 or request.role.adapter == "manual")
        self._carried = self.worker.probe.end_tree if end_is_last_write else None
        return outcome


class WorktreeExecutor:
    """Attempts in per-task git worktrees (``--jobs`` > 1); passing work becomes a commit."""

    kind = "worktree"

    def __init__(self, worktrees: Worktrees, logs_dir: Path, adapters: AdapterCache,
                 spend: SpendGate | None, plan_path: str | None) -> None:
        self.worktrees = worktrees
        self.logs_dir = logs_dir
        self.adapters = adapters
        self.spend = spend
        self.plan_path = plan_path
        """The plan, relative to the project, when orch marks it (agents' marks are undone)."""
        self._bases: dict[str, str] = {}
        self._set_up: set[str] = set()
        self._to_make: dict[str, bool] = {}
        """Tasks whose worktree the lane makes before its first attempt, and whether a parked
        worktree was moved to its path for it to switch."""

    def prepare(self, task_id: str, *, fresh: bool, events: AttemptEvents) -> AttemptBase:
        """A fresh worktree from the integrated tree (``fresh``), else the task's current one.

        The base (the integrated tree now) is taken here, in the queue's thread; the worktree
        is made by the lane itself, so the queue integrates while lanes switch or check out
        their worktrees (a marker keeps a kill meanwhile from saving a half-made one)."""
        if not fresh and task_id in self._bases:
            return AttemptBase("commit", self._bases[task_id])
        base = self.worktrees.base_commit()
        self._to_make[task_id] = self.worktrees.begin(task_id)
        self._bases[task_id] = base
        self._set_up.discard(task_id)
        events(task_id, EventType.WORKTREE_CREATED.value, {
            "path": str(self.worktrees.path(task_id)), "branch": self.worktrees.branch(task_id),
            "base": base})
        return AttemptBase("commit", base)

    def run(self, request: AttemptRequest, events: AttemptEvents) -> AttemptOutcome:
        """Make the worktree (first attempt), set it up once, run the attempt there; commit the
        work when it passed."""
        task_id = request.task_id
        if task_id in self._to_make:
            begun = self._to_make.pop(task_id)
            try:
                self.worktrees.create(task_id, request.base.id or "", begun=begun)
            except VcsError:
                if not proc.interrupted():
                    raise
                result = AgentResult(status=AgentStatus.INTERRUPTED, error="interrupted")
                return AttemptOutcome(result, CheckOutcome(ok=False, interrupted=True), 0.0)
            with self.worktrees.applying:  # the journal's integration_started meets its apply
                pass
        project = self.worktrees.project_in(task_id)
        if request.setup and task_id not in self._set_up:
            failed = run_setup(request.setup, cwd=project,
                               log_path=self.logs_dir / request.log_name,
                               timeout_s=request.timeout_s)
            if failed is not None:
                return failed
            self.worktrees.remember_setup(task_id)
            self._set_up.add(task_id)
        worker = TaskWorker(project, self.logs_dir, self.adapters, self.spend)
        outcome = worker.attempt(request, events)
        if outcome.check.ok and not outcome.interrupted:
            base = request.base.id or ""
            self._restore_plan_marks(task_id, base)
            outcome.change = AttemptChange("commit", self.worktrees.commit_task(task_id, base))
        return outcome

    def _restore_plan_marks(self, task_id: str, base: str) -> None:
        """Plan checkboxes are orch's to tick: drop the agent's, keep its other plan edits."""
        if self.plan_path is None or not base:
            return
        plan = self.worktrees.repo.project_dir / self.plan_path
        rel = self.worktrees.repo.relative(plan)
        if rel is None:
            return
        try:
            base_text = self.worktrees.show_in(task_id, base, rel)
        except (VcsError, OSError):  # OSError: the worktree is gone (commit_task says so)
            return  # the plan is not in the task's base (untracked elsewhere)
        restore_marks(self.worktrees.project_in(task_id) / self.plan_path, base_text)

    def forget(self, task_id: str) -> None:
        """The task's worktree is gone: its next attempt starts from a fresh one."""
        self._to_make.pop(task_id, None)
        self._bases.pop(task_id, None)
        self._set_up.discard(task_id)
