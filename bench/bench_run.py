"""500 no-op shell tasks in 5 phases with durable state, side by side with doit 0.37 running
a 500-task chain of the same no-op action (target: orch <= 1.3x doit's wall time, goal 1.0x).

The headline figure is a user's run: orch in a fresh git repository (made in the temp
directory, outside orch's own checkout), evidence on (every task's change measured from git)
and a checkpoint commit per phase. Printed beside it, from the same run, labelled:

- the same plan outside any git repository (no measurement, no checkpoints);
- start-up: the same two tools on a one-task plan, in git;
- the fsync floor: one line appended and fsync'd per task in the same directory, which orch's
  durability promise costs and doit (state written once at the end) does not pay; with
  ``--fsync-stubbed`` also the in-git run with ``os.fsync`` stubbed out (a measurement only);
- the spawn floor: ``sh -c true`` per task (what orch's shell adapter runs for this plan's
  ```` ```sh ```` blocks, and doit's ``CmdAction``) and ``bash -e -c true`` (a bash block),
  both from Python;
- orch's floor: its one-task start-up plus one spawn and one fsync per task, the least a
  durable, measured run of this plan can cost.

Run: pip install -e '.[bench]' && python bench/bench_run.py [--tasks 500] [--compare-src DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import median, report, time_command

NO_FSYNC = "import os, sys; os.fsync = lambda fd: None; from orch.cli.main import main; " \
    "sys.argv[0] = 'orch'; main()"


def orch_plan(tasks: int, phases: int) -> str:
    per_phase = tasks // phases
    lines = ["# No-op benchmark", ""]
    number = 0
    for phase in range(1, phases + 1):
        lines += [f"## Phase {phase}: Part {phase}", ""]
        for _ in range(per_phase):
            number += 1
            lines += [f"- [ ] T{number:04d} No-op {number}", "  ```sh", "  true", "  ```"]
        lines.append("")
    return "\n".join(lines)


def dodo(tasks: int) -> str:
    return f"""
DOIT_CONFIG = {{"verbosity": 0}}

def task_noop():
    for number in range(1, {tasks} + 1):
        task = {{"name": f"t{{number:04d}}", "actions": ["true"], "verbosity": 0}}
        if number > 1:
            task["task_dep"] = [f"noop:t{{number - 1:04d}}"]
        yield task
"""


def fsync_floor(directory: Path, count: int) -> float:
    """Seconds to append one line and fsync it ``count`` times in ``directory``."""
    path = directory / "fsync-floor.jsonl"
    started = time.perf_counter()
    with open(path, "ab") as journal:
        for number in range(count):
            journal.write(b'{"seq": %d, "type": "task_started"}\n' % number)
            journal.flush()
            os.fsync(journal.fileno())
    elapsed = time.perf_counter() - started
    path.unlink()
    return elapsed


def spawn_floor(argv: list[str], count: int) -> float:
    """Seconds to run ``argv`` ``count`` times from Python, output to a pipe."""
    started = time.perf_counter()
    for _ in range(count):
        subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - started


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def git_project(directory: Path, plan: str) -> Callable[[], None]:
    """A fresh repository holding ``plan`` in one commit; the function that resets it."""
    directory.mkdir()
    git(directory, "init", "-q")
    git(directory, "config", "user.name", "bench")
    git(directory, "config", "user.email", "bench@localhost")
    (directory / "plan.md").write_text(plan)
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "-m", "plan")
    git(directory, "tag", "base")

    def reset() -> None:
        git(directory, "reset", "-q", "--hard", "base")
        shutil.rmtree(directory / ".specify", ignore_errors=True)

    return reset


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the projects are created (default: the system temp directory). It must "
        "not be inside a git repository: orch would then measure that whole repository",
    )
    parser.add_argument("--compare-src", type=Path, help="also run the orch package found in "
                        "this src/ directory (PYTHONPATH), e.g. an older commit's, side by side")
    parser.add_argument("--fsync-stubbed", action="store_true",
                        help="also time the in-git run with os.fsync stubbed out")
    args = parser.parse_args()
    orch = shutil.which("orch") or sys.exit("orch is not installed (pip install -e .)")
    doit = shutil.which("doit") or sys.exit("doit is not installed (pip install -e '.[bench]')")
    args.dir.mkdir(parents=True, exist_ok=True)
    inside = [p for p in (args.dir.resolve(), *args.dir.resolve().parents) if (p / ".git").exists()]
    if inside:
        sys.exit(f"{args.dir} is inside the git repository {inside[0]}: pass --dir elsewhere")
    root = Path(tempfile.mkdtemp(prefix="orch-bench-run-", dir=args.dir))
    try:
        return compare(args, orch, doit, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def compare(args: argparse.Namespace, orch: str, doit: str, root: Path) -> int:
    """Time every configuration side by side, alternating run by run; print the ratios."""
    plan = orch_plan(args.tasks, 5)
    reset_git = git_project(root / "orch-git", plan)
    plain_dir = root / "orch"
    plain_dir.mkdir()

    def reset_plain() -> None:
        shutil.rmtree(plain_dir / ".specify", ignore_errors=True)
        (plain_dir / "plan.md").write_text(plan)

    doit_dir = root / "doit"
    doit_dir.mkdir()
    (doit_dir / "dodo.py").write_text(dodo(args.tasks))

    def reset_doit() -> None:
        for leftover in doit_dir.glob(".doit.db*"):
            leftover.unlink()

    env = {"NO_COLOR": "1"}
    in_git = [orch, "-C", ".", "run", "plan.md"]
    outside = [orch, "-C", ".", "run", "plan.md", "--commit", "none", "--allow-dirty"]
    no_sync_argv = [sys.executable, "-c", NO_FSYNC, *in_git[1:]]
    runs: dict[str, list[float]] = {"git": [], "doit": [], "outside": [], "nosync": [],
                                    "other": []}
    for number in range(args.repeat):  # alternate, so load on the machine hits each alike
        first = number == 0
        runs["git"] += time_command(in_git, cwd=root / "orch-git", repeat=1, setup=reset_git,
                                    env=env, warmup=first)
        runs["doit"] += time_command([doit, "run"], cwd=doit_dir, repeat=1, setup=reset_doit,
                                     warmup=first)
        runs["outside"] += time_command(outside, cwd=plain_dir, repeat=1, setup=reset_plain,
                                        env=env, warmup=first)
        if args.fsync_stubbed:
            runs["nosync"] += time_command(no_sync_argv, cwd=root / "orch-git", repeat=1,
                                           setup=reset_git, env=env, warmup=first)
        if args.compare_src:
            runs["other"] += time_command(in_git, cwd=root / "orch-git", repeat=1,
                                          setup=reset_git, warmup=first,
                                          env={**env, "PYTHONPATH": str(args.compare_src)})
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    for name, times in runs.items():
        if times:
            print(f"{name} runs (s): {[round(t, 2) for t in times]}")
    peer = median(runs["doit"])
    ok = report(f"{args.tasks} no-op tasks in git, evidence on, durable", median(runs["git"]),
                "doit 0.37", peer, 1.3)
    report(f"{args.tasks} no-op tasks OUTSIDE git (no measurement, no checkpoints)",
           median(runs["outside"]), "doit 0.37", peer, 1.3)
    if runs["nosync"]:
        report(f"{args.tasks} no-op tasks in git, fsync stubbed", median(runs["nosync"]),
               "doit 0.37", peer, 1.3)
    if runs["other"]:
        report(f"{args.tasks} no-op tasks in git [{args.compare_src}]", median(runs["other"]),
               "doit 0.37", peer, 1.3)

    one_git = git_project(root / "one-git", orch_plan(1, 1))
    (doit_dir / "dodo.py").write_text(dodo(1))
    one = time_command(in_git, cwd=root / "one-git", repeat=args.repeat, setup=one_git, env=env)
    one_peer = time_command([doit, "run"], cwd=doit_dir, repeat=args.repeat, setup=reset_doit)
    report("start-up (1 task, in git)", median(one), "doit 0.37", median(one_peer), 1.3)

    fsync = fsync_floor(plain_dir, args.tasks)
    bash = spawn_floor(["bash", "-e", "-c", "true"], args.tasks)
    sh = spawn_floor(["sh", "-c", "true"], args.tasks)
    print(f"fsync floor: {fsync:.2f} s for {args.tasks} appends "
          f"({fsync / args.tasks * 1000:.2f} ms each; orch makes one per task durable)")
    print(f"spawn floor: sh -c true {sh:.2f} s (this plan's ```sh blocks in orch; doit's "
          f"CmdAction) vs bash -e -c true {bash:.2f} s, for {args.tasks}")
    floor = median(one) + sh + fsync
    print(f"orch's floor for this run: its 1-task start-up + {args.tasks} sh spawns + "
          f"{args.tasks} fsyncs = {floor:.2f} s = {floor / peer:.2f}x doit")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
