"""The rollback journal ``.specify/orch/rollback.json`` and the saved run-state files.

Written (atomically) after the backup exists and before anything is changed, so a rollback or
an undo killed halfway is completed by running it again. It also remembers everything
``orch rollback --undo`` needs. Copies of the affected run's ``run.json`` and ``events.jsonl``
(and the ``current`` pointer) live in ``.specify/orch/backups/<id>/``.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from orch.domain.state import Checkpoint
from orch.errors import StateError
from orch.store.atomic import atomic_write_bytes
from orch.store.layout import Layout
from orch.vcs.worktree import IndexFlags

Stage = Literal["started", "done", "undoing", "undone"]
STATE_FILES = ("run.json", "events.jsonl")


class RollbackJournal(BaseModel):
    """One rollback: where it went, what it saved, how far it got."""

    id: str
    stage: Stage = "started"
    run: str
    checkpoint: str
    target: str
    head: str
    branch: str | None
    backup_ref: str
    backup_commit: str
    index_tree: str
    tree: str
    created: str
    dropped: list[Checkpoint] = Field(default_factory=list)
    dropped_refs: dict[str, str] = Field(default_factory=dict)
    reset_tasks: list[str] = Field(default_factory=list)
    reset_phases: list[str] = Field(default_factory=list)
    rewind_state: bool = True
    extra_backups: list[str] = Field(default_factory=list)
    """Backups taken by a repeated (completing) rollback or by ``--undo``."""
    assume_unchanged: list[str] = Field(default_factory=list)
    skip_worktree: list[str] = Field(default_factory=list)
    sparse_absent: list[str] = Field(default_factory=list)
    intent_to_add: list[str] = Field(default_factory=list)
    """Index flags before the rollback (skip-worktree paths that had no file on disk)."""
    modes: dict[str, int] = Field(default_factory=dict)
    """Permission bits of saved files that the backup tree cannot hold."""

    @property
    def flags(self) -> IndexFlags:
        """The index flags the backup was taken with."""
        return IndexFlags(tuple(self.assume_unchanged), tuple(self.skip_worktree),
                          tuple(self.sparse_absent), tuple(self.intent_to_add))


def read_rollback_journal(layout: Layout) -> RollbackJournal | None:
    """The last rollback's journal, if any."""
    path = layout.rollback_journal
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return RollbackJournal.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise StateError(f"{path}: unreadable rollback journal ({exc.__class__.__name__})",
                         hint="docs/rollback.md explains how to recover with plain git") from None


def write_journal(layout: Layout, journal: RollbackJournal) -> None:
    """Replace the journal durably."""
    atomic_write_bytes(layout.rollback_journal, journal.model_dump_json(indent=1).encode())


def save_run_files(layout: Layout, run_id: str, ident: str) -> None:
    """Copy a run's state files and ``current`` into ``.specify/orch/backups/<ident>/``."""
    target = layout.backup_dir(ident)
    target.mkdir(parents=True, exist_ok=True)
    for name in STATE_FILES:
        source = layout.run_dir(run_id) / name
        if source.exists():
            atomic_write_bytes(target / name, source.read_bytes())
    if layout.current.exists():
        atomic_write_bytes(target / "current", layout.current.read_bytes())


def restore_run_files(layout: Layout, run_id: str, ident: str) -> None:
    """Put saved state files back: the run state exactly as it was when they were saved."""
    source = layout.backup_dir(ident)
    for name in STATE_FILES:
        saved = source / name
        if saved.exists():
            atomic_write_bytes(layout.run_dir(run_id) / name, saved.read_bytes())
    if (source / "current").exists():
        atomic_write_bytes(layout.current, (source / "current").read_bytes())
