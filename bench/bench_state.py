"""Per-transition state cost must not grow with the plan: recording an event at task 10,000
costs <= 2x recording one at task 100 (journal append + fsync, amortised snapshots included).

Run: python bench/bench_state.py [--tasks 10000]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from orch.domain.state import RunState, TaskState
from orch.store.layout import Layout
from orch.store.runs import SNAPSHOT_EVERY, create_run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="orch-bench-state-"))
    try:
        ids = [f"T{n:05d}" for n in range(1, args.tasks + 1)]
        state = RunState(
            run_id="bench",
            plan_path="plan.md",
            plan_sha256="0" * 64,
            created="t",
            updated="t",
            tasks={i: TaskState(id=i, phase="1", title=f"task {i}") for i in ids},
        )
        recorder = create_run(Layout(root), state)
        per_task: list[float] = []
        for task_id in ids:
            started = time.perf_counter()
            recorder.record("task_started", task=task_id, data={"attempt": 1})
            recorder.record("task_finished", task=task_id, data={"status": "done"})
            per_task.append(time.perf_counter() - started)
        recorder.close()
        window = max(1, SNAPSHOT_EVERY // 2)  # tasks per snapshot period: amortise snapshots

        def around(task_number: int) -> tuple[float, float]:
            start = max(0, min(task_number - window // 2, len(per_task) - window))
            sample = per_task[start : start + window]
            return statistics.median(sample), statistics.fmean(sample)

        med_100, mean_100 = around(100)
        med_end, mean_end = around(args.tasks)
        print(f"state write per task (2 events, fsync each), window of {window} tasks:")
        print(f"  at task 100:    median {med_100 * 1000:.3f} ms, mean {mean_100 * 1000:.3f} ms")
        print(
            f"  at task {args.tasks}: median {med_end * 1000:.3f} ms, mean {mean_end * 1000:.3f} ms"
        )
        ratio_med, ratio_mean = med_end / med_100, mean_end / mean_100
        ok = ratio_mean <= 2.0 and ratio_med <= 2.0
        print(
            f"  ratio: median {ratio_med:.2f}x, mean (incl. snapshots) {ratio_mean:.2f}x "
            f"(target <= 2x) {'OK' if ok else 'MISSED'}"
        )
        return 0 if ok else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
