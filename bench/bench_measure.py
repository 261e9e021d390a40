"""The per-task measurement against one ``git status --porcelain``, at 1,000, 10,000 and
50,000 files (target: <= 1.5x at each size).

A task's measurement is what the engine does for every task in a git repository, here around a
task that edits one file and creates another: its start tree, a snapshot of the working tree
when it ends, and the diff stat of the two. A sequential task's start tree is the previous
task's end tree with orch's plan mark applied (``ChangeProbe.carry``: a hash of the plan file,
no walk); that is the figure against the target. Printed beside it, from the same run: the
measurement with the start walked too (two snapshots, as every task did before, and as the
first task of a phase still does). The peer is one ``git status --porcelain`` process in the
same repository (with ``--no-optional-locks``, so it does not rewrite the index between runs).
All alternate run by run, on a committed tree of small files in 100-file directories made in
the temp directory. Also printed, labelled: the measurement through git processes (the route
orch takes where libgit2 cannot answer, and took before issue 23), and one snapshot alone.

Run: python bench/bench_measure.py [--sizes 1000,10000,50000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from _common import median

from orch.runner.filechecks import ChangeProbe
from orch.vcs.snapshot import WorkTree


def make_repo(directory: Path, files: int) -> None:
    directory.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=directory, check=True)
    subprocess.run(["git", "config", "gc.auto", "0"], cwd=directory, check=True)  # no detached gc
    for number in range(files):
        folder = directory / f"d{number // 1000:03d}" / f"s{(number // 100) % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{number}.txt").write_text(f"line {number}\n" * 5)
    for args in (["add", "-A"], ["-c", "user.name=b", "-c", "user.email=b@localhost", "commit",
                                 "-q", "-m", "files"]):
        subprocess.run(["git", *args], cwd=directory, check=True)


def one_task(probe: ChangeProbe, directory: Path, number: int, *, walk_start: bool) -> float:
    """Seconds of one task's measurement around an edit of one file and a new one; the plan
    mark orch writes before the task is not timed."""
    plan = directory / "plan.md"
    plan.write_text(f"- [X] T{number:05d} mark\n")
    previous = probe.end_tree
    started = time.perf_counter()
    base = None if walk_start or previous is None else probe.carry(previous, [plan])
    assert walk_start or previous is None or base is not None, "could not carry"
    probe.start("T001", [], base if base is not None else probe.baseline())
    measure = time.perf_counter() - started
    (directory / "d000" / "s0" / "f0.txt").write_text(f"edited {number}\n")
    (directory / f"new{number}.txt").write_text("new\n")
    started = time.perf_counter()
    measured = probe.finish([])
    measure += time.perf_counter() - started
    assert measured.diffstat is not None, measured
    assert measured.diffstat.files == 2, measured  # the plan mark is no task's change
    return measure


def git_status(directory: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["git", "--no-optional-locks", "status", "--porcelain"], cwd=directory,
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="orch-bench-measure-"))
    ok = True
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            # The carrying route has a repository of its own: between two of its tasks only the
            # plan mark is written there, as in a run (the other routes' edits go to a twin).
            directory, twin = root / f"repo{size}", root / f"twin{size}"
            make_repo(directory, size)
            make_repo(twin, size)
            fast = ChangeProbe.for_project(directory)
            walked = ChangeProbe.for_project(twin)
            via_git = ChangeProbe(twin, WorkTree.open(twin, in_process=False))
            one_task(fast, directory, 0, walk_start=False)  # warm-up: pygit2, the index read
            one_task(walked, twin, 1, walk_start=True)
            git_status(directory)
            ours, peer, two, old, snap = [], [], [], [], []
            for number in range(1, args.repeat + 1):
                ours.append(one_task(fast, directory, 4 * number, walk_start=False))
                peer.append(git_status(directory))
                two.append(one_task(walked, twin, 4 * number + 1, walk_start=True))
                old.append(one_task(via_git, twin, 4 * number + 2, walk_start=True))
                started = time.perf_counter()
                walked.baseline()
                snap.append(time.perf_counter() - started)
            status = median(peer)
            ratio = median(ours) / status
            ok = ok and ratio <= 1.5
            print(f"{size:>6} files: measurement {median(ours) * 1000:7.1f} ms  vs  git status "
                  f"{status * 1000:6.1f} ms -> {ratio:.2f}x (target <= 1.5x) "
                  f"{'OK' if ratio <= 1.5 else 'MISSED'}; start walked too (before) "
                  f"{median(two) * 1000:.1f} ms ({median(two) / status:.2f}x); one snapshot "
                  f"{median(snap) * 1000:.1f} ms ({median(snap) / status:.2f}x); via git "
                  f"processes {median(old) * 1000:.1f} ms ({median(old) / status:.2f}x)",
                  flush=True)
            shutil.rmtree(directory)
            shutil.rmtree(twin)
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
