"""Benchmark `orch validate` on generated 1,000- and 10,000-task plans.

Prints the median wall time of `orch validate --json` as a subprocess (5 runs each), the
in-process parse + check + order time, and the 10k/1k ratio. Targets (issue 2): 10,000 tasks
validate in <= 1.5 s wall; 10,000 vs 1,000 tasks <= 12x.

    python bench/bench_validate.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHASES = 10


def generate_plan(tasks: int, phases: int = PHASES) -> str:
    """A native orch plan: ``phases`` phases with gates, tasks with markers, deps and metadata."""
    per_phase = tasks // phases
    lines = [f"# Generated plan with {tasks} tasks", ""]
    number = 0
    for phase in range(1, phases + 1):
        lines += [f"## Phase {phase}: Generated phase {phase}", "", f"**Gate**: `true {phase}`", ""]
        first = number + 1
        for index in range(per_phase):
            number += 1
            marker = " [P]" if index % 3 == 0 else ""
            deps = ""
            if index >= 2 and index % 4 == 0:
                deps = f" (depends on T{number - 1:05d}, T{first:05d}-T{first + 1:05d})"
            mark = "X" if phase == 1 else " "
            lines.append(f"- [{mark}] T{number:05d}{marker} [US{phase}] Task {number} title{deps}")
            if index % 10 == 0:
                lines.append(f"  - verify: `test -n {number}`")
                lines.append(f"  - files: src/mod{number}.py, tests/test_mod{number}.py")
                lines.append("  - timeout: 5m")
        lines.append("")
    return "\n".join(lines)


def time_subprocess(plan: Path, runs: int) -> float:
    """Median wall seconds of ``orch validate --json PLAN``."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "orch", "validate", "--json", str(plan)],
            capture_output=True,
            text=True,
            check=False,
        )
        samples.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"orch validate failed ({done.returncode}): {done.stderr[-500:]}")
    return statistics.median(samples)


def time_in_process(text: str, runs: int) -> float:
    """Median seconds of parse_plan + check_plan + execution_order in this process."""
    from orch.domain.graph import check_plan, execution_order
    from orch.parsing.markdown import parse_plan

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = parse_plan(text)
        check_plan(result.plan)
        execution_order(result.plan)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    figures: dict[int, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in (1_000, 10_000):
            text = generate_plan(size)
            plan = Path(folder) / f"plan-{size}.md"
            plan.write_text(text, encoding="utf-8")
            wall = time_subprocess(plan, args.runs)
            parse = time_in_process(text, args.runs)
            figures[size] = (wall, parse)
            print(
                f"{size:>6} tasks: orch validate {wall:.3f} s wall (median of {args.runs}), "
                f"in-process parse+check+order {parse:.3f} s"
            )
    wall_ratio = figures[10_000][0] / figures[1_000][0]
    parse_ratio = figures[10_000][1] / figures[1_000][1]
    print(f"10k/1k ratio: wall {wall_ratio:.1f}x, in-process {parse_ratio:.1f}x")
    ok = figures[10_000][0] <= 1.5 and wall_ratio <= 12
    print("targets (10k <= 1.5 s, ratio <= 12x):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
