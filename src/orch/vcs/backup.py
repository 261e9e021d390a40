"""Save a complete working state into git objects and a ref, and put it back exactly.

A backup is two commits, in the spirit of ``git stash`` but covering untracked files too:

- the *index commit* ``I``: tree = the index exactly as staged, parent = HEAD;
- the *backup commit* ``W``: tree = the whole working tree (tracked files as they are on disk,
  deletions applied, untracked-not-ignored files added), parents = ``[HEAD, I]``;

and the ref ``refs/orch/backup/<id>`` points at ``W``. ``W^1`` is the HEAD, ``W^2^{tree}`` the
index and ``W^{tree}`` the working tree, so everything is reachable from one ref and plain git can
restore it. Both trees are built in a temporary index (``GIT_INDEX_FILE``), so the user's index
file is never written. Files are stored raw (as on disk, whatever ``.gitattributes`` says), and
entries flagged ``--assume-unchanged``/``--skip-worktree`` with what is on disk; the flags
themselves travel in :class:`Backup` (and the rollback journal). Ignored files are not saved and
never touched, except those a reset would replace (the target tracks their path, a parent
directory of it, or a file where they sit in a directory): they are saved too.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from orch.errors import VcsError
from orch.store.runs import new_run_id
from orch.vcs.repo import GitRepo
from orch.vcs.worktree import (
    CHUNK,
    IndexFlags,
    apply_flags,
    apply_modes,
    clear_flags,
    in_the_way,
    odd_modes,
    read_flags,
    store_raw,
    write_raw,
)

BACKUP_PREFIX = "refs/orch/backup/"


@dataclass(frozen=True)
class Trees:
    """The index and the whole working tree, as tree ids, and what else they depend on."""

    index: str
    full: str
    flags: IndexFlags = IndexFlags()
    ignored: tuple[str, ...] = ()
    """Ignored files saved because the checkout would replace them."""
    modes: dict[str, int] = field(default_factory=dict)
    """Files whose permission bits the tree cannot hold (``0600`` and the like)."""


@dataclass(frozen=True)
class Backup:
    """A saved state: the ref, the backup commit and what it holds."""

    ref: str
    commit: str
    head: str
    branch: str | None
    index_tree: str
    tree: str
    flags: IndexFlags = IndexFlags()
    modes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Changes:
    """How the working tree would change going to another tree (paths, sorted)."""

    added: list[str]
    removed: list[str]
    modified: list[str]
    ignored: list[str] = field(default_factory=list)
    """Ignored files in the way of the checkout (saved in the backup, then replaced)."""
    flags: IndexFlags = IndexFlags()

    def __len__(self) -> int:
        return len(self.added) + len(self.removed) + len(self.modified)


backup_id = new_run_id
"""A sortable, unique id: ``20261121-223716-3fa2`` (the same shape as a run id)."""


def snapshot_trees(repo: GitRepo, *, overwritten_by: str | None = None) -> Trees:
    """Write the index and the whole working tree as trees, without touching the real index.

    Files are stored byte for byte (no clean filter or eol conversion), flagged entries with
    what is on disk. ``overwritten_by``: a commit about to be checked out; untracked (even
    ignored) files it would replace (see :func:`~orch.vcs.worktree.in_the_way`) are included.
    """
    real = repo.git_dir / "index"
    temp = repo.git_dir / f"orch-backup-index.{os.getpid()}"
    try:
        if real.exists():
            shutil.copy2(real, temp)  # keep its mtime: git's racy-entry check needs it
        env = {"GIT_INDEX_FILE": str(temp)}
        flags = read_flags(repo, env)
        index_tree = repo.run("write-tree", env=env).strip()
        clear_flags(repo, [p for p in flags.paths if p not in flags.absent], env)
        repo.run("add", "-A", "--", ":/", env=env)
        ignored: list[str] = []
        if overwritten_by is not None:
            extra = in_the_way(repo, overwritten_by)
            added = set(repo.run("ls-files", "-z", env=env, strip=False).split("\0"))
            ignored = [path for path in extra if path not in added]
            for start in range(0, len(ignored), CHUNK):
                repo.run("add", "-f", "--", *ignored[start:start + CHUNK], env=env)
        store_raw(repo, env)
        full_tree = repo.run("write-tree", env=env).strip()
        modes = odd_modes(repo, env)
    finally:
        temp.unlink(missing_ok=True)
    return Trees(index=index_tree, full=full_tree, flags=flags, ignored=tuple(ignored),
                 modes=modes)


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
                              f"every tracked and untracked file as it was."
                              + _flag_lines(trees.flags))
    ref = BACKUP_PREFIX + (ident or backup_id())
    repo.update_ref(ref, commit, f"orch: backup before {label}")
    return Backup(ref=ref, commit=commit, head=head, branch=repo.branch_ref(),
                  index_tree=trees.index, tree=trees.full, flags=trees.flags, modes=trees.modes)


def _flag_lines(flags: IndexFlags) -> str:
    """The index flags, for the backup commit's message (a tree cannot hold them)."""
    lines = [f"{name}: {path}" for name, paths in (
        ("assume-unchanged", flags.assume_unchanged), ("skip-worktree", flags.skip_worktree),
        ("skip-worktree, no file", flags.absent), ("intent-to-add", flags.intent_to_add))
        for path in paths]
    return "\n\nIndex flags (git update-index / git add -N):\n" + "\n".join(lines) if lines \
        else ""


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
    return Changes(sorted(added), sorted(removed), sorted(modified), ignored=list(trees.ignored),
                   flags=trees.flags)


def reset_hard(repo: GitRepo, target: str, flags: IndexFlags) -> None:
    """Move the branch, index and working tree to ``target``; remove untracked files.

    Ignored files and orch's own ``.specify/orch`` are left alone; untracked files are deleted
    one by one (they are in the backup), so nothing outside that list is ever removed. The
    index ``flags`` (saved with the backup) are cleared for the reset and set again after it.
    """
    clear_flags(repo, flags.paths)
    remove_untracked(repo)
    repo.run("reset", "-q", "--hard", target)
    apply_flags(repo, flags)


def restore_backup(repo: GitRepo, *, head: str, branch: str | None, index_tree: str,
                   tree: str, flags: IndexFlags, modes: dict[str, int]) -> None:
    """Put back a saved state exactly: branch, working tree, permissions, index, index flags.

    Untracked files present now are removed first (callers back them up before), then the
    working tree becomes ``tree`` byte for byte and the index ``index_tree``; files that were
    untracked when the backup was made are untracked again.
    """
    clear_flags(repo, read_flags(repo).paths)
    remove_untracked(repo)
    if branch is not None:
        repo.update_ref(branch, head, "orch: rollback --undo")
        if repo.branch_ref() != branch:
            repo.run("symbolic-ref", "HEAD", branch)
    else:
        repo.run("update-ref", "--no-deref", "HEAD", head)
    repo.run("read-tree", "--reset", "-u", tree)
    write_raw(repo, tree)
    apply_modes(repo, modes)
    repo.run("read-tree", index_tree)
    repo.ok("update-index", "-q", "--refresh")
    apply_flags(repo, flags)


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
