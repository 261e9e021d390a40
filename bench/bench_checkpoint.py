"""Benchmark: an orch phase checkpoint vs a plain ``git add -A && git commit`` (issue 3).

Two identical repositories of FILES files; each round changes the same CHANGED files in both,
then times ``git add -A && git commit`` in one and ``GitCheckpoints.on_phase_end`` in the other.
Prints the median of each and the ratio (target: <= 2.0).

    python bench/bench_checkpoint.py [--files 5000] [--changed 50] [--rounds 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from orch.domain.state import PhaseState, RunState, TaskState
from orch.vcs.checkpoint import GitCheckpoints

ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def make_repo(root: Path, files: int) -> Path:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for number in range(files):
        path = root / f"pkg{number % 50:02d}" / f"module_{number:05d}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"# module {number}\nVALUE = {number}\n" + "x = 1\n" * 20)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def change(repo: Path, files: int, changed: int, round_no: int) -> None:
    step = max(1, files // changed)
    for number in range(0, step * changed, step):
        path = repo / f"pkg{number % 50:02d}" / f"module_{number:05d}.py"
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"ROUND = {round_no}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--changed", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    os.environ.update(ENV)
    with tempfile.TemporaryDirectory() as tmp:
        plain = make_repo(Path(tmp) / "plain", args.files)
        orch = make_repo(Path(tmp) / "orch", args.files)
        hook = GitCheckpoints(orch, commit_mode="phase", warn=lambda _msg: None)
        run = RunState(
            run_id="bench", plan_path="plan.md", plan_sha256="0" * 64, created="", updated=""
        )
        plain_times: list[float] = []
        orch_times: list[float] = []
        for round_no in range(args.rounds):
            change(plain, args.files, args.changed, round_no)
            change(orch, args.files, args.changed, round_no)
            started = time.perf_counter()
            git(plain, "add", "-A")
            git(plain, "commit", "-q", "-m", f"round {round_no}")
            plain_times.append(time.perf_counter() - started)

            task = f"T{round_no:03d}"
            phase = PhaseState(id=str(round_no + 1), title="Bench", tasks=[task])
            run.phases.append(phase)
            run.tasks[task] = TaskState(id=task, phase=phase.id)
            started = time.perf_counter()
            checkpoint = hook.on_phase_end(run, phase)
            orch_times.append(time.perf_counter() - started)
            assert checkpoint is not None
            run.checkpoints.append(checkpoint)
    plain_ms = statistics.median(plain_times) * 1000
    orch_ms = statistics.median(orch_times) * 1000
    print(
        f"repository: {args.files} files, {args.changed} changed per round, "
        f"{args.rounds} rounds (medians)"
    )
    print(f"plain git add -A && git commit : {plain_ms:8.1f} ms")
    print(f"orch checkpoint (on_phase_end)  : {orch_ms:8.1f} ms")
    print(f"ratio                           : {orch_ms / plain_ms:8.2f}x  (target <= 2.0)")


if __name__ == "__main__":
    main()
