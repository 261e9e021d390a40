"""500 no-op shell tasks in 5 phases with durable state, side by side with doit 0.37 running
a 500-task chain of the same no-op action (target: orch <= 1.3x doit's wall time, goal 1.0x).

Both run in fresh temp directories (not git repositories), same machine, same run, so the
figure is orch's engine and its fsync'd journal against doit's engine, not git. Also printed,
measured in the same run, so the ratio can be read on a busy machine:

- start-up: the same two tools on a one-task plan;
- the fsync floor: one line appended and fsync'd per task in the same directory, which orch's
  durability promise costs and doit (state written once at the end) does not pay; and the
  same orch run with ``os.fsync`` stubbed out (a measurement only: on a disk shared with busy
  neighbours each fsync also waits for their writes, so the floor alone understates it);
- the spawn floor: ``bash -e -c true`` per task (orch's shell adapter) against ``sh -c true``
  (doit's ``CmdAction``), both from Python.

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


def reset_one(orch_dir: Path) -> None:
    shutil.rmtree(orch_dir / ".specify", ignore_errors=True)
    (orch_dir / "plan.md").write_text(orch_plan(1, 1))


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="where the two projects are created (default: the system temp directory). It must "
        "not be inside a git repository: orch would then snapshot that repository per task "
        "(bench/.work, inside orch's own checkout, made orch 2x slower here)",
    )
    parser.add_argument("--compare-src", type=Path, help="also run the orch package found in "
                        "this src/ directory (PYTHONPATH), e.g. an older commit's, side by side")
    args = parser.parse_args()
    orch = shutil.which("orch") or sys.exit("orch is not installed (pip install -e .)")
    doit = shutil.which("doit") or sys.exit("doit is not installed (pip install -e '.[bench]')")
    args.dir.mkdir(parents=True, exist_ok=True)
    inside = [p for p in (args.dir.resolve(), *args.dir.resolve().parents) if (p / ".git").exists()]
    if inside:
        sys.exit(f"{args.dir} is inside the git repository {inside[0]}: pass --dir elsewhere")
    root = Path(tempfile.mkdtemp(prefix="orch-bench-run-", dir=args.dir))
    try:
        orch_dir = root / "orch"
        orch_dir.mkdir()
        (orch_dir / "plan.md").write_text(orch_plan(args.tasks, 5))

        def reset_orch() -> None:
            shutil.rmtree(orch_dir / ".specify", ignore_errors=True)
            (orch_dir / "plan.md").write_text(orch_plan(args.tasks, 5))

        doit_dir = root / "doit"
        doit_dir.mkdir()
        (doit_dir / "dodo.py").write_text(dodo(args.tasks))

        def reset_doit() -> None:
            for leftover in doit_dir.glob(".doit.db*"):
                leftover.unlink()

        orch_argv = [orch, "-C", ".", "run", "plan.md", "--commit", "none", "--allow-dirty"]
        ours: list[float] = []
        peer: list[float] = []
        other: list[float] = []
        no_sync: list[float] = []
        # The same orch with os.fsync stubbed out, to show what durability costs on this disk
        # (a measurement only: orch itself never skips a sync).
        no_sync_argv = [sys.executable, "-c", NO_FSYNC, *orch_argv[1:]]
        for number in range(args.repeat):  # alternate, so load on the machine hits both alike
            ours += time_command(orch_argv, cwd=orch_dir, repeat=1, setup=reset_orch,
                                 env={"NO_COLOR": "1"}, warmup=number == 0)
            peer += time_command([doit, "run"], cwd=doit_dir, repeat=1, setup=reset_doit,
                                 warmup=number == 0)
            no_sync += time_command(no_sync_argv, cwd=orch_dir, repeat=1, setup=reset_orch,
                                    env={"NO_COLOR": "1"}, warmup=number == 0)
            if args.compare_src:
                other += time_command(orch_argv, cwd=orch_dir, repeat=1, setup=reset_orch,
                                      env={"NO_COLOR": "1", "PYTHONPATH": str(args.compare_src)},
                                      warmup=number == 0)
        print(f"orch runs (s): {[round(t, 2) for t in ours]}")
        print(f"doit runs (s): {[round(t, 2) for t in peer]}")
        ok = report(f"{args.tasks} no-op tasks", median(ours), "doit 0.37", median(peer), 1.3)
        print(f"orch, fsync stubbed (s): {[round(t, 2) for t in no_sync]}")
        report(f"{args.tasks} no-op tasks, fsync stubbed", median(no_sync), "doit 0.37",
               median(peer), 1.3)
        if other:
            print(f"orch [{args.compare_src}] runs (s): {[round(t, 2) for t in other]}")
            report(f"{args.tasks} no-op tasks [{args.compare_src}]", median(other),
                   "doit 0.37", median(peer), 1.3)

        (orch_dir / "plan.md").write_text(orch_plan(1, 1))
        (doit_dir / "dodo.py").write_text(dodo(1))
        one = time_command(orch_argv, cwd=orch_dir, repeat=args.repeat,
                           setup=lambda: reset_one(orch_dir), env={"NO_COLOR": "1"})
        one_peer = time_command([doit, "run"], cwd=doit_dir, repeat=args.repeat,
                                setup=reset_doit)
        report("start-up (1 task)", median(one), "doit 0.37", median(one_peer), 1.3)
        if args.compare_src:
            one_other = time_command(orch_argv, cwd=orch_dir, repeat=args.repeat,
                                     setup=lambda: reset_one(orch_dir),
                                     env={"NO_COLOR": "1", "PYTHONPATH": str(args.compare_src)})
            report(f"start-up (1 task) [{args.compare_src}]", median(one_other), "doit 0.37",
                   median(one_peer), 1.3)

        fsync = fsync_floor(orch_dir, args.tasks)
        bash = spawn_floor(["bash", "-e", "-c", "true"], args.tasks)
        sh = spawn_floor(["sh", "-c", "true"], args.tasks)
        print(f"fsync floor: {fsync:.2f} s for {args.tasks} appends "
              f"({fsync / args.tasks * 1000:.2f} ms each; orch makes one per task durable)")
        print(f"spawn floor: bash -e -c true {bash:.2f} s vs sh -c true {sh:.2f} s "
              f"for {args.tasks}")
        return 0 if ok else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
