"""Snapshots of a working tree in-process, through libgit2 (pygit2): no git process at all.

The repository's index is read once into memory and never written back: each snapshot adds
the working tree to that in-memory copy (``git add -A`` semantics: ignore rules, deletions,
untracked files) and writes its tree into the object store. Unchanged files are recognised by
their cached stat data, so a snapshot costs a stat of every file plus a hash of what changed,
about one ``git status``.

Racy git: libgit2 trusts an entry's stat data only when the file is older than the index file
it read (the real index's mtime, kept as the "stamp"); every file written since is compared by
content. One difference remains: libgit2 compares those mtimes to the nanosecond where a git
built without ``USE_NSEC`` (Debian's) treats a whole second as racy, so an edit keeping size
and mtime of a file git itself hashed in an earlier clock tick of the same second is seen by
git alone. When the real index changes on disk (a checkpoint, a user's ``git add``), the next
snapshot starts again from it, as git's own route (a fresh copy of the real index) would.
Without an index file there is no stamp to compare against, so :func:`open_in_process`
declines such a repository and the caller uses git itself.

A snapshot can also be *carried* (:meth:`InProcessTree.carry`): the latest tree with a few
named files updated, no walk, for a caller that knows nothing else was written since (the main
tree's executor between two tasks, where orch's plan mark is the only write).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from orch.errors import VcsError

if TYPE_CHECKING:
    import pygit2

_GLOB = frozenset("*?[]\\!")


@dataclass(frozen=True)
class NumStat:
    """One changed path (repository-relative) with its added and deleted line counts."""

    path: str
    added: int
    deleted: int


class InProcessTree:
    """One working tree's snapshots and tree diffs, all in this process."""

    def __init__(self, repo: pygit2.Repository, scope: str, orch_dir: str) -> None:
        self._repo = repo
        self._index = repo.index
        self._index_file = Path(repo.path) / "index"
        self._scope = scope
        self._orch_dir = orch_dir.rstrip("/") + "/"
        self._pathspecs = [f"!{orch_dir}", scope.rstrip("/") if scope else "*"]
        self._holds: tuple[str, tuple[object, ...]] | None = None
        """The tree the in-memory index was last written as, and the real index's signature
        and ``HEAD`` when it was read for it: what :meth:`carry` may build on."""

    def snapshot(self) -> str:
        """The tree id of the working tree now (:class:`VcsError` when libgit2 fails): a walk
        of every file in scope."""
        import pygit2

        self._holds = None
        try:
            signature = self._signature()  # before the read: a later change is seen
            self._index.read(False)  # the real index, again, when it changed on disk
            self._index.add_all(self._pathspecs)
            tree = str(self._index.write_tree())
        except (pygit2.GitError, OSError, ValueError) as exc:
            raise VcsError(f"libgit2 snapshot failed: {exc}") from None
        self._holds = (tree, signature)
        return tree

    def carry(self, tree: str, paths: list[str]) -> str | None:
        """``tree`` with ``paths`` (repository-relative) as they are on disk now, without a walk;
        ``None`` where only a full :meth:`snapshot` can tell: the in-memory index no longer
        holds ``tree`` (another snapshot came in between), the real index changed on disk or
        ``HEAD`` moved (a commit, a user's ``git add``: a commit's hooks may write files), or
        a path is not a plain file or symlink.

        The result is the tree a snapshot would write when nothing but ``paths`` changed since
        ``tree``: each path is updated as ``git add -A`` would (a tracked path always, a new
        one unless it is ignored; out of scope or under orch's own directory never)."""
        import pygit2

        held, self._holds = self._holds, None
        try:
            if held is None or held[0] != tree or self._signature() != held[1]:
                return None
            for path in paths:
                if not path.startswith(self._scope) or (path + "/").startswith(self._orch_dir):
                    continue
                full = Path(self._repo.workdir) / path
                tracked = path in self._index
                if full.is_symlink() or full.is_file():
                    if tracked or not self._repo.path_is_ignored(path):
                        self._index.add(path)
                elif full.exists():
                    return None  # a directory where a file was: let a walk decide
                elif tracked:
                    self._index.remove(path)
            carried = str(self._index.write_tree())
        except (pygit2.GitError, OSError, ValueError) as exc:
            raise VcsError(f"libgit2 snapshot failed: {exc}") from None
        self._holds = (carried, held[1])
        return carried

    def _signature(self) -> tuple[object, ...]:
        """The real index file's identity and the commit ``HEAD`` names (``""`` unborn)."""
        import pygit2

        try:
            head = str(self._repo.head.target)
        except pygit2.GitError:
            head = ""
        return (*_signature(self._index_file), head)

    def changed_paths(self, before: str, after: str) -> list[str]:
        """``git diff-tree -r --no-renames --name-only`` of two trees: no line counts."""
        import pygit2

        try:
            diff = self._trees_diff(before, after)
            return [delta.old_file.path if delta.status_char() == "D" else delta.new_file.path
                    for delta in diff.deltas]
        except (pygit2.GitError, OSError, KeyError, ValueError) as exc:
            raise VcsError(f"libgit2 diff failed: {exc}") from None

    def _trees_diff(self, before: str, after: str) -> pygit2.Diff:
        import pygit2

        old, new = self._repo[before], self._repo[after]
        if not (isinstance(old, pygit2.Tree) and isinstance(new, pygit2.Tree)):
            raise ValueError(f"{before} or {after} is not a tree")
        return old.diff_to_tree(new, context_lines=0)

    def numstat(self, before: str, after: str) -> list[NumStat]:
        """``git diff-tree -r --no-renames --numstat`` of two trees (binary files count 0)."""
        import pygit2

        try:
            return self._numstat(before, after)
        except (pygit2.GitError, OSError, KeyError, ValueError) as exc:
            raise VcsError(f"libgit2 diff failed: {exc}") from None

    def _numstat(self, before: str, after: str) -> list[NumStat]:
        diff = self._trees_diff(before, after)
        stats = []
        for patch in diff:
            if patch is None:
                continue
            delta = patch.delta
            path = delta.new_file.path if delta.status_char() != "D" else delta.old_file.path
            if delta.is_binary:
                stats.append(NumStat(path, 0, 0))
                continue
            _, added, deleted = patch.line_stats
            stats.append(NumStat(path, added, deleted))
        return stats


def open_in_process(root: Path, git_dir: Path, scope: str, orch_dir: str) -> InProcessTree | None:
    """The in-process snapshotter for the working tree at ``root``, or ``None`` where only git
    itself gives git's answer: pygit2 missing, no index file yet (no racy-git stamp), clean or
    process filters (LFS and friends run outside libgit2), a sparse checkout, an index format
    libgit2 cannot read, paths that a libgit2 pathspec would read as a glob, or environment
    and config files that git reads and libgit2 does not.

    ``scope`` is the project's directory relative to ``root`` (``""`` for the whole tree) and
    ``orch_dir`` orch's bookkeeping directory relative to ``root``, left out of every snapshot.
    """
    if _GLOB & set(scope + orch_dir) or not (git_dir / "index").is_file() or \
            any(os.environ.get(name) for name in _REPOINTING_ENV):
        return None
    try:
        import pygit2
    except ImportError:
        return None
    try:
        repo = pygit2.Repository(str(root))
        if Path(repo.path).resolve() != git_dir.resolve() or _needs_git_itself(repo):
            return None
        repo.index.read(False)
    except (pygit2.GitError, KeyError, ValueError, OSError):
        return None
    return InProcessTree(repo, scope, orch_dir)


def _signature(path: Path) -> tuple[int, ...]:
    """What tells a rewritten file apart: inode, size, mtime and ctime (nanoseconds)."""
    stat = os.stat(path)
    return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


_REPOINTING_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                   "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_CONFIG_PARAMETERS",
                   "GIT_CONFIG_COUNT")
"""Environment git honours and libgit2 does not: another repository, index, object store, or
``git -c`` settings."""
_SHAPES_A_TREE = frozenset({
    "core.excludesfile", "core.attributesfile", "core.autocrlf", "core.eol", "core.safecrlf",
    "core.ignorecase", "core.symlinks", "core.filemode", "core.trustctime", "core.checkstat",
    "core.precomposeunicode"})
"""Settings that change which files ``git add -A`` takes, or the blobs it writes."""


def _needs_git_itself(repo: pygit2.Repository) -> bool:
    import pygit2

    for entry in repo.config:
        name = entry.name.lower()
        if name.startswith("filter.") and name.endswith((".clean", ".process")):
            return True
        if name in {"core.sparsecheckout", "index.sparse", "core.splitindex"} and \
                str(entry.value).lower() in {"true", "yes", "on", "1"}:
            return True
    # GIT_CONFIG_GLOBAL/_SYSTEM/_NOSYSTEM make git read other files than libgit2 does: then
    # neither side may hold a setting that shapes the tree outside the repository's own config.
    named = [os.environ.get("GIT_CONFIG_GLOBAL"), os.environ.get("GIT_CONFIG_SYSTEM")]
    if not (any(named) or os.environ.get("GIT_CONFIG_NOSYSTEM")):
        return False
    outside = [e.name.lower() for e in repo.config
               if e.level not in (pygit2.enums.ConfigLevel.LOCAL,
                                  pygit2.enums.ConfigLevel.WORKTREE)]
    for path in filter(None, named):
        if Path(path).is_file():
            outside += [e.name.lower() for e in pygit2.Config(path)]
    return any(name in _SHAPES_A_TREE or name.startswith("filter.") for name in outside)
