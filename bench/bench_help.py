"""`orch --help` start-up against `python -c "import typer"` (target: median <= 1.5x).

Run: python bench/bench_help.py [--compare-src DIR]   (DIR: another tree's src/, timed alike)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from _common import median, report, time_command


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare-src", type=Path, help="also time the orch package in this "
                        "src/ directory (PYTHONPATH)")
    args = parser.parse_args()
    orch = shutil.which("orch") or sys.exit("orch is not installed (pip install -e .)")
    repeat = 15
    ours = median(time_command([orch, "--help"], repeat=repeat))
    peer = median(time_command([sys.executable, "-c", "import typer"], repeat=repeat))
    ok = report("orch --help", ours, "import typer", peer, 1.5)
    if args.compare_src:
        old = median(time_command([orch, "--help"], repeat=repeat,
                                  env={"PYTHONPATH": str(args.compare_src)}))
        report(f"orch --help [{args.compare_src}]", old, "import typer", peer, 1.5)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
