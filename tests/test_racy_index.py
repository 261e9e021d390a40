"""Snapshots and rollback backups see an edit made in the same clock tick as the index write.

Both copy the real index to a private one so unchanged files are not hashed again. Git trusts
a file's cached stat only when the file is older than the index ("racy git"); a copy with a
fresh mtime made every cached entry look safe, so a same-size edit within the filesystem's
timestamp granularity (a plan's box flip: `[ ]` to `[X]`) went unseen, and a backup missed it.
The edit is staged here deterministically: same size, same mtime, ctime not trusted.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import git
from orch.vcs.backup import snapshot_trees
from orch.vcs.repo import find_repo
from orch.vcs.snapshot import WorkTree


def _racy_edit(repo: Path) -> None:
    """Commit a.txt, then change it keeping size and mtime, as a same-tick write would."""
    git(repo, "config", "core.trustctime", "false")
    (repo / "a.txt").write_text("- [ ] T001\n")
    old = os.stat(repo / "a.txt").st_mtime_ns - 10**10
    os.utime(repo / "a.txt", ns=(old, old))  # older than the index: git caches it unsmudged
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "a")
    before = os.stat(repo / "a.txt")
    os.utime(repo / ".git" / "index", ns=(before.st_atime_ns, before.st_mtime_ns))
    (repo / "a.txt").write_text("- [X] T001\n")
    os.utime(repo / "a.txt", ns=(before.st_atime_ns, before.st_mtime_ns))
    status = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain"], cwd=repo,
                            capture_output=True, text=True, check=True).stdout
    assert " M a.txt" in status  # git itself sees it: the entry is racily clean


def _blob(repo: Path, tree: str, path: str) -> str:
    return subprocess.run(["git", "show", f"{tree}:{path}"], cwd=repo, capture_output=True,
                          text=True, check=True).stdout


def test_a_snapshot_sees_a_same_tick_same_size_edit(git_repo: Path) -> None:
    _racy_edit(git_repo)
    worktree = WorkTree.open(git_repo)
    assert worktree is not None
    tree = worktree.snapshot()
    assert tree is not None
    assert _blob(git_repo, tree, "a.txt") == "- [X] T001\n"


def test_a_rollback_backup_saves_a_same_tick_same_size_edit(git_repo: Path) -> None:
    _racy_edit(git_repo)
    repo = find_repo(git_repo)
    assert repo is not None
    trees = snapshot_trees(repo)
    assert _blob(git_repo, trees.full, "a.txt") == "- [X] T001\n"
