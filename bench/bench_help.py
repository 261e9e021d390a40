"""`orch --help` start-up against `python -c "import typer"` (target: median <= 1.5x).

Run: python bench/bench_help.py
"""

from __future__ import annotations

import shutil
import sys

from _common import median, report, time_command


def main() -> int:
    orch = shutil.which("orch") or sys.exit("orch is not installed (pip install -e .)")
    repeat = 15
    ours = median(time_command([orch, "--help"], repeat=repeat))
    peer = median(time_command([sys.executable, "-c", "import typer"], repeat=repeat))
    return 0 if report("orch --help", ours, "import typer", peer, 1.5) else 1


if __name__ == "__main__":
    raise SystemExit(main())
