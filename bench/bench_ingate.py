"""In-session gates (docs/verification.md), with and without, side by side in one run.

The REAL Claude Code CLI (installed by ``tests/real_clis/install.sh``) against the scripted
Messages API of ``tests/fakes`` on 127.0.0.1. A plan of N one-file tasks in a real git
repository, of which K "stop early": the model ends its first turn without writing the file.
The model's script is the same for both sides; only ``in_session_gate`` differs. With the gate,
the Stop hook catches the early stop inside the session; without it, orch's verification
catches it after the agent returned and pays a whole new attempt (a new session: the prompt
and context again). Printed: orch attempts, model calls, wall time, and the ratios.

Run: python bench/bench_ingate.py [--tasks 10] [--early 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakes.anthropic_server import FakeAnthropic, text, tool  # noqa: E402

MODEL = "claude-sonnet-4-6"
CLAUDE = Path(os.environ.get("ORCH_REAL_CLIS") or Path.home() / ".cache" / "orch-real-clis"
              ) / "npm" / "node_modules" / ".bin" / "claude"
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def _project(root: Path, tasks: int, gate: bool) -> Path:
    project = root / ("gate" if gate else "nogate")
    project.mkdir()
    _git(project, "init", "-q", "-b", "main")
    lines = ["# Gate benchmark", "", "## Phase 1: Files", ""]
    for n in range(1, tasks + 1):
        lines += [f"- [ ] T{n:03d} Create f{n}.txt containing ok",
                  "  - agent: dev", f"  - verify: `grep -q ok f{n}.txt`"]
    (project / "plan.md").write_text("\n".join(lines) + "\n")
    config = project / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(f"agents:\n  dev:\n    adapter: claude-code\n    model: {MODEL}\n"
                      f"gate: none\nretries: 1\nretry_backoff: 0\n"
                      f"in_session_gate: {'true' if gate else 'false'}\n")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "plan")
    return project


def _script(server: FakeAnthropic, project: Path, tasks: int, early: set[int]) -> None:
    for n in range(1, tasks + 1):
        if n in early:
            server.add(text("All done."))
        server.add(tool("Write", {"file_path": str(project / f"f{n}.txt"), "content": "ok\n"}),
                   text(f"Created f{n}.txt."))


def _side(root: Path, tasks: int, early: set[int], gate: bool) -> dict[str, float]:
    project = _project(root, tasks, gate)
    server = FakeAnthropic().start()
    try:
        _script(server, project, tasks, early)
        bin_dir = root / f"bin-{gate}"
        bin_dir.mkdir()
        (bin_dir / "claude").symlink_to(CLAUDE)
        home = root / f"home-{gate}"
        home.mkdir()
        env = {**os.environ, **GIT_ENV, "HOME": str(home), "ANTHROPIC_API_KEY": "sk-ant-fake",
               "ANTHROPIC_BASE_URL": server.url, "NO_PROXY": "127.0.0.1,localhost",
               "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1",
               "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "orch", "run", "plan.md", "--yes"],
                             cwd=project, env=env, capture_output=True, text=True, timeout=1800)
        wall = time.perf_counter() - started
        if run.returncode != 0:
            raise SystemExit(f"run failed ({run.returncode}): {run.stderr[-2000:]}")
        status = json.loads(subprocess.run(
            [sys.executable, "-m", "orch", "status", "--json"], cwd=project, env=env,
            capture_output=True, text=True, check=True).stdout)
        attempts = sum(t["attempts"] for t in status["tasks"])
        calls = sum(1 for r in server.requests if r.get("model") == MODEL)
        return {"attempts": attempts, "calls": calls, "wall_s": wall}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--early", type=int, default=3)
    args = parser.parse_args()
    if not CLAUDE.exists():
        raise SystemExit(f"the real claude is not installed at {CLAUDE}: run "
                         "tests/real_clis/install.sh")
    step = max(args.tasks // max(args.early, 1), 1)
    early = {n for n in range(step, args.tasks + 1, step)}
    early = set(sorted(early)[: args.early])
    print(f"{args.tasks} tasks, {len(early)} stop early ({sorted(early)}); "
          f"load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="orch-bench-gate-") as tmp:
        root = Path(tmp)
        with_gate = _side(root, args.tasks, early, gate=True)
        without = _side(root, args.tasks, early, gate=False)
    for name, side in (("with the gate", with_gate), ("without", without)):
        print(f"  {name:<14} attempts {side['attempts']:>3.0f}   model calls "
              f"{side['calls']:>3.0f}   wall {side['wall_s']:6.1f} s")
    print(f"  ratio (with/without): attempts {with_gate['attempts'] / without['attempts']:.2f}x"
          f", model calls {with_gate['calls'] / without['calls']:.2f}x"
          f", wall {with_gate['wall_s'] / without['wall_s']:.2f}x")


if __name__ == "__main__":
    main()
