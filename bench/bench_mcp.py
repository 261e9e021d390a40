"""`orch mcp` from start to the tool list (target: <= 0.5 s), driven by the SDK's stdio client
as an MCP client would: spawn, ``initialize``, ``tools/list``. Side by side in the same run:
the SDK's own import (``python -c "import mcp.server.mcpserver"``), the floor any server built
on it pays before it can answer, and ``orch --help``.

``--compare-src DIR`` also times the orch package in another source tree (for example
``git archive <commit> src | tar -x -C /tmp/old``, then ``--compare-src /tmp/old/src``), run by
run alternating with this one.

Run: python bench/bench_mcp.py [--repeat 7] [--compare-src DIR]
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

import anyio
from _common import median, time_command
from mcp import Client
from mcp.client.stdio import StdioServerParameters


def tool_list_time(project: Path, src: Path | None = None) -> float:
    """Seconds from spawning `orch mcp` (orch from ``src`` when given) until its tool list
    has arrived."""
    env = dict(os.environ) | ({"PYTHONPATH": str(src)} if src else {})
    params = StdioServerParameters(command=sys.executable, args=["-m", "orch", "mcp", "--plan",
                                   "plan.md"], cwd=str(project), env=env)

    async def main() -> float:
        started = time.perf_counter()
        async with Client(params, cache=None) as client:
            tools = (await client.list_tools()).tools
            elapsed = time.perf_counter() - started
        assert len(tools) >= 8, tools
        return elapsed

    return anyio.run(main)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--compare-src", type=Path, help="also time the orch package found in "
                        "this directory (a src/ tree)")
    args = parser.parse_args()
    project = Path(tempfile.mkdtemp(prefix="orch-bench-mcp-"))
    try:
        (project / "plan.md").write_text("# P\n\n## Phase 1: a\n\n- [ ] T001 one\n")
        subprocess.run(["git", "init", "-q"], cwd=project, check=True)
        orch = shutil.which("orch") or sys.exit("orch is not installed (pip install -e .)")
        tool_list_time(project)  # warm-up
        ours, other, sdk, helps = [], [], [], []
        for _ in range(args.repeat):
            ours.append(tool_list_time(project))
            if args.compare_src:
                other.append(tool_list_time(project, args.compare_src))
            sdk += time_command([sys.executable, "-c", "import mcp.server.mcpserver"], repeat=1,
                                warmup=False)
            helps += time_command([orch, "--help"], repeat=1, warmup=False)
        print(f"orch mcp, start to tool list: {median(ours):.3f} s (runs "
              f"{[round(t, 2) for t in ours]}) target <= 0.5 s "
              f"{'OK' if median(ours) <= 0.5 else 'MISSED'}")
        if other:
            print(f"orch mcp [{args.compare_src}]: {median(other):.3f} s (runs "
                  f"{[round(t, 2) for t in other]}); this tree {median(ours) / median(other):.2f}x")
        print(f"import mcp.server.mcpserver alone: {median(sdk):.3f} s "
              f"({median(ours) / median(sdk):.2f}x of it)")
        print(f"orch --help: {median(helps):.3f} s")
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
        return 0 if median(ours) <= 0.5 else 1
    finally:
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
