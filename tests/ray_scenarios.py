"""Scenarios of the Ray executor, run by ``tests/test_ray_executor.py`` inside a private network
and PID namespace (``ray_cluster.run_in_namespace``): one real local cluster (a head and two
worker nodes on 127.0.0.1), real ``orch`` processes, real git repositories. Prints one line
``RESULT {json}`` with what each scenario observed; the test asserts on it.

Usage (inside the namespace): ray_scenarios.py all WORKDIR '{}'
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ray_cluster import Cluster  # noqa: E402

NODE_NAMES: dict[str, str] = {}
"""Ray node id -> ``a`` / ``b``, from the resource each worker node declares."""
GIT_ENV = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def project(root: Path, name: str, tasks: list[str], config: str = "") -> Path:
    """A git repository with one phase of ``tasks`` (markdown task blocks) and ``config``."""
    repo = root / name
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "plan.md").write_text("# Remote\n\n## Phase 1: Work\n\n" + "\n".join(tasks))
    cfg = repo / ".specify" / "orch" / "config.yaml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("gate: none\n" + config)
    (repo / ".gitignore").write_text("")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "plan")
    return repo


def shell_task(number: int, script: str, extra: str = "") -> str:
    tid = f"T{number:03d}"
    body = script.replace("{id}", tid)
    return (f"- [ ] {tid} [P] Write out/{tid}.txt\n{extra}"
            f"  - verify: `test -s out/{tid}.txt`\n\n  ```bash\n  {body}\n  ```\n")


def orch(repo: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orch", *args], cwd=repo, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **GIT_ENV})


def journal(repo: Path) -> list[dict[str, Any]]:
    runs = repo / ".specify" / "orch" / "runs"
    events: list[dict[str, Any]] = []
    for run in sorted(runs.iterdir()):
        events += [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()
                   if line.strip()]
    return events


def status(repo: Path) -> dict[str, Any]:
    out = orch(repo, "status", "--json")
    return dict(json.loads(out.stdout))


def summary(repo: Path, run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    events = journal(repo)
    integrated: dict[str, int] = {}
    for event in events:
        if event["type"] == "task_integrated":
            integrated[event["task"]] = integrated.get(event["task"], 0) + 1
    state = status(repo)
    ran_on: dict[str, list[str]] = {}
    for log in sorted((repo / ".specify" / "orch" / "runs").glob("*/logs/T*.log")):
        found = re.findall(r"--- remote attempt on (\S+) ---", log.read_text())
        ran_on.setdefault(log.stem, []).extend(NODE_NAMES.get(n, n) for n in found)
    return {
        "ran_on": ran_on,
        "code": run.returncode, "stderr": run.stderr[-3000:],
        "tasks": {t["id"]: {"status": t["status"], "verified": t.get("verified")}
                  for t in state["tasks"]},
        "integrated": integrated,
        "files": {p.name: p.read_text() for p in sorted((repo / "out").glob("*.txt"))}
        if (repo / "out").is_dir() else {},
        "worktrees": git(repo, "worktree", "list").strip().splitlines(),
        "notes": [e["data"].get("message", "") for e in events if e["type"] == "note"],
    }


def basic(root: Path, address: str) -> dict[str, Any]:
    tasks = [shell_task(n, 'sleep 1; mkdir -p out; echo {id} > out/{id}.txt')
             for n in range(1, 9)]
    repo = project(root, "basic", tasks)
    run = orch(repo, "run", "plan.md", "--yes", "--executor", "ray", "--ray-address", address,
               "--jobs", "4")
    return summary(repo, run)


def resource(root: Path, address: str) -> dict[str, Any]:
    tasks = [shell_task(n, 'mkdir -p out; echo {id} > out/{id}.txt',
                        "  - agent: special\n") for n in range(1, 4)]
    config = ("agents:\n  special:\n    adapter: shell\n"
              "executor:\n  kind: ray\n  resources:\n    special: {node_b: 1}\n")
    repo = project(root, "resource", tasks, config)
    run = orch(repo, "run", "plan.md", "--yes", "--ray-address", address, "--jobs", "3")
    return summary(repo, run)


def kill9(root: Path, address: str) -> dict[str, Any]:
    tasks = [shell_task(n, 'mkdir -p out; echo line >> out/{id}.txt; sleep 3')
             for n in range(1, 7)]
    repo = project(root, "kill9", tasks)
    args = [sys.executable, "-m", "orch", "run", "plan.md", "--yes", "--executor", "ray",
            "--ray-address", address, "--jobs", "3"]
    child = subprocess.Popen(args, cwd=repo, env={**os.environ, **GIT_ENV},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.5)
        try:
            if any(e["type"] == "task_integrated" for e in journal(repo)):
                break
        except (OSError, ValueError):
            continue
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    resumed = orch(repo, "resume", "--yes", "--executor", "ray", "--ray-address", address,
                   "--jobs", "3")
    return summary(repo, resumed)


def sendback(root: Path, address: str) -> dict[str, Any]:
    """T002 passes on its worker (no shared.txt in its base) but not on the integrated tree,
    where T001 has put shared.txt: the merge queue sends it back to run alone, locally."""
    tasks = [
        "- [ ] T001 [P] Write shared.txt\n  - verify: `test -s shared.txt`\n\n"
        "  ```bash\n  echo one > shared.txt\n  ```\n",
        "- [ ] T002 [P] Write own.txt and a note\n"
        "  - verify: `test -s own.txt && { test ! -e shared.txt || grep -q two shared.txt; }`\n"
        "\n  ```bash\n  if [ -e shared.txt ]; then echo two >> shared.txt; fi; "
        "echo ok > own.txt\n  ```\n",
    ]
    repo = project(root, "sendback", tasks)
    run = orch(repo, "run", "plan.md", "--yes", "--executor", "ray", "--ray-address", address,
               "--jobs", "2")
    result = summary(repo, run)
    events = journal(repo)
    result["integration_failed"] = [e["task"] for e in events
                                    if e["type"] == "integration_failed"]
    result["attempts"] = {t["id"]: t["attempts"] for t in status(repo)["tasks"]}
    result["shared"] = (repo / "shared.txt").read_text()
    return result


def node_loss(root: Path, address: str, cluster: Cluster) -> dict[str, Any]:
    tasks = [shell_task(n, 'mkdir -p out; sleep 6; echo {id} >> out/{id}.txt')
             for n in range(1, 5)]
    repo = project(root, "loss", tasks)
    args = [sys.executable, "-m", "orch", "run", "plan.md", "--yes", "--executor", "ray",
            "--ray-address", address, "--jobs", "4"]
    child = subprocess.Popen(args, cwd=repo, env={**os.environ, **GIT_ENV},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:  # every attempt dispatched, then well under way
        time.sleep(0.5)
        try:
            notes = [e for e in journal(repo) if e["type"] == "note"
                     and "dispatched to" in e["data"].get("message", "")]
        except (OSError, ValueError):
            continue
        if len(notes) >= 4:
            break
    time.sleep(2.5)
    cluster.kill_node(1)
    out, err = child.communicate(timeout=600)
    return summary(repo, subprocess.CompletedProcess(args, child.returncode, out, err))


def ctrl_c(root: Path, address: str) -> dict[str, Any]:
    """SIGINT (Ctrl-C) to orch while three remote attempts sleep: orch exits 130 and no attempt's
    process group is left running on any node; the resume then finishes every task."""
    pids, hold = root / "pids", root / "hold"
    pids.mkdir()
    hold.write_text("")
    tasks = [shell_task(n, f"echo $$ > {pids}/{{id}}; if [ -e {hold} ]; then sleep 120; fi; "
                           "mkdir -p out; echo {id} > out/{id}.txt") for n in range(1, 4)]
    repo = project(root, "ctrlc", tasks)
    args = [sys.executable, "-m", "orch", "run", "plan.md", "--yes", "--executor", "ray",
            "--ray-address", address, "--jobs", "3"]
    child = subprocess.Popen(args, cwd=repo, env={**os.environ, **GIT_ENV},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 180
    while len(list(pids.iterdir())) < 3 and time.monotonic() < deadline:
        time.sleep(0.3)
    started = {p.name: int(p.read_text()) for p in pids.iterdir()}
    child.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    try:
        out, err = child.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
    exited_after = round(time.monotonic() - signalled, 1)
    left: dict[str, bool] = {}
    settle = time.monotonic() + 20  # what Ray stops, it stops asynchronously
    for name, pid in started.items():
        while True:
            try:
                os.killpg(pid, 0)
                alive = True
            except ProcessLookupError:
                alive = False
            if not alive or time.monotonic() > settle:
                left[name] = alive
                break
            time.sleep(0.3)
    hold.unlink()
    resumed = orch(repo, "resume", "--yes", "--executor", "ray", "--ray-address", address,
                   "--jobs", "3")
    result = summary(repo, resumed)
    result.update(interrupted_code=child.returncode, interrupted_stderr=err[-2000:],
                  started=sorted(started), groups_left=left, exited_after_s=exited_after,
                  interrupted_logs={log.stem: log.read_text()[-1500:] for log in sorted(
                      (repo / ".specify" / "orch" / "runs").glob("*/logs/T*.log"))})
    return result


def main() -> None:
    workdir, options = Path(sys.argv[2]), json.loads(sys.argv[3])
    cluster = Cluster(workdir)
    results: dict[str, Any] = {}
    try:
        try:
            cluster.start([{"node_a": 1}, {"node_b": 1}], cpus=2)
        except Exception:  # noqa: BLE001 - reported to the test, which fails on it
            import traceback

            print("RESULT " + json.dumps({"error": traceback.format_exc()}), flush=True)
            return
        import ray

        ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
        for node in Cluster.alive():
            for name in ("a", "b"):
                if f"node_{name}" in node["Resources"]:
                    NODE_NAMES[node["NodeID"]] = name
        ray.shutdown()
        wanted = options.get("scenarios") or ["basic", "resource", "sendback", "kill9",
                                             "ctrl_c", "node_loss"]
        for name in wanted:
            scratch = workdir / name
            scratch.mkdir()
            try:
                if name == "node_loss":
                    results[name] = node_loss(scratch, cluster.address, cluster)
                else:
                    results[name] = globals()[name](scratch, cluster.address)
            except Exception:  # noqa: BLE001 - reported to the test, which fails on it
                import traceback

                results[name] = {"error": traceback.format_exc()}
        # Before the cluster stops: a Ray client left in this process may end it once the
        # head is gone (the namespace ends every process anyway).
        print("RESULT " + json.dumps(results), flush=True)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
