"""`orch validate` against `orch --help`, run side by side: a real 255-task plan, 1k and 10k tasks.

The 255-task plan is put together at run time from ../shared/corpus (spec-kit file 17, 174 tasks,
plus file 14, 80 tasks, renumbered T5xx); nothing of the corpus is copied into the repository.
Each round runs every command once, in turn, so a busy machine slows all of them alike; the
medians are printed with their ratios. Targets (issue 10): the 255-task plan <= 2x `orch --help`;
10,000 tasks <= 1.0 s; 10,000 vs 1,000 tasks <= 12x. Also prints the in-process time of both
tokenizers (markdown-it-pyrs, the fast path, and markdown-it-py, the fallback), and a one-task
plan's validate: the floor of start-up cost (typer, pydantic) that no parser change can lower.

    python bench/bench_validate.py [--rounds 7] [--compare-src DIR]

``--compare-src DIR`` also runs the orch package in another ``src/`` directory (for example
``git archive <commit> src | tar -x -C /tmp/old``) in the same rounds, each of its commands
right after this tree's, and prints its medians beside them ("before"). On a busy machine
the ratio of the fastest runs ("best runs") is the steadier figure; the medians are the target.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHASES = 10
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "speckit"


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


def real_plan() -> str | None:
    """About 255 tasks of real spec-kit text, or ``None`` without the corpus."""
    try:
        first = next(CORPUS.glob("17_*.md")).read_text(encoding="utf-8")
        second = next(CORPUS.glob("14_*.md")).read_text(encoding="utf-8")
    except (StopIteration, OSError):
        return None
    renumbered = re.sub(r"\bT(\d{3})", lambda m: f"T{int(m.group(1)) + 500:03d}", second)
    return f"{first}\n\n{renumbered}"


def run_once(argv: list[str], src: Path | None = None) -> float:
    # Let Python cache bytecode (some machines set PYTHONDONTWRITEBYTECODE), as a user's has.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 2) or "Traceback" in done.stderr:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-500:]}")
    return elapsed


def tokenizers(text: str) -> tuple[float, float]:
    """In-process seconds of walking ``text`` with markdown-it-pyrs and with markdown-it-py."""
    from orch.parsing.blocks import walk_reference
    from orch.parsing.fastblocks import walk_fast

    walk_fast(text)
    start = time.perf_counter()
    fast = walk_fast(text)
    middle = time.perf_counter()
    reference = walk_reference(text)
    end = time.perf_counter()
    if fast is not None and fast != reference:
        print("warning: the two tokenizers disagree on the generated plan")
    return middle - start, end - middle


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--compare-src", type=Path, help="also run the orch package in this "
                        "src/ directory (PYTHONPATH), side by side")
    args = parser.parse_args()
    orch = [sys.executable, "-m", "orch"]
    with tempfile.TemporaryDirectory() as folder:
        plans: dict[str, Path] = {}
        # A one-task plan shows the floor: what any `validate` costs before parsing anything.
        texts = {"1 task": "# One task\n\n## Phase 1: A\n\n- [ ] T001 Task\n"}
        texts["1k"] = generate_plan(1_000)
        texts["10k"] = generate_plan(10_000)
        real = real_plan()
        if real is not None:
            texts["real 255"] = real
        for name, text in texts.items():
            plans[name] = Path(folder) / f"{name.replace(' ', '-')}.md"
            plans[name].write_text(text, encoding="utf-8")
        commands = {"orch --help": [*orch, "--help"]}
        commands |= {f"validate {name}": [*orch, "validate", str(p)] for name, p in plans.items()}
        samples: dict[str, list[float]] = {name: [] for name in commands}
        before: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(args.rounds + 1):
            for name, argv in commands.items():
                elapsed = run_once(argv)
                if round_number:  # the first round warms caches
                    samples[name].append(elapsed)
                if args.compare_src:
                    elapsed = run_once(argv, args.compare_src)
                    if round_number:
                        before[name].append(elapsed)
        medians = {name: statistics.median(values) for name, values in samples.items()}
        fast, reference = tokenizers(texts["10k"])
    help_time = medians["orch --help"]
    for name, value in medians.items():
        least = min(samples[name]) / min(samples["orch --help"])
        line = f"{name:>18}: {value:.3f} s (median of {args.rounds}), "
        line += f"{value / help_time:.2f}x --help (best runs: {least:.2f}x)"
        if args.compare_src:
            old = statistics.median(before[name])
            old_help = statistics.median(before["orch --help"])
            old_least = min(before[name]) / min(before["orch --help"])
            line += (f"; before {old:.3f} s, {old / old_help:.2f}x its --help "
                     f"(best runs: {old_least:.2f}x)")
        print(line)
    print(
        f"10k tokenizing in-process: markdown-it-pyrs {fast:.3f} s, "
        f"markdown-it-py {reference:.3f} s"
    )
    checks = [
        ("10k <= 1.0 s", medians["validate 10k"] <= 1.0),
        ("10k/1k <= 12x", medians["validate 10k"] / medians["validate 1k"] <= 12),
    ]
    if "validate real 255" in medians:
        checks.append(("real 255 <= 2x --help", medians["validate real 255"] <= 2 * help_time))
    print(f"10k/1k ratio: {medians['validate 10k'] / medians['validate 1k']:.1f}x")
    print("targets:", ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in checks))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
