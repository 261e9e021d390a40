"""Lane attempts on a local Ray cluster against local worktrees, side by side in one run.

1. 12 `[P]` shell tasks of 2 s (``sleep 2`` and write their file) with ``--jobs 6``: on a
   3-node Ray cluster (a head and two workers of 3 CPUs, on 127.0.0.1) against local git
   worktrees. Prints both wall times, the ratio, and the per-task overhead of remote execution
   (dispatch, bundle, worker checkout, fetch, integrate) against the local lanes.
2. How a remote attempt grows with the repository: the size and time of the base bundle and of
   one worker round trip (``orch worker``, no Ray) at 1,000 and 10,000 files.

It re-executes itself in a private network and PID namespace (``unshare``), as the tests do, so
Ray binds to loopback only and every process it starts ends with it.

Run: python bench/bench_distributed.py [--tasks 12] [--jobs 6]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


def _repo(root: Path, name: str, tasks: int, files: int = 0) -> Path:
    repo = root / name
    (repo / "src").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    for n in range(files):
        (repo / "src" / f"f{n:05d}.txt").write_text(f"file {n}\n" * 4)
    body = "".join(
        f"- [ ] T{n:03d} [P] Write out/T{n:03d}.txt\n  - verify: `test -s out/T{n:03d}.txt`\n\n"
        f"  ```bash\n  sleep 2; mkdir -p out; echo {n} > out/T{n:03d}.txt\n  ```\n\n"
        for n in range(1, tasks + 1))
    (repo / "plan.md").write_text(f"# Bench\n\n## Phase 1: Work\n\n{body}")
    cfg = repo / ".specify" / "orch" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("gate: none\ncommit: phase\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    return repo


def _orch(repo: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "orch", *args], cwd=repo, capture_output=True,
                          text=True, env={**os.environ, **GIT_ENV}, timeout=1800, check=False)
    if done.returncode != 0:
        raise SystemExit(f"orch {' '.join(args)} failed: {done.stderr[-1500:]}")
    return time.perf_counter() - started


def _bundle_growth(root: Path) -> list[str]:
    from orch.vcs.bundle import BASE_REF, create_bundle

    lines = []
    for files in (1000, 10000):
        repo = _repo(root, f"size{files}", 1, files)
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                              text=True, check=True).stdout.strip()
        started = time.perf_counter()
        bundle = create_bundle(repo, head, ref=BASE_REF)
        made = time.perf_counter() - started
        capture = root / f"req{files}"
        run = f"tee {capture}.{{task}}.json | {sys.executable} -m orch worker"
        (repo / ".specify" / "orch" / "config.yaml").write_text(
            f"gate: none\nexecutor: {{kind: command, run: {json.dumps(run)}}}\n")
        plan = repo / "plan.md"
        plan.write_text(plan.read_text() + "- [ ] T999 [P] Other\n\n  ```bash\n  true\n  ```\n")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", "two tasks")
        _orch(repo, "run", "plan.md", "--yes", "--jobs", "2")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "orch", "worker", "--input",
                        f"{capture}.T001.json"],
                       capture_output=True, check=True, cwd=root)
        round_trip = time.perf_counter() - started
        lines.append(f"  {files:>6} files: base bundle {len(bundle) / 1024:8.1f} KiB in "
                     f"{made:5.2f} s; one `orch worker` round trip {round_trip:5.2f} s")
    return lines


def inside(tasks: int, jobs: int) -> None:
    from ray_cluster import Cluster

    root = Path(tempfile.mkdtemp(prefix="orch-bench-dist-"))
    cluster = Cluster(root)
    try:
        cluster.start([{"w1": 1}, {"w2": 1}], cpus=3)
        local = _repo(root, "local", tasks)
        remote = _repo(root, "remote", tasks)
        local_s = _orch(local, "run", "plan.md", "--yes", "--jobs", str(jobs))
        remote_s = _orch(remote, "run", "plan.md", "--yes", "--jobs", str(jobs),
                         "--executor", "ray", "--ray-address", cluster.address)
        waves = -(-tasks // jobs)
        print(f"{tasks} [P] tasks of 2 s, --jobs {jobs} ({waves} waves); "
              f"load {os.getloadavg()[0]:.2f}")
        print(f"  local worktrees        {local_s:7.2f} s")
        print(f"  Ray, 2 worker nodes    {remote_s:7.2f} s   ratio {remote_s / local_s:.2f}x")
        print(f"  remote overhead per task: {(remote_s - local_s) / tasks:+.2f} s "
              f"(dispatch, bundle, worker checkout, fetch; integration is the same)")
        print("Growth with the repository (no Ray):")
        for line in _bundle_growth(root):
            print(line)
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=6)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside(args.tasks, args.jobs)
        return
    from ray_cluster import UNSHARE, namespace_problem

    problem = namespace_problem()
    if problem is not None:
        raise SystemExit(f"cannot run: {problem}")
    subprocess.run([*UNSHARE, sys.executable, __file__, "--inside", "--tasks", str(args.tasks),
                    "--jobs", str(args.jobs)], check=True,
                   env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"})


if __name__ == "__main__":
    main()
