"""500 no-op shell tasks in 5 phases with durable state, side by side with doit 0.37 running
a 500-task chain of the same no-op action (target: orch <= 1.5x doit's wall time).

Both run in fresh temp directories (not git repositories), same machine, same run, so the
figure is orch's engine and its fsync'd journal against doit's engine, not git.

Run: pip install -e '.[bench]' && python bench/bench_run.py [--tasks 500]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _common import median, report, time_command


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(__file__).resolve().parent / ".work",
        help="where the two projects are created (default: bench/.work, a normal project "
        "directory; some machines' /tmp is far slower at creating files)",
    )
    args = parser.parse_args()
    orch = shutil.which("orch") or sys.exit("orch is not installed (pip install -e .)")
    doit = shutil.which("doit") or sys.exit("doit is not installed (pip install -e '.[bench]')")
    args.dir.mkdir(parents=True, exist_ok=True)
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

        ours = time_command(
            [orch, "-C", ".", "run", "plan.md", "--commit", "none", "--allow-dirty"],
            cwd=orch_dir,
            repeat=args.repeat,
            setup=reset_orch,
            env={"NO_COLOR": "1"},
        )
        peer = time_command([doit, "run"], cwd=doit_dir, repeat=args.repeat, setup=reset_doit)
        print(f"orch runs (s): {[round(t, 2) for t in ours]}")
        print(f"doit runs (s): {[round(t, 2) for t in peer]}")
        ok = report(f"{args.tasks} no-op tasks", median(ours), "doit 0.37", median(peer), 1.5)
        return 0 if ok else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
