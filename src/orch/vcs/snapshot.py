"""Measure what a task changed: the working tree (untracked files included) as a git tree.

A snapshot writes the whole working tree into git's object store through a private index (a
copy of the real one, so unchanged files are not hashed again) and returns the tree id. Two
snapshots diffed give exactly what changed in between, whoever changed it: orch never takes
an agent's word for which files it touched. The real index and the branch are not touched.

Snapshots and diffs run in-process through libgit2 (:mod:`orch.vcs.libgit`) where it gives
git's answer, at the cost of about one ``git status`` and no process; elsewhere git itself
runs (``add -A`` and ``write-tree`` on a temporary copy of the index).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from orch.errors import VcsError
from orch.vcs.libgit import InProcessTree, NumStat, open_in_process
from orch.vcs.repo import GitRepo, find_repo


@dataclass(frozen=True)
class FileStat:
    """One changed path (relative to the project directory) and its line counts."""

    path: str
    added: int
    deleted: int


@dataclass(frozen=True)
class TreeDiff:
    """What changed between two snapshots."""

    files: list[FileStat] = field(default_factory=list)

    @property
    def paths(self) -> list[str]:
        return [stat.path for stat in self.files]


class WorkTree:
    """Snapshots of one project's working tree; ``open`` returns ``None`` outside git."""

    def __init__(self, repo: GitRepo, *, in_process: bool = True) -> None:
        self.repo = repo
        prefix = os.path.relpath(repo.project_dir, repo.root).replace(os.sep, "/")
        self._prefix = "" if prefix == "." else prefix + "/"
        self._scope = f":(top){self._prefix}" if self._prefix else ":/"
        """Only the project's own files: a project nested in a bigger repository snapshots
        its own directory, not the whole repository."""
        self._lock = threading.Lock()
        self._fast: InProcessTree | None | bool = True if in_process else None
        """The in-process snapshotter once opened; ``True`` before, ``None`` where git runs."""

    def _in_process(self) -> InProcessTree | None:
        if self._fast is True:
            orch_dir = self.repo.orch_exclude.split(")", 1)[1]
            self._fast = open_in_process(self.repo.root, self.repo.git_dir, self._prefix,
                                         orch_dir)
        return self._fast if isinstance(self._fast, InProcessTree) else None

    def _give_up_in_process(self) -> None:
        self._fast = None

    @property
    def in_process(self) -> bool:
        """Whether snapshots are taken in-process (known after the first one)."""
        return isinstance(self._fast, InProcessTree)

    @classmethod
    def open(cls, project_dir: Path, *, in_process: bool = True) -> WorkTree | None:
        """The project's working tree, or ``None`` when it is not in a git repository.
        ``in_process=False`` always runs git itself (for comparisons)."""
        repo = find_repo(project_dir)
        return cls(repo, in_process=in_process) if repo is not None else None

    def snapshot(self) -> str | None:
        """The tree id of the working tree as it is now; ``None`` if git cannot write it."""
        with self._lock:
            fast = self._in_process()
            if fast is not None:
                try:
                    return fast.snapshot()
                except VcsError:  # libgit2 could not: git itself decides from now on
                    self._give_up_in_process()
        return self._snapshot_with_git()

    def carry(self, tree: str, written: list[Path]) -> str | None:
        """``tree`` (this working tree's latest snapshot) with the files in ``written`` as they
        are now, without walking the tree; ``None`` where only a :meth:`snapshot` can tell (see
        :meth:`InProcessTree.carry <orch.vcs.libgit.InProcessTree.carry>`; git itself never
        carries). The caller vouches that nothing but ``written`` changed since ``tree``."""
        with self._lock:
            fast = self._in_process()
            if fast is None:
                return None
            paths = [rel for path in written if (rel := self.repo.relative(path)) is not None]
            try:
                return fast.carry(tree, paths)
            except VcsError:
                return None

    def _snapshot_with_git(self) -> str | None:
        with tempfile.TemporaryDirectory(prefix="orch-snap-") as tmp:
            index = Path(tmp) / "index"
            real = self.repo.git_dir / "index"
            if real.is_file():
                shutil.copy2(real, index)  # keep its mtime: git's racy-entry check needs it
            env = {**os.environ, "GIT_INDEX_FILE": str(index)}
            try:
                self.repo.run("add", "-A", "--", self._scope, self.repo.orch_exclude, env=env)
                return self.repo.run("write-tree", env=env)
            except VcsError:
                return None

    def diff(self, before: str, after: str) -> TreeDiff:
        """Paths changed from tree ``before`` to tree ``after`` (inside the project only)."""
        if before == after:
            return TreeDiff()
        with self._lock:
            fast = self._in_process()
            if fast is not None:
                try:
                    return self._inside(fast.numstat(before, after))
                except VcsError:  # e.g. a tree from an older run that is gone: git will say
                    pass
        out = self.repo.run("diff-tree", "-r", "-z", "--no-renames", "--numstat", before, after,
                            strip=False)
        stats = []
        for entry in out.split("\0"):
            parts = entry.split("\t")
            if len(parts) == 3:
                stats.append(NumStat(parts[2], _count(parts[0]), _count(parts[1])))
        return self._inside(stats)

    def changed_paths(self, before: str, after: str) -> list[str]:
        """The paths of :meth:`diff` alone, without counting lines (cheaper on big files)."""
        if before == after:
            return []
        with self._lock:
            fast = self._in_process()
            if fast is not None:
                try:
                    return self._inside_paths(fast.changed_paths(before, after))
                except VcsError:
                    pass
        out = self.repo.run("diff-tree", "-r", "-z", "--no-renames", "--name-only", before,
                            after, strip=False)
        return self._inside_paths([name for name in out.split("\0") if name])

    def _inside_paths(self, paths: list[str]) -> list[str]:
        cut = len(self._prefix)
        return [path[cut:] for path in paths if path.startswith(self._prefix)]

    def _inside(self, stats: list[NumStat]) -> TreeDiff:
        cut = len(self._prefix)
        return TreeDiff([FileStat(s.path[cut:], s.added, s.deleted) for s in stats
                         if s.path.startswith(self._prefix)])

    def list_files(self) -> list[str]:
        """Tracked and untracked (not ignored) files of the project, relative to it."""
        out = self.repo.run("ls-files", "-z", "--cached", "--others", "--exclude-standard",
                            "--", self._scope, self.repo.orch_exclude, strip=False)
        cut = len(self._prefix)
        return [name[cut:] for name in out.split("\0") if name.startswith(self._prefix) and name]


def _count(text: str) -> int:
    """numstat prints ``-`` for binary files."""
    return int(text) if text.isdigit() else 0
