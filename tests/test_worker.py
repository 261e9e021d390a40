"""``orch worker`` and the command executor, with no Ray at all (docs/distributed.md).

The command executor runs any command that speaks ``orch worker``'s protocol; here it is a
real ``orch worker`` process in a fresh temporary directory, so every lane attempt goes through
the wire format for real: the request and a bundle of the base out, the outcome and a bundle of
the task's commit back, the merge queue integrating the commit and re-running the checks.
"""

from __future__ import annotations

import base64
import json
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import OrchRunner, commit_all, git

WORKER = f"{shlex.quote(sys.executable)} -m orch worker"


def _plan(repo: Path, count: int, run: str, extra_config: str = "") -> Path:
    tasks = "".join(
        f"- [ ] T00{n} [P] Write out/T00{n}.txt\n  - verify: `grep -q T00{n} out/T00{n}.txt`\n\n"
        f"  ```bash\n  mkdir -p out && echo T00{n} > out/T00{n}.txt\n  ```\n\n"
        for n in range(1, count + 1))
    (repo / "plan.md").write_text(f"# Remote\n\n## Phase 1: Work\n\n{tasks}")
    config = repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"gate: none\nexecutor:\n  kind: command\n  run: {json.dumps(run)}\n"
                      + extra_config)
    commit_all(repo, "plan")
    return repo


def _events(repo: Path) -> list[dict[str, object]]:
    (run,) = list((repo / ".specify" / "orch" / "runs").iterdir())
    return [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]


def test_the_command_executor_completes_a_plan_through_orch_worker(
        git_repo: Path, orch: OrchRunner) -> None:
    repo = _plan(git_repo, 4, f"bash -c 'cd $(mktemp -d) && {WORKER}'")
    out = orch("run", "plan.md", "--yes", "--jobs", "2", cwd=repo, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    status = json.loads(orch("status", "--json", cwd=repo).stdout)
    assert [(t["id"], t["status"], t["verified"]) for t in status["tasks"]] == [
        (f"T00{n}", "done", True) for n in range(1, 5)]
    events = _events(repo)
    integrated = [e["task"] for e in events if e["type"] == "task_integrated"]
    assert sorted(integrated) == ["T001", "T002", "T003", "T004"]
    assert sum(e["type"] == "attempt_dispatched" for e in events) == 4
    assert sum(e["type"] == "worktree_created" for e in events) == 0
    assert git(repo, "worktree", "list").strip().count("\n") == 0
    for n in range(1, 5):
        assert (repo / "out" / f"T00{n}.txt").read_text() == f"T00{n}\n"
    assert "remote attempt on" in orch("log", "T001", cwd=repo).stdout


def test_a_request_round_trips_through_stdin_and_stdout(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    # one capture per task: the two attempts run at once ({task} is the command's placeholder)
    captured = tmp_path / "request-T001.json"
    repo = _plan(git_repo, 1, f"tee {tmp_path}/request-{{task}}.json | {WORKER}")
    (repo / "plan.md").write_text((repo / "plan.md").read_text() + "\n- [ ] T009 [P] Other\n\n"
                                  "  ```bash\n  echo x > x.txt\n  ```\n")
    commit_all(repo, "two tasks")
    assert orch("run", "plan.md", "--yes", "--jobs", "2", cwd=repo,
                timeout=600).returncode == 0
    message = json.loads(captured.read_text())
    assert message["orch_worker"] == 1 and message["request"]["version"] == 1
    # again, by hand: the same request gives a reply with the task's commit in a bundle
    done = subprocess.run([sys.executable, "-m", "orch", "worker", "--input", str(captured)],
                          capture_output=True, cwd=tmp_path, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert reply["orch_worker"] == 1 and reply["commit"]
    assert reply["outcome"]["check"]["ok"] is True
    assert base64.b64decode(reply["bundle"])[:20].startswith(b"# v")  # a git bundle
    assert "orch verification" in reply["log"] or reply["log"]


def test_bad_input_is_one_error_line_and_exit_2(git_repo: Path, orch: OrchRunner,
                                                tmp_path: Path) -> None:
    # one capture per task: the two attempts run at once ({task} is the command's placeholder)
    captured = tmp_path / "request-T001.json"
    repo = _plan(git_repo, 1, f"tee {tmp_path}/request-{{task}}.json | {WORKER}")
    (repo / "plan.md").write_text((repo / "plan.md").read_text() + "\n- [ ] T009 [P] Other\n\n"
                                  "  ```bash\n  echo x > x.txt\n  ```\n")
    commit_all(repo, "two tasks")
    orch("run", "plan.md", "--yes", "--jobs", "2", cwd=repo, timeout=600)
    message = json.loads(captured.read_text())
    truncated = dict(message, bundle=base64.b64encode(
        base64.b64decode(message["bundle"])[:200]).decode())
    cases = {
        "truncated bundle": json.dumps(truncated),
        "cut short": captured.read_text()[:500],
        "another version": json.dumps(dict(message, orch_worker=99)),
        "empty": "",
    }
    for name, text in cases.items():
        done = subprocess.run([sys.executable, "-m", "orch", "worker"], input=text.encode(),
                              capture_output=True, cwd=tmp_path, timeout=120, check=False)
        lines = [line for line in done.stderr.decode().splitlines() if line.strip()]
        assert done.returncode == 2, (name, done.stderr)
        assert lines[0].startswith("error: orch worker:"), (name, lines)
        assert len(lines) <= 2 and done.stdout == b"", (name, lines)


def test_a_failing_worker_is_the_attempt_s_failure_with_its_reason(
        git_repo: Path, orch: OrchRunner) -> None:
    repo = _plan(git_repo, 2, "echo 'worker: no claude on this node' >&2; exit 7")
    out = orch("run", "plan.md", "--yes", "--jobs", "2", cwd=repo, timeout=600)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "internal error" not in out.stderr
    status = json.loads(orch("status", "--json", cwd=repo).stdout)
    errors = [t["error"] or "" for t in status["tasks"] if t["status"] == "failed"]
    assert errors and "exit 7: worker: no claude on this node" in errors[0], status["tasks"]


def test_an_unknown_executor_kind_is_a_config_error(git_repo: Path, orch: OrchRunner) -> None:
    repo = _plan(git_repo, 2, "true")
    out = orch("run", "plan.md", "--yes", "--jobs", "2", "--executor", "nomad", cwd=repo)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "executor 'nomad' is not known" in out.stderr


def test_bundles_are_made_safely_from_several_lanes_at_once(git_repo: Path) -> None:
    """Lanes bundle their base at the same moment: each must get its bundle (one shared temp
    ref once made `update-ref` fail under a lock and hung the run)."""
    from concurrent.futures import ThreadPoolExecutor

    from orch.vcs.bundle import BASE_REF, checkout_bundle, create_bundle

    head = git(git_repo, "rev-parse", "HEAD").strip()
    with ThreadPoolExecutor(8) as pool:
        bundles = list(pool.map(lambda _: create_bundle(git_repo, head, ref=BASE_REF), range(16)))
    assert all(bundles)
    for number, bundle in enumerate(bundles[:3]):
        assert checkout_bundle(bundle, git_repo.parent / f"out{number}") == head
    assert git(git_repo, "for-each-ref", "refs/orch").strip() == ""


def test_ctrl_c_stops_remote_attempts_and_their_worker_processes(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    """Ctrl-C during remote attempts: the run exits 130 at once, each worker command's process
    group is stopped (its pid is gone), and `orch resume` then finishes the run."""
    import os
    import signal
    import time

    from conftest import start_orch, wait_for_file

    marks = tmp_path / "marks"
    marks.mkdir()
    hang = f"echo $$ > {marks}/{{task}}.pid; exec sleep 120"
    repo = _plan(git_repo, 2, hang)
    run = start_orch("run", "plan.md", "--yes", "--jobs", "2", cwd=repo)
    for task in ("T001", "T002"):
        wait_for_file(marks / f"{task}.pid", run)
    time.sleep(0.5)
    pids = [int((marks / f"{t}.pid").read_text()) for t in ("T001", "T002")]
    run.send_signal(signal.SIGINT)
    assert run.wait(timeout=30) == 130
    time.sleep(0.5)
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        raise AssertionError(f"worker process {pid} outlived the interrupted run")
    config = repo / ".specify" / "orch" / "config.yaml"
    config.write_text(config.read_text().replace(
        json.dumps(hang), json.dumps(f"bash -c 'cd $(mktemp -d) && {WORKER}'")))
    resumed = orch("resume", "--yes", cwd=repo, timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr


def test_the_cost_cap_holds_across_remote_attempts(
        git_repo: Path, orch: OrchRunner, anthropic_server: object) -> None:
    """One budget: four anthropic `[P]` tasks run by remote workers (the scripted Messages API
    reached from the worker's own environment), two at a time, under a $0.05 cap that pays for
    two of their calls ($0.0195 each). Each attempt holds its share of the cap while it runs,
    so together they never pass it: the run stops budget_exceeded, the cap unpassed."""
    from fakes.anthropic_server import FakeAnthropic, text

    assert isinstance(anthropic_server, FakeAnthropic)
    anthropic_server.default = text("nothing to change", input_tokens=1000, output_tokens=1100)
    tasks = "".join(f"- [ ] T00{n} [P] Look around {n}\n  - agent: anthropic\n"
                    f"  - verify: `true`\n\n" for n in range(1, 5))
    (git_repo / "plan.md").write_text(f"# Remote\n\n## Phase 1: Work\n\n{tasks}")
    config = git_repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    run = "bash -c " + shlex.quote(f"cd $(mktemp -d) && {WORKER}")
    config.write_text(f"gate: none\nexecutor:\n  kind: command\n  run: {json.dumps(run)}\n")
    commit_all(git_repo, "plan")
    env = {"ANTHROPIC_API_KEY": "sk-ant-api03-test-0123456789", "ORCH_RETRY_BASE_DELAY": "0.01",
           "ANTHROPIC_BASE_URL": anthropic_server.url}
    out = orch("run", "plan.md", "--jobs", "2", "--max-cost", "0.05", "--yes", cwd=git_repo,
               env=env, timeout=600)
    assert out.returncode == 3, out.stdout + out.stderr
    status = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    assert 0 < status["cost_usd"] <= 0.05
    assert len(anthropic_server.requests) <= 2
    assert any(t["status"] == "budget_exceeded" for t in status["tasks"]), status["tasks"]
    assert sum(e["type"] == "attempt_dispatched" for e in _events(git_repo)) >= 2
