"""Parallel `[P]` tasks (issue 11, docs/parallel.md), side by side in one run, ratios printed.

1. Speed-up: 8 `[P]` shell tasks of 2 s each (``sleep 2`` and write their own file) in a real
   git repository: ``orch run --jobs 4`` wall time against ``--jobs 1`` (target <= 0.35x, ideal
   0.25x).
2. Overhead: N near no-op `[P]` tasks (each writes its own small file) in a 5,000-file
   repository: ``--jobs 2`` (a worktree, a commit, a merge-queue integration and the re-check
   per task) against ``--jobs 1`` (every task in the main tree, no worktree). The per-task
   overhead is the wall-time difference divided by N (goal <= 0.3 s).

Every run starts from the same commit (``git reset --hard`` + ``git clean``), with checkpoints
on (``--commit phase``), so both sides pay the same checkpoint; what differs is the engine.

Run: python bench/bench_parallel.py [--repeat 3] [--files 5000] [--tasks 10]
     [--compare-src DIR]   (also time another orch source tree, e.g. ``git archive`` of main)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import median, time_command

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def plan(tasks: int, command: str) -> str:
    """One phase of ``tasks`` `[P]` shell tasks; ``command`` gets ``{id}``."""
    lines = ["# Parallel benchmark", "", "## Phase 1: Work", ""]
    for number in range(1, tasks + 1):
        task_id = f"T{number:03d}"
        lines += [f"- [ ] {task_id} [P] Write out/{task_id}.txt", "  ```sh",
                  f"  {command.format(id=task_id)}", "  ```"]
    return "\n".join(lines) + "\n"


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def make_repo(path: Path, plan_text: str, files: int) -> None:
    """A git repository holding ``files`` small files (in 50 directories) and the plan."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for number in range(files):
        folder = path / "src" / f"d{number % 50:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{number:05d}.txt").write_text(f"file {number}\n")
    (path / "out").mkdir()
    (path / "out" / ".keep").write_text("")
    (path / "plan.md").write_text(plan_text)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "start")
    git(path, "tag", "start-point")


def reset(repo: Path) -> None:
    """Put the repository back at its first commit, with no run state and no orch refs."""
    git(repo, "reset", "-q", "--hard", "start-point")
    git(repo, "clean", "-q", "-ffdx")
    git(repo, "worktree", "prune")
    refs = subprocess.run(["git", "for-each-ref", "--format=%(refname)", "refs/heads/orch",
                           "refs/orch"], cwd=repo, capture_output=True, text=True).stdout
    for ref in refs.split():
        git(repo, "update-ref", "-d", ref)


def run_orch(orch: str, repo: Path, jobs: int, env: dict[str, str], *,
             warmup: bool = False) -> float:
    """Wall time of one run from a fresh reset (after an uncounted one if ``warmup``)."""
    (elapsed,) = time_command(
        [orch, "-C", str(repo), "run", "plan.md", "--jobs", str(jobs), "--yes"],
        cwd=repo, repeat=1, setup=lambda: reset(repo),
        env={"NO_COLOR": "1", **GIT_ENV, **env}, warmup=warmup)
    return elapsed


Config = tuple[str, int, dict[str, str]]
"""A label, a job count and extra environment (``PYTHONPATH`` of another orch source)."""


def side_by_side(orch: str, repo: Path, configs: list[Config], repeat: int
                 ) -> dict[str, list[float]]:
    """Alternate the configurations run by run, so load on the machine hits all alike."""
    times: dict[str, list[float]] = {label: [] for label, _, _ in configs}
    for number in range(repeat):
        for label, jobs, env in configs:
            times[label].append(run_orch(orch, repo, jobs, env, warmup=number == 0))
    return times


def configs(jobs: tuple[int, int], compare: Path | None) -> list[Config]:
    wide, narrow = jobs
    out: list[Config] = [(f"--jobs {wide}", wide, {}), (f"--jobs {narrow}", narrow, {})]
    if compare is not None:
        env = {"PYTHONPATH": str(compare)}
        out += [(f"--jobs {wide} [{compare}]", wide, env),
                (f"--jobs {narrow} [{compare}]", narrow, env)]
    return out


def pairs(runs: dict[str, list[float]]) -> list[tuple[str, str]]:
    """(wide, narrow) labels of each orch source, in order."""
    labels = list(runs)
    return [(labels[i], labels[i + 1]) for i in range(0, len(labels), 2)]


def show(label: str, values: list[float]) -> None:
    print(f"  {label}: {[round(v, 2) for v in values]} s (median {median(values):.2f} s)")


def overhead(orch: str, root: Path, args: argparse.Namespace) -> bool:
    """Per-task worktree + integration overhead at N and 2N tasks; the slope between the two
    is the cost of one more task, the rest is paid once per phase (the first checkout of each
    lane, removing the parked worktrees at the end)."""
    extra: dict[int, dict[str, float]] = {}
    ok = True
    for count in (args.tasks, 2 * args.tasks):
        repo = root / f"overhead-{count}"
        make_repo(repo, plan(count, "echo {id} > out/{id}.txt"), args.files)
        runs = side_by_side(orch, repo, configs((2, 1), args.compare_src), args.repeat)
        print(f"{count} no-op [P] tasks, {args.files:,}-file repository "
              "(--jobs 2: worktrees + merge queue; --jobs 1: main tree):")
        for wide, narrow in pairs(runs):
            show(wide, runs[wide])
            show(narrow, runs[narrow])
            added = median(runs[wide]) - median(runs[narrow])
            extra.setdefault(count, {})[wide] = added
            print(f"  overhead: {added / count:.3f} s per task "
                  f"(ratio {median(runs[wide]) / median(runs[narrow]):.2f}x)")
    for wide in extra[args.tasks]:
        slope = (extra[2 * args.tasks][wide] - extra[args.tasks][wide]) / args.tasks
        once = extra[args.tasks][wide] - slope * args.tasks
        verdict = "OK" if slope <= 0.3 else "MISSED"
        print(f"{wide}: one more task costs {slope:.3f} s (goal <= 0.3 s) {verdict}; "
              f"paid once per phase: {once:.2f} s")
        ok = ok and (slope <= 0.3 or wide != "--jobs 2")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--tasks", type=int, default=10, help="tasks of the overhead benchmark")
    parser.add_argument("--only", choices=["speedup", "overhead"])
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--compare-src", type=Path, help="also run the orch package found in "
                        "this src/ directory (PYTHONPATH), e.g. an older commit's, side by side")
    args = parser.parse_args()
    orch = shutil.which("orch") or sys.exit("orch is not installed (pip install -e .)")
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    args.dir.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="orch-bench-parallel-", dir=args.dir))
    ok = True
    try:
        if args.only in (None, "speedup"):
            repo = root / "speedup"
            make_repo(repo, plan(8, "sleep 2 && echo {id} > out/{id}.txt"), 0)
            runs = side_by_side(orch, repo, configs((4, 1), args.compare_src), args.repeat)
            print("8 [P] tasks of 2 s, real git repository:")
            for pair in pairs(runs):
                four, one = runs[pair[0]], runs[pair[1]]
                show(pair[0], four)
                show(pair[1], one)
                ratio = median(four) / median(one)
                verdict = "OK" if ratio <= 0.35 else "MISSED"
                print(f"  ratio: {ratio:.2f}x (target <= 0.35x, ideal 0.25x) {verdict}")
                ok = ok and (ratio <= 0.35 or pair[0] != "--jobs 4")
        if args.only in (None, "overhead"):
            ok = overhead(orch, root, args) and ok
        print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        return 0 if ok else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
