"""The per-task measurement against one ``git status --porcelain``, at 1,000, 10,000 and
50,000 files (target: <= 1.5x at each size).

A task's measurement is what the engine does for every task in a git repository: a snapshot
of the working tree when the task starts, another when it ends, and the diff stat of the two
(``ChangeProbe.baseline`` / ``start`` / ``finish``), here around a task that edits one file
and creates another. The peer is one ``git status --porcelain`` process in the same repository
(with ``--no-optional-locks``, so it does not rewrite the index between runs). Both alternate
run by run, on a committed tree of small files in 100-file directories made in the temp
directory. Also printed, labelled: the same measurement through git processes (the route
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


def one_task(probe: ChangeProbe, directory: Path, number: int) -> float:
    """Seconds of one task's measurement around an edit of one file and a new one."""
    started = time.perf_counter()
    probe.start("T001", [], probe.baseline())
    measure = time.perf_counter() - started
    (directory / "d000" / "s0" / "f0.txt").write_text(f"edited {number}\n")
    (directory / f"new{number}.txt").write_text("new\n")
    started = time.perf_counter()
    measured = probe.finish([])
    measure += time.perf_counter() - started
    assert measured.diffstat is not None and measured.diffstat.files == 2, measured
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
            directory = root / f"repo{size}"
            make_repo(directory, size)
            fast = ChangeProbe.for_project(directory)
            via_git = ChangeProbe(directory, WorkTree.open(directory, in_process=False))
            fast.baseline()  # warm-up: pygit2 import, the first read of the index
            git_status(directory)
            ours, peer, old, snap = [], [], [], []
            for number in range(args.repeat):
                ours.append(one_task(fast, directory, 2 * number))
                peer.append(git_status(directory))
                old.append(one_task(via_git, directory, 2 * number + 1))
                started = time.perf_counter()
                fast.baseline()
                snap.append(time.perf_counter() - started)
            ratio = median(ours) / median(peer)
            ok = ok and ratio <= 1.5
            print(f"{size:>6} files: measurement {median(ours) * 1000:7.1f} ms  vs  git status "
                  f"{median(peer) * 1000:6.1f} ms -> {ratio:.2f}x (target <= 1.5x) "
                  f"{'OK' if ratio <= 1.5 else 'MISSED'}; one snapshot "
                  f"{median(snap) * 1000:.1f} ms; via git processes "
                  f"{median(old) * 1000:.1f} ms ({median(old) / median(peer):.2f}x)", flush=True)
            shutil.rmtree(directory)
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
