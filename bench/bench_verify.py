"""orch's verification overhead, and how many real spec-kit tasks get a check.

1. Overhead: a 100-task plan of shell tasks, each writing the file its title names, in a git
   repository, run three ways: titles naming no file and `gate: none` (no check at all), the
   same with file-naming titles (derived file checks: two working-tree snapshots per task), and
   with `gate: auto` (`tests: "true"`, one gate per phase). Prints ms per task over the
   no-check run.
2. Coverage: over every plan in ../shared/corpus/speckit/, the share of tasks that get at
   least one check with no edit to the plan (their `verify:` lines or derived file checks; the
   auto gate is left out, since it depends on the project).

Run: python bench/bench_verify.py [--tasks 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import median, time_command

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "speckit"


def plan(tasks: int, *, name_files: bool) -> str:
    lines = ["# Verify overhead", ""]
    for phase in range(1, 6):
        lines += [f"## Phase {phase}: Part {phase}", ""]
        for number in range((phase - 1) * tasks // 5 + 1, phase * tasks // 5 + 1):
            title = f"Create out/f{number:04d}.txt" if name_files else f"Step {number}"
            lines += [f"- [ ] T{number:04d} {title}", "  ```sh",
                      f"  mkdir -p out && echo {number} > out/f{number:04d}.txt", "  ```"]
        lines.append("")
    return "\n".join(lines)


def make_project(root: Path, text: str, config: str, *, with_git: bool = True) -> None:
    root.mkdir(parents=True)
    if not with_git:
        (root / ".specify" / "orch").mkdir(parents=True)
        (root / ".specify" / "orch" / "config.yaml").write_text(config)
        (root / "plan.md").write_text(text)
        return
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    (root / ".specify" / "orch").mkdir(parents=True)
    (root / ".specify" / "orch" / "config.yaml").write_text(config)
    (root / "plan.md").write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "p"],
                   cwd=root, check=True)


def overhead(tasks: int, repeat: int) -> None:
    cases = {
        "no git, no check (nothing measured)": (False, "gate: none\ncommit: none\n"),
        "no check (gate: none, no file named)": (False, "gate: none\ncommit: none\n"),
        "derived file checks (gate: none)": (True, "gate: none\ncommit: none\n"),
        "file checks + auto gate (tests: true)": (True, "tests: 'true'\ncommit: none\n"),
    }
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="orch-bench-verify-") as tmp:
        for index, (label, (named, config)) in enumerate(cases.items()):
            project = Path(tmp) / f"p{index}"
            text = plan(tasks, name_files=named)
            make_project(project, text, config, with_git=index > 0)

            def reset(project: Path = project, text: str = text) -> None:
                shutil.rmtree(project / "out", ignore_errors=True)
                (project / "plan.md").write_text(text)

            times = time_command([sys.executable, "-m", "orch", "run", "plan.md",
                                  "--allow-dirty"], cwd=project, repeat=repeat, setup=reset)
            results[label] = median(times)
    base = next(iter(results.values()))
    for label, seconds in results.items():
        extra = (seconds - base) / tasks * 1000
        print(f"{label}: {seconds:.2f} s for {tasks} tasks; {extra:+.1f} ms per task "
              f"over the first")


def measurement_cost(files: int, repeat: int = 20) -> None:
    """In process: what measuring one task costs (two snapshots and their diff) in a git
    repository of ``files`` files, against one `git status` of it."""
    import time

    from orch.vcs.snapshot import WorkTree

    with tempfile.TemporaryDirectory(prefix="orch-bench-snap-") as tmp:
        root = Path(tmp) / "project"
        make_project(root, "# x\n", "")
        for number in range(files):
            (root / f"src{number % 50}").mkdir(exist_ok=True)
            (root / f"src{number % 50}" / f"f{number}.py").write_text(f"x = {number}\n")
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
        subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm",
                        "files"], cwd=root, check=True)
        tree = WorkTree.open(root)
        assert tree is not None
        measured, status = [], []
        for number in range(repeat):
            started = time.perf_counter()
            before = tree.snapshot()
            (root / "src0" / f"new{number}.py").write_text("y = 1\n")
            after = tree.snapshot()
            assert before and after
            tree.diff(before, after)
            measured.append(time.perf_counter() - started)
            started = time.perf_counter()
            subprocess.run(["git", "status", "--porcelain"], cwd=root, check=True,
                           capture_output=True)
            status.append(time.perf_counter() - started)
        print(f"measuring one task in a {files:,}-file repository: "
              f"{median(measured) * 1000:.1f} ms (two snapshots + diff) vs one `git status` "
              f"{median(status) * 1000:.1f} ms")


def coverage() -> None:
    from orch.planfile import load_plan
    from orch.runner.derived import derive_file_checks

    total = checked = 0
    for path in sorted(CORPUS.glob("*")):
        result = load_plan(path)
        tasks = result.plan.tasks()
        mine = sum(1 for t in tasks if t.verify or derive_file_checks(t))
        print(f"  {path.name}: {mine}/{len(tasks)}")
        total += len(tasks)
        checked += mine
    share = checked / total if total else 0.0
    print(f"corpus/speckit: {checked}/{total} tasks get >= 1 check = {share:.1%} (goal >= 80%)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if CORPUS.is_dir():
        coverage()
    measurement_cost(1_000)
    measurement_cost(10_000)
    overhead(args.tasks, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
