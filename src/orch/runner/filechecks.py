"""Measuring a task's derived file checks: what changed during the task, seen by orch itself.

With git, the working tree is snapshotted (untracked files included) when the task starts and
again when the agent is done; the diff of the two snapshots is the truth about which files
changed, and gives the task's diff stat. Without git, the named files are content-hashed
before and after. The agent's own ``files_changed`` is never consulted.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orch.domain.events import CheckRecord, DiffStat
from orch.runner.derived import FileCheck, FileRule

if TYPE_CHECKING:
    from orch.vcs.snapshot import WorkTree

MAX_DIFF_PATHS = 50
_PRUNE = frozenset({".git", ".specify", "node_modules", ".venv", "venv", "__pycache__"})


def _may_be_in_git(project_dir: Path) -> bool:
    """``False`` only where git itself would find no repository: no ``.git`` in the directory
    or above it and no ``GIT_DIR``. Outside git this spares importing GitPython (~0.15 s)."""
    if os.environ.get("GIT_DIR"):
        return True
    folder = project_dir.resolve()
    return any((parent / ".git").exists() for parent in (folder, *folder.parents))


@dataclass
class Measured:
    """What changed during one task: paths relative to the project, and the diff stat."""

    changed: set[str] = field(default_factory=set)
    diffstat: DiffStat | None = None
    absent_before: set[str] = field(default_factory=set)
    """Directory checks whose directory did not exist when the task started."""


class ChangeProbe:
    """Snapshots the project before a task and tells, afterwards, what changed."""

    def __init__(self, project_dir: Path, worktree: WorkTree | None) -> None:
        self.project_dir = project_dir
        self.worktree = worktree
        self._tree: str | None = None
        self.end_tree: str | None = None
        """The snapshot the latest :meth:`finish` measured to (git only); ``None`` once a
        new measurement starts."""
        self._hashes: dict[str, str] = {}
        self._current_absent: set[str] = set()
        self._first_hashes: dict[str, dict[str, str]] = {}
        self._absent: dict[str, set[str]] = {}

    @classmethod
    def for_project(cls, project_dir: Path) -> ChangeProbe:
        """A probe using git when the project is in a repository, else content hashes."""
        if not _may_be_in_git(project_dir):
            return cls(project_dir, None)
        from orch.vcs.snapshot import WorkTree  # git is imported only when a run needs it

        return cls(project_dir, WorkTree.open(project_dir))

    def baseline(self) -> str | None:
        """A snapshot of the tree now (git only), to be recorded as a task's baseline."""
        return self.worktree.snapshot() if self.worktree is not None else None

    def carry(self, tree: str, written: list[Path]) -> str | None:
        """The tree now, built from ``tree`` (this probe's latest snapshot) and the files in
        ``written`` without walking the tree: the caller vouches that nothing else changed.
        ``None`` where a :meth:`baseline` must walk (see :meth:`WorkTree.carry
        <orch.vcs.snapshot.WorkTree.carry>`)."""
        return self.worktree.carry(tree, written) if self.worktree is not None else None

    def start(self, task_id: str, checks: list[FileCheck], baseline: str | None,
              absent: set[str] | None = None) -> None:
        """Measure from ``baseline`` (the tree when the task first started), else from now.

        Without git, the hashes of the task's first attempt in this process are kept.
        ``absent`` gives the directories already known to have been missing at the start (an
        in-session gate measures from a start another process saw)."""
        if absent is None:
            absent = {c.path for c in checks if c.rule is FileRule.CHANGED_IN
                      and not (self.project_dir / c.path).exists()}
        self._current_absent = self._absent.setdefault(task_id, absent)
        self.end_tree = None
        self._tree = baseline
        if self._tree is None and self.worktree is not None:
            self._tree = self.worktree.snapshot()
        if self._tree is None:
            first = self._first_hashes.setdefault(task_id, self._hash_named(checks))
            self._hashes = first

    @property
    def start_tree(self) -> str | None:
        """The snapshot :meth:`start` measures from (git only)."""
        return self._tree

    @property
    def absent_at_start(self) -> set[str]:
        """The directory checks whose directory was missing at :meth:`start`."""
        return set(self._current_absent)

    def finish(self, checks: list[FileCheck]) -> Measured:
        """What changed since :meth:`start`."""
        if self.worktree is not None and self._tree is not None:
            after = self.end_tree = self.worktree.snapshot()
            if after is not None:
                diff = self.worktree.diff(self._tree, after)
                stat = DiffStat(
                    files=len(diff.files),
                    insertions=sum(f.added for f in diff.files),
                    deletions=sum(f.deleted for f in diff.files),
                    paths=diff.paths[:MAX_DIFF_PATHS],
                    before=self._tree,
                    after=after,
                )
                return Measured(set(diff.paths), stat, set(self._current_absent))
        after_hashes = self._hash_named(checks)
        keys = set(self._hashes) | set(after_hashes)
        return Measured({k for k in keys if self._hashes.get(k) != after_hashes.get(k)},
                        absent_before=set(self._current_absent))

    def _hash_named(self, checks: list[FileCheck]) -> dict[str, str]:
        hashes: dict[str, str] = {}
        for check in checks:
            for rel in self.matches(check.path):
                full = self.project_dir / rel
                if full.is_dir():  # every file under it, so a file added inside is a change
                    for inner in sorted(full.rglob("*")):
                        if inner.is_file():
                            inner_rel = inner.relative_to(self.project_dir).as_posix()
                            hashes[inner_rel] = _file_hash(inner)
                else:
                    hashes[rel] = _file_hash(full)
        return hashes

    def matches(self, path: str) -> list[str]:
        """Existing files the named ``path`` refers to: itself, else any file whose path ends
        with ``/path`` (spec-kit names feature files relative to the feature folder)."""
        if (self.project_dir / path).exists():
            return [path.rstrip("/")]
        if path.endswith("/"):  # a directory: any file under it, wherever it sits
            return [name for name in self._all_files()
                    if name.startswith(path) or f"/{path}" in name]
        suffix = "/" + path
        return [name for name in self._all_files() if name.endswith(suffix)]

    def _all_files(self) -> list[str]:
        if self.worktree is not None:
            return self.worktree.list_files()
        names = []
        for root, dirs, files in os.walk(self.project_dir):
            dirs[:] = sorted(d for d in dirs if d not in _PRUNE)
            rel_root = os.path.relpath(root, self.project_dir)
            for name in files:
                rel = name if rel_root == "." else f"{rel_root}/{name}"
                names.append(rel.replace(os.sep, "/"))
        return names


def evaluate(checks: list[FileCheck], probe: ChangeProbe, measured: Measured) -> list[CheckRecord]:
    """One evidence record per file check.

    A task naming several directories ("Create cmd/, internal/{cli,config}/") passes their
    ``changed-in`` checks when each exists and at least one of them was created or filled: the
    others may have been there already."""
    dirs = [c for c in checks if c.rule is FileRule.CHANGED_IN]
    if len(dirs) > 1 and any(_dir_progress(c, measured) for c in dirs):
        measured = Measured(measured.changed, measured.diffstat,
                            measured.absent_before | {c.path for c in dirs})
    return [_evaluate_one(check, probe, measured) for check in checks]


def _dir_progress(check: FileCheck, measured: Measured) -> bool:
    path = check.path.rstrip("/")
    return check.path in measured.absent_before or any(
        p.startswith(path + "/") or p.endswith("/" + path) or f"/{path}/" in p
        for p in measured.changed)


def _evaluate_one(check: FileCheck, probe: ChangeProbe, measured: Measured) -> CheckRecord:
    started = time.monotonic()
    path = check.path.rstrip("/")
    changed = any(p == path or p.endswith("/" + path) or p.startswith(path + "/")
                  for p in measured.changed)
    exists = bool(probe.matches(check.path))
    if check.rule is FileRule.EXISTS:
        ok, message = exists, f"{check.path} {'exists' if exists else 'does not exist'}"
    elif check.rule is FileRule.CHANGED_IN:
        ok = exists and (changed or check.path in measured.absent_before)
        message = f"{check.path} {'created or changed' if ok else 'not created, nothing changed'}"
    elif check.rule is FileRule.REMOVED_OR_CHANGED:
        ok, message = changed, f"{check.path} {'changed' if changed else 'was not changed'}"
    elif not exists:
        ok, message = False, f"{check.path} does not exist"
    else:
        ok = changed
        message = f"{check.path} {'changed' if changed else 'exists but was not changed'}"
    return CheckRecord(
        kind="file",
        command=check.command,
        exit_code=0 if ok else 1,
        duration_s=round(time.monotonic() - started, 4),
        output_sha256=hashlib.sha256(message.encode()).hexdigest(),
        ok=ok,
    )


def describe_failure(record: CheckRecord) -> str:
    """``src/x.py was not changed by the task`` for a failed file check."""
    rule, _, path = record.command.partition(" ")
    if rule == FileRule.EXISTS.value:
        return f"{path} does not exist"
    if rule == FileRule.CHANGED_IN.value:
        return f"{path} was not created and nothing in it was created or changed by the task"
    return f"{path} does not exist or was not changed by the task"


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
    except OSError:
        return "missing"
    return digest.hexdigest()
