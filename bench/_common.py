"""Small helpers shared by the benchmarks: timing subprocesses, medians, printing ratios."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path


def time_command(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    repeat: int = 5,
    env: dict[str, str] | None = None,
    setup: object = None,
    warmup: bool = True,
) -> list[float]:
    """Wall-clock seconds of ``repeat`` runs of ``argv`` (each must exit 0), after one
    uncounted warm-up run unless ``warmup`` is false."""
    times = []
    full_env = {**os.environ, **(env or {})}
    # Let Python cache bytecode (some machines set PYTHONDONTWRITEBYTECODE): an editable
    # install would otherwise recompile orch on every start while the peer's wheel has .pyc.
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    first = 0 if warmup else 1
    for index in range(first, repeat + 1):  # run 0 warms caches and is not counted
        if callable(setup):
            setup()
        started = time.perf_counter()
        result = subprocess.run(
            list(argv),
            cwd=cwd,
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(
                f"{' '.join(argv)} failed ({result.returncode}): {result.stderr[-500:]}"
            )
        if index:
            times.append(elapsed)
    return times


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def report(name: str, ours: float, peer_name: str, peer: float, target: float) -> bool:
    """Print one comparison line; return whether the target ratio is met."""
    ratio = ours / peer if peer else float("inf")
    verdict = "OK" if ratio <= target else "MISSED"
    print(
        f"{name}: orch {ours * 1000:.1f} ms vs {peer_name} {peer * 1000:.1f} ms "
        f"-> ratio {ratio:.2f}x (target <= {target}x) {verdict}"
    )
    return ratio <= target
