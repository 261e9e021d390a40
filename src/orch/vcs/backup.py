"""Save a complete working state into git objects and a ref, and put it back exactly.

A backup is two commits, in the spirit of ``git stash`` but covering untracked files too:

- the *index commit* ``I``: tree = the index exactly as staged, parent = HEAD;
- the *backup commit* ``W``: tree = the whole working tree (tracked files as they are on disk,
  deletions applied, untracked-not-ignored files added), parents = ``[HEAD, I]``;

and the ref ``refs/orch/backup/<id>`` points at ``W``. ``W^1`` is the HEAD, ``W^2^{tree}`` the
index and ``W^{tree}`` the working tree, so everything is reachable from one ref and plain git can
restore it. Both trees are built in a temporary index (``GIT_INDEX_FILE``), so the user's index
file is never written. Ignored files are not saved and never touched, except an ignored file
that a reset would overwrite (the target commit tracks that path): it is saved too.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from orch.errors import VcsError
from orch.store.runs import new_run_id
from orch.vcs.repo import GitRepo

BACKUP_PREFIX = "refs/orch/backup/"
_CHUNK = 500


@dataclass(frozen=True)
class Trees:
    """The index and the whole working tree, as tree ids."""

    index: str
    full: str


@dataclass(frozen=True)
class Backup:
    """A saved state: the ref, the backup commit and what it holds."""

    ref: str
    commit: str
    head: str
    branch: str | None
    index_tree: str
    tree: str


@dataclass(frozen=True)
class Changes:
    """How the working tree would change going to another tree (paths, sorted)."""

    added: list[str]
    removed: list[str]
    modified: list[str]

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.modified)


backup_id = new_run_id
"""A sortable, unique id: ``20261121-223716-3fa2`` (the same shape as a run id)."""


def snapshot_trees(repo: GitRepo, *, overwritten_by: str | None = None) -> Trees:
    """Write the index and the whole working tree as trees, without touching the real index.

    ``overwritten_by``: a commit about to be checked out; untracked (even ignored) files at
    paths it tracks are included, since the checkout will overwrite them.
    """
    real = repo.git_dir / "index"
    temp = repo.git_dir / f"orch-backup-index.{os.getpid()}"
    try:
        if real.exists():
            shutil.copyfile(real, temp)
        env = {"GIT_INDEX_FILE": str(temp)}
        index_tree = repo.run("write-tree", env=env).strip()
        repo.run("add", "-A", "--", ":/", env=env)
        if overwritten_by is not None:
            extra = _untracked_at_paths_of(repo, overwritten_by)
            for start in range(0, len(extra), _CHUNK):
                repo.run("add", "-f", "--", *extra[start:start + _CHUNK], env=env)
        full_tree = repo.run("write-tree", env=env).strip()
    finally:
        temp.unlink(missing_ok=True)
    return Trees(index=index_tree, full=full_tree)


def save_backup(repo: GitRepo, label: str, *, overwritten_by: str | None = None,
                ident: str | None = None) -> Backup:
    """Save HEAD, index and working tree under ``refs/orch/backup/<id>`` before acting."""
    head = repo.head_sha()
    if head is None:
        raise VcsError("the repository has no commits; there is nothing to back up against")
    trees = snapshot_trees(repo, overwritten_by=overwritten_by)
    index_commit = repo.commit_tree(trees.index, [head], f"orch backup: index before {label}")
    commit = repo.commit_tree(trees.full, [head, index_commit],
                              f"orch backup: working tree before {label}\n\n"
                              f"Parent 1 is HEAD, parent 2 holds the index; this tree holds "
                              f"every tracked and untracked file as it was.")
    ref = BACKUP_PREFIX + (ident or backup_id())
    repo.update_ref(ref, commit, f"orch: backup before {label}")
    return Backup(ref=ref, commit=commit, head=head, branch=repo.branch_ref(),
                  index_tree=trees.index, tree=trees.full)


def changes_to(repo: GitRepo, target: str) -> Changes:
    """What checking out ``target`` would add, remove and modify in the working tree."""
    trees = snapshot_trees(repo, overwritten_by=target)
    out = repo.run("diff-tree", "-r", "-z", "--no-renames", "--name-status", trees.full,
                   f"{target}^{{tree}}", strip=False)
    fields = [field for field in out.split("\0") if field]
    added: list[str] = []
    removed: list[str] = []
    modified: list[str] = []
    for status, path in zip(fields[0::2], fields[1::2], strict=False):
        {"A": added, "D": removed}.get(status[:1], modified).append(path)
    return Changes(sorted(added), sorted(removed), sorted(modified))


def reset_hard(repo: GitRepo, target: str) -> None:
    """Move the branch, index and working tree to ``target``; remove untracked files.

    Ignored files and orch's own ``.specify/orch`` are left alone; untracked files are deleted
    one by one (they are in the backup), so nothing outside that list is ever removed.
    """
    remove_untracked(repo)
    repo.run("reset", "-q", "--hard", target)


def restore_backup(repo: GitRepo, *, head: str, branch: str | None, index_tree: str,
                   tree: str) -> None:
    """Put back a saved state exactly: branch position, working tree, index.

    Untracked files present now are removed first (callers back them up before), then the
    working tree becomes ``tree`` and the index ``index_tree``; files that were untracked when
    the backup was made are untracked again.
    """
    remove_untracked(repo)
    if branch is not None:
        repo.update_ref(branch, head, "orch: rollback --undo")
        if repo.branch_ref() != branch:
            repo.run("symbolic-ref", "HEAD", branch)
    else:
        repo.run("update-ref", "--no-deref", "HEAD", head)
    repo.run("read-tree", "--reset", "-u", tree)
    repo.run("read-tree", index_tree)
    repo.ok("update-index", "-q", "--refresh")


def remove_untracked(repo: GitRepo) -> list[str]:
    """Delete untracked, not ignored files outside ``.specify/orch``; the paths removed.

    Directories emptied by the removal go too; nested repositories are never touched.
    """
    out = repo.run("ls-files", "-o", "--exclude-standard", "-z", "--", ":/", repo.orch_exclude,
                   strip=False)
    removed = []
    parents: set[Path] = set()
    for rel in (entry for entry in out.split("\0") if entry and not entry.endswith("/")):
        path = repo.root / rel
        if path.is_symlink() or path.is_file():
            path.unlink()
            removed.append(rel)
            parents.add(path.parent)
    for directory in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        _prune_empty(directory, repo.root)
    return removed


def _prune_empty(directory: Path, root: Path) -> None:
    while directory != root and root in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def _untracked_at_paths_of(repo: GitRepo, commit: str) -> list[str]:
    """Paths ``commit`` tracks that exist on disk but are not in the index."""
    tracked_there = repo.run("ls-tree", "-r", "-z", "--name-only", commit, strip=False)
    in_index = set(repo.run("ls-files", "-z", strip=False).split("\0"))
    return [path for path in tracked_there.split("\0")
            if path and path not in in_index and os.path.lexists(repo.root / path)]
