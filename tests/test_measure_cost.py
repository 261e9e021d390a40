"""A task's measurement costs at most one git process (issue 23): counted, not timed.

Every task's change is measured from git (two working-tree snapshots and their diff). Spawning
git four times per task and copying the index to a temporary directory per snapshot made the
measurement most of a run's time; it now runs in-process through libgit2. The orch subprocess
loads ``tests/fakes/durability/sitecustomize.py``, which records every process it starts; the
git processes started between one task's shell command and the next one's are that task's
measurement (plus any other per-task git work), and there may be at most one.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

from conftest import OrchRunner, commit_all, git, make_plan, shell_task
from orch.vcs.snapshot import WorkTree
from test_durability import traced

TASKS = 6


def _is_git(argv: list[str]) -> bool:
    return Path(argv[0]).name == "git"


def test_each_task_measurement_starts_at_most_one_git_process(
        orch: OrchRunner, git_repo: Path, tmp_path: Path) -> None:
    tasks = [shell_task(f"T{n:03d}", f"write f{n}", f"echo {n} > f{n}.txt",
                        extra=f"  Creates `f{n}.txt`.") for n in range(1, TASKS + 1)]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    records = traced(orch, git_repo, tmp_path / "trace.jsonl", "run", "plan.md",
                     "--commit", "none")
    starts = [r["argv"] for r in records if r["op"] == "exec"]
    shells = [i for i, argv in enumerate(starts) if any("> f" in a for a in argv)]
    assert len(shells) == TASKS, starts
    between = [sum(_is_git(argv) for argv in starts[a + 1:b])
               for a, b in zip(shells, shells[1:], strict=False)]
    assert max(between) <= 1, f"git processes between tasks: {between}"
    events = (git_repo / ".specify" / "orch").rglob("events.jsonl")
    finished = [event for path in events for line in path.read_text().splitlines()
                if (event := json.loads(line))["type"] == "task_finished"]
    assert [e["data"]["diffstat"]["paths"] for e in finished] == [  # measured, task by task
        [f"f{n}.txt"] for n in range(1, TASKS + 1)]


def test_a_snapshot_sees_a_same_size_edit_in_the_tick_of_the_previous_snapshot(
        git_repo: Path) -> None:
    """The in-memory index keeps stat data between snapshots: an edit that keeps the size and
    mtime of the file the previous snapshot hashed must still be seen (content, not stat)."""
    git(git_repo, "config", "core.trustctime", "false")
    worktree = WorkTree.open(git_repo)
    assert worktree is not None
    note = git_repo / "note.txt"
    note.write_text("- [ ] T001\n")
    first = worktree.snapshot()
    stamp = os.stat(note)
    note.write_text("- [X] T001\n")
    os.utime(note, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    second = worktree.snapshot()
    assert first is not None and second is not None
    assert worktree.diff(first, second).paths == ["note.txt"]
    shown = subprocess.run(["git", "show", f"{second}:note.txt"], cwd=git_repo,
                           capture_output=True, text=True, check=True).stdout
    assert shown == "- [X] T001\n"


def test_in_process_snapshots_match_git_s_own_through_edits_adds_commits_and_resets(
        git_repo: Path) -> None:
    """A random walk of edits, deletions, new directories, ignored files, orch's own files and
    git commands that rewrite the real index (add, commit, reset, stash): after every step the
    in-process snapshot is the tree git itself writes (``add -A`` on a copy of the index)."""
    rng = random.Random(23)
    (git_repo / ".gitignore").write_text("*.log\nbuild/\n")
    commit_all(git_repo, "ignore")
    fast, slow = WorkTree.open(git_repo), WorkTree.open(git_repo, in_process=False)
    assert fast is not None and slow is not None
    names = [f"{folder}f{n}.txt" for folder in ("", "sub/", "sub/deep/", "build/", ".specify/orch/")
             for n in range(3)] + ["x.log"]
    previous = None
    for step in range(80):
        action, path = rng.choice(ACTIONS), git_repo / rng.choice(names)
        action(git_repo, path, rng)
        tree = fast.snapshot()
        assert fast.in_process, "fell back to git"
        assert tree == slow.snapshot(), f"step {step}: {action.__name__} {path}"
        if previous is not None:
            assert fast.diff(previous, tree) == slow.diff(previous, tree)
        previous = tree


def _write(repo: Path, path: Path, rng: random.Random) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{rng.random()}\n" * rng.randint(0, 3))


def _delete(repo: Path, path: Path, rng: random.Random) -> None:
    path.unlink(missing_ok=True)


def _drop_folder(repo: Path, path: Path, rng: random.Random) -> None:
    shutil.rmtree(repo / "sub", ignore_errors=True)


def _git_add(repo: Path, path: Path, rng: random.Random) -> None:
    git(repo, "add", "-A")


def _git_commit(repo: Path, path: Path, rng: random.Random) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", "step")


def _git_reset(repo: Path, path: Path, rng: random.Random) -> None:
    git(repo, "reset", "-q", "--hard")


def _git_stash(repo: Path, path: Path, rng: random.Random) -> None:
    subprocess.run(["git", "stash", "-q", "-u"], cwd=repo, capture_output=True, check=False)


ACTIONS = [_write, _write, _write, _delete, _drop_folder, _git_add, _git_commit, _git_reset,
           _git_stash]


def test_a_clean_filter_is_applied_as_git_applies_it(git_repo: Path) -> None:
    """libgit2 cannot run a filter driver (Git LFS is one): there git itself snapshots."""
    git(git_repo, "config", "filter.upper.clean", "tr a-z A-Z")
    (git_repo / ".gitattributes").write_text("*.txt filter=upper\n")
    commit_all(git_repo, "filter")
    worktree = WorkTree.open(git_repo)
    assert worktree is not None
    (git_repo / "note.txt").write_text("hello\n")
    tree = worktree.snapshot()
    assert not worktree.in_process
    shown = subprocess.run(["git", "show", f"{tree}:note.txt"], cwd=git_repo,
                           capture_output=True, text=True, check=True).stdout
    assert shown == "HELLO\n"
