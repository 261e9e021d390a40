"""``orch rollback``: return code and run state to a checkpoint without ever losing work.

The order of a rollback (all under the project lock):

1. plan: find the checkpoint, list the commits, checkpoints, tasks and files that would change;
   refuse commits not made by orch (or merges, or pushed commits) above it unless ``force``;
2. back up HEAD, index and the whole working tree into ``refs/orch/backup/<id>`` and copy the
   run's state files to ``.specify/orch/backups/<id>/``;
3. write the journal ``.specify/orch/rollback.json`` (stage ``started``);
4. delete the dropped checkpoints' refs, ``git reset --hard`` to the checkpoint, delete the
   untracked files (all saved in step 2), rewind the run state through the store;
5. mark the journal ``done``.

A kill before step 3 leaves the old state (plus a harmless backup ref); after it, repeating the
rollback or ``--undo`` completes from the journal. ``undo`` backs up the current state too, then
restores branch, working tree, index, checkpoint refs and run-state files exactly.
The git moves are :mod:`orch.vcs.rollback`; this module is the use case around them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from orch.domain.events import (
    CheckpointsDropped,
    EventType,
    Payload,
    Reason,
    RunStateChanged,
    TaskReset,
)
from orch.domain.state import Checkpoint, Event, RunState
from orch.domain.status import RunStatus, TaskStatus
from orch.errors import DeclinedError, SafetyError, StateError, UsageError, VcsError
from orch.runner.rewind import rewind_scope
from orch.runner.rollback_journal import (
    RollbackJournal,
    read_rollback_journal,
    restore_run_files,
    save_run_files,
    write_journal,
)
from orch.store.journal import read_journal
from orch.store.layout import Layout
from orch.store.lock import ProjectLock
from orch.store.runs import load_run, open_run, resolve_run_id, utc_now
from orch.vcs.backup import backup_id, save_backup
from orch.vcs.repo import GitRepo, Warn, open_repo
from orch.vcs.rollback import (
    Descent,
    check_no_operation,
    descend,
    descent_to,
    present_refs,
    restore,
    resumed_descent,
)


@dataclass
class RollbackPlan(Descent):
    """Everything a rollback would change, code (the :class:`Descent`) and run state; what
    ``--dry-run`` prints."""

    run_id: str
    checkpoint: Checkpoint
    dropped: list[Checkpoint]
    reset_tasks: list[str]
    reset_phases: list[str]
    completing: bool = False
    """True when this finishes a rollback that was interrupted."""

    @property
    def nothing_to_do(self) -> bool:
        """Already at the checkpoint: same commit, no file to change, no run state to rewind."""
        return (not self.completing and self.head == self.checkpoint.commit and not self.commits
                and not self.changes and not self.dropped
                and not self.reset_tasks and not self.reset_phases)


@dataclass
class RollbackOutcome:
    """What ``rollback`` did (nothing, for a dry run)."""

    plan: RollbackPlan
    performed: bool
    backup_ref: str | None = None
    backup_commit: str | None = None


@dataclass
class UndoOutcome:
    """What ``undo`` restored, and where the state it replaced was saved."""

    checkpoint: str
    head: str
    backup_ref: str
    saved_ref: str | None
    extra: list[str] = field(default_factory=list)


Confirm = Callable[[RollbackPlan], bool]


def rollback(project_dir: Path, name: str, *, dry_run: bool, force: bool, confirm: Confirm,
             warn: Warn) -> RollbackOutcome:
    """Roll code and run state back to checkpoint ``name`` of the current run."""
    layout = Layout(project_dir)
    repo = open_repo(project_dir, warn=warn)
    with ProjectLock(layout.lock, "rollback", warn=warn):
        layout.ensure_ignored()
        pending = read_rollback_journal(layout)
        if pending is not None and pending.stage in ("started", "undoing"):
            return _complete(repo, layout, pending, name, dry_run=dry_run, confirm=confirm)
        repo.check_workable("roll back")
        state = load_run(layout, resolve_run_id(layout, None))
        events, _torn = read_journal(layout.events(state.run_id), repair=False)
        plan = plan_rollback(repo, state, name, events)
        if dry_run or plan.nothing_to_do:
            return RollbackOutcome(plan=plan, performed=False)
        check_safe(plan, force=force)
        if not confirm(plan):
            raise DeclinedError("rollback cancelled; nothing changed")
        journal = _start(repo, layout, plan)
        _apply(repo, layout, journal)
        return RollbackOutcome(plan=plan, performed=True, backup_ref=journal.backup_ref,
                               backup_commit=journal.backup_commit)


def undo(project_dir: Path, *, force: bool, warn: Warn) -> UndoOutcome:
    """Restore the state from before the last rollback: HEAD, index, working tree, run state."""
    layout = Layout(project_dir)
    repo = open_repo(project_dir, warn=warn)
    with ProjectLock(layout.lock, "rollback", warn=warn):
        layout.ensure_ignored()
        journal = read_rollback_journal(layout)
        if journal is None or journal.stage == "undone":
            raise StateError("nothing to undo: no rollback since the last undo" if journal
                             else "nothing to undo: this project has had no rollback")
        check_no_operation(repo, "undo")
        saved = _save_before_undo(repo, layout, journal, force=force) \
            if journal.stage in ("started", "done") else None
        restore(repo, head=journal.head, branch=journal.branch, index_tree=journal.index_tree,
                tree=journal.tree, flags=journal.flags, modes=journal.modes,
                refs=journal.dropped_refs)
        restore_run_files(layout, journal.run, journal.id)
        journal.stage = "undone"
        write_journal(layout, journal)
        return UndoOutcome(checkpoint=journal.checkpoint, head=journal.head,
                           backup_ref=journal.backup_ref, saved_ref=saved,
                           extra=list(journal.extra_backups))


def plan_rollback(repo: GitRepo, state: RunState, name: str,
                  events: list[Event]) -> RollbackPlan:
    """Work out what rolling ``state``'s run back to ``name`` would change (``events``: the
    run's journal, which says what happened after the checkpoint was made)."""
    checkpoint = find_checkpoint(state, name)
    descent = descent_to(repo, checkpoint.commit)
    if descent is None:
        raise VcsError(f"checkpoint {checkpoint.name}: commit {checkpoint.commit[:10]} is not in "
                       "this repository", hint="`orch checkpoints` lists the run's checkpoints")
    index = state.checkpoints.index(checkpoint)
    reset_tasks, reset_phases = rewind_scope(state, checkpoint, events)
    return _plan(state.run_id, checkpoint.model_copy(update={"commit": descent.target}), descent,
                 dropped=state.checkpoints[index + 1:], reset_tasks=reset_tasks,
                 reset_phases=reset_phases)


def find_checkpoint(state: RunState, name: str) -> Checkpoint:
    """The checkpoint called ``name`` (or the latest phase checkpoint of phase ``name``)."""
    for checkpoint in state.checkpoints:
        if checkpoint.name == name:
            return checkpoint
    for checkpoint in reversed(state.checkpoints):
        if checkpoint.kind == "phase" and checkpoint.phase == name:
            return checkpoint
    names = ", ".join(cp.name for cp in state.checkpoints)
    raise UsageError(
        f"no checkpoint {name!r} in run {state.run_id}",
        hint=f"its checkpoints: {names}" if names else "this run has no checkpoints yet")


def check_safe(plan: RollbackPlan, *, force: bool) -> None:
    """Refuse (``SafetyError``) what only ``--force`` may do."""
    if force:
        return
    where = f"{plan.checkpoint.name} ({plan.checkpoint.commit[:10]})"
    hint = "pass --force to roll back anyway (everything is saved in a backup ref first)"
    if plan.off_branch:
        raise SafetyError(f"checkpoint {where} is not in the history of HEAD",
                          hint="check out the branch the run used, or " + hint.removeprefix(
                              "pass "))
    if plan.foreign:
        shown = "; ".join(f"{c.sha[:10]} {c.subject}" for c in plan.foreign[:3])
        more = f" and {len(plan.foreign) - 3} more" if len(plan.foreign) > 3 else ""
        raise SafetyError(f"{len(plan.foreign)} commit(s) not made by orch sit above {where}: "
                          f"{shown}{more}", hint=hint)
    if plan.pushed:
        raise SafetyError(f"{plan.pushed} commit(s) above {where} are already pushed", hint=hint)


def _plan(run_id: str, checkpoint: Checkpoint, descent: Descent, *, dropped: list[Checkpoint],
          reset_tasks: list[str], reset_phases: list[str],
          completing: bool = False) -> RollbackPlan:
    code = {item.name: getattr(descent, item.name) for item in fields(Descent)}
    return RollbackPlan(**code, run_id=run_id, checkpoint=checkpoint, dropped=dropped,
                        reset_tasks=reset_tasks, reset_phases=reset_phases, completing=completing)


def _start(repo: GitRepo, layout: Layout, plan: RollbackPlan) -> RollbackJournal:
    """Steps 2 and 3: back everything up, then journal the rollback (stage ``started``)."""
    ident = backup_id()
    target = plan.checkpoint.commit
    backup = save_backup(repo, f"rollback to {plan.checkpoint.name}", overwritten_by=target,
                         ident=ident)
    save_run_files(layout, plan.run_id, ident)
    journal = RollbackJournal(
        id=ident, run=plan.run_id, checkpoint=plan.checkpoint.name, target=target,
        head=backup.head, branch=backup.branch, backup_ref=backup.ref,
        backup_commit=backup.commit, index_tree=backup.index_tree, tree=backup.tree,
        created=utc_now(), dropped=plan.dropped,
        dropped_refs=present_refs(repo, (cp.ref for cp in plan.dropped)),
        reset_tasks=plan.reset_tasks, reset_phases=plan.reset_phases,
        assume_unchanged=list(backup.flags.assume_unchanged),
        skip_worktree=list(backup.flags.skip_worktree),
        sparse_absent=list(backup.flags.absent),
        intent_to_add=list(backup.flags.intent_to_add), modes=dict(backup.modes))
    write_journal(layout, journal)
    return journal


def _save_before_undo(repo: GitRepo, layout: Layout, journal: RollbackJournal, *,
                      force: bool) -> str:
    """Back up the state an undo replaces (refusing a moved HEAD without ``force``)."""
    head = repo.head_sha()
    moved = head != journal.target or repo.branch_ref() != journal.branch
    if journal.stage == "done" and moved and not force:
        raise SafetyError(
            f"HEAD moved since the rollback to {journal.checkpoint} (now "
            f"{(head or '?')[:10]}, was {journal.target[:10]}); undo would take the "
            "branch off the newer commits",
            hint="pass --force to undo anyway (the current state is backed up first)")
    ident = backup_id()
    backup = save_backup(repo, f"undo of rollback {journal.id}",
                         overwritten_by=journal.backup_commit, ident=ident)
    save_run_files(layout, journal.run, ident)
    journal.extra_backups.append(backup.ref)
    journal.stage = "undoing"
    write_journal(layout, journal)
    return backup.ref


def _complete(repo: GitRepo, layout: Layout, journal: RollbackJournal, name: str, *,
              dry_run: bool, confirm: Confirm) -> RollbackOutcome:
    """Finish a rollback that was interrupted (taking a fresh backup first)."""
    if journal.stage == "undoing":
        raise StateError("an `orch rollback --undo` was interrupted",
                         hint="run `orch rollback --undo` again to complete it")
    if name not in (journal.checkpoint, journal.checkpoint.removeprefix("phase-")):
        raise StateError(f"a rollback to {journal.checkpoint} was interrupted",
                         hint=f"complete it with `orch rollback {journal.checkpoint}` or undo "
                              "it with `orch rollback --undo`")
    state = load_run(layout, journal.run)
    plan = _plan(journal.run, find_checkpoint(state, journal.checkpoint),
                 resumed_descent(repo, journal.target), dropped=journal.dropped,
                 reset_tasks=journal.reset_tasks, reset_phases=journal.reset_phases,
                 completing=True)
    if dry_run:
        return RollbackOutcome(plan=plan, performed=False)
    if not confirm(plan):
        raise DeclinedError("rollback cancelled; the interrupted rollback is still pending")
    if repo.branch_ref() != journal.branch:
        raise VcsError(f"the interrupted rollback was on {journal.branch}, HEAD is not",
                       hint=f"check out {journal.branch} again, or `orch rollback --undo`")
    extra = save_backup(repo, f"completing rollback {journal.id}", overwritten_by=journal.target)
    journal.extra_backups.append(extra.ref)
    write_journal(layout, journal)
    _apply(repo, layout, journal)
    return RollbackOutcome(plan=plan, performed=True, backup_ref=journal.backup_ref,
                           backup_commit=journal.backup_commit)


def _apply(repo: GitRepo, layout: Layout, journal: RollbackJournal) -> None:
    """Steps that change things; each is idempotent, so a repeat after a kill completes them."""
    try:
        descend(repo, journal.target, journal.flags, journal.dropped_refs)
    except VcsError as exc:
        raise VcsError(f"{exc.message} (the rollback to {journal.checkpoint} stopped halfway; "
                       f"everything is saved in {journal.backup_ref})",
                       hint=f"fix the cause and run `orch rollback {journal.checkpoint}` again "
                            "to finish it, or `orch rollback --undo` to put everything back"
                       ) from None
    _rewind_run(layout, journal)
    journal.stage = "done"
    write_journal(layout, journal)


def _rewind_run(layout: Layout, journal: RollbackJournal) -> None:
    """Journal the run-state side of the rollback: tasks, phases and checkpoints rewound."""
    recorder = open_run(layout, journal.run)
    reason = f"rollback to {journal.checkpoint}"
    try:
        for task_id in journal.reset_tasks:
            recorder.record(EventType.TASK_RESET, task=task_id, data=_dump(
                TaskReset(status=TaskStatus.PENDING, reason=reason, fresh=True)))
        for phase_id in journal.reset_phases:
            recorder.record(EventType.PHASE_RESET, phase=phase_id, data=_dump(Reason(
                reason=reason)))
        if journal.dropped:
            recorder.record(EventType.CHECKPOINTS_DROPPED, data=_dump(CheckpointsDropped(
                names=[cp.name for cp in journal.dropped], reason=reason)))
        if journal.reset_tasks or journal.reset_phases:
            recorder.record(EventType.RUN_STATE, data=_dump(RunStateChanged(
                state=RunStatus.INTERRUPTED, reason="rollback",
                error=f"rolled back to {journal.checkpoint}; `orch resume` goes on from there")))
    finally:
        recorder.close()


def _dump(payload: Payload) -> dict[str, Any]:
    return payload.model_dump(mode="json", exclude_none=True)
