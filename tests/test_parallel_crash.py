"""`--jobs` runs killed or interrupted at awkward moments, then resumed (docs/parallel.md).

Each test drives the real ``orch`` in a subprocess on a real repository. Tasks block on a
"go" file outside the repository, so a test can stop orch while every lane is busy.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from conftest import OrchRunner, commit_all, git, make_plan, shell_task
from orch.store.layout import Layout
from orch.store.runs import open_run
from test_parallel import events, orch_branches, worktrees


def blocked_task(task_id: str, go: Path, *, parallel: bool = True) -> str:
    """A task that waits (up to a minute) for ``go`` to exist, then writes its own file."""
    script = f"test -f {go} || sleep 60\necho {task_id} >> {task_id}.txt"
    marker = "[P] " if parallel else ""
    return shell_task(task_id, f"{marker}task {task_id}", script,
                      verify=[f"test -s {task_id}.txt"])


def start(repo: Path, *args: str) -> subprocess.Popen[str]:
    """``orch ARGS`` as the leader of its own process group, as a shell would start it."""
    return subprocess.Popen([sys.executable, "-m", "orch", *args], cwd=repo, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    """Poll until ``condition()``; fail if orch exits first (generous bound, no timing)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "orch never got there"
        time.sleep(0.05)


def busy_lanes(repo: Path, count: int) -> Callable[[], bool]:
    """Whether ``count`` task process groups are running (the lanes' sleeps)."""
    def check() -> bool:
        try:
            journal = events(repo)
        except (FileNotFoundError, IndexError, ValueError):
            return False
        started = {e["data"]["pgid"] for e in journal  # type: ignore[index]
                   if e["type"] == "process_started"}
        ended = {e["data"]["pgid"] for e in journal  # type: ignore[index]
                 if e["type"] == "process_ended"}
        return len(started - ended) >= count
    return check


def last_state(repo: Path) -> str:
    states = [e for e in events(repo) if e["type"] == "run_state"]
    return str(states[-1]["data"]["state"])  # type: ignore[index]


def plan_repo(repo: Path, tasks: list[str]) -> None:
    (repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(repo)


def kill_with_git_lock(repo: Path, go: Path, *, before_run: bool) -> Path:
    """Run two blocked [P] tasks, leave ``.git/packed-refs.lock`` as a killed git would
    (made during the run, or ``before_run`` it), SIGKILL orch's process group."""
    plan_repo(repo, [blocked_task("T001", go), blocked_task("T002", go)])
    proc = start(repo, "run", "plan.md", "--jobs", "2", "--yes")
    wait_for(busy_lanes(repo, 2), proc)
    lock = repo / ".git" / "packed-refs.lock"
    lock.write_text("")
    if before_run:
        taken = (repo / ".specify" / "orch" / "lock").stat().st_mtime
        os.utime(lock, (taken - 60, taken - 60))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    go.write_text("go\n")
    return lock


def test_resume_removes_a_git_lock_the_killed_run_left(git_repo: Path, orch: OrchRunner,
                                                       tmp_path: Path) -> None:
    lock = kill_with_git_lock(git_repo, tmp_path / "go", before_run=False)
    result = orch("resume", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    assert f"removed {lock}" in result.stderr
    assert not lock.exists()
    assert last_state(git_repo) == "completed"
    for task_id in ("T001", "T002"):
        assert (git_repo / f"{task_id}.txt").read_text() == f"{task_id}\n"
    assert len(worktrees(git_repo)) == 1
    assert orch_branches(git_repo) == []


def test_a_git_lock_not_proven_stale_is_one_error_with_a_hint(git_repo: Path,
                                                             orch: OrchRunner,
                                                             tmp_path: Path) -> None:
    # The lock predates the killed run: it may be another git's, so orch leaves it alone.
    lock = kill_with_git_lock(git_repo, tmp_path / "go", before_run=True)
    result = orch("resume", cwd=git_repo)
    assert result.returncode == 3, result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith(("error:", "hint:"))]
    assert [line.split(":")[0] for line in lines] == ["error", "hint"], result.stderr
    assert "packed-refs.lock" in lines[0] and f"delete {lock}" in lines[1]
    assert "Traceback" not in result.stderr
    assert lock.exists()
    lock.unlink()  # the user's remedy: nothing was lost, the run goes on
    result = orch("resume", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    assert (git_repo / "T001.txt").read_text() == "T001\n"
    assert (git_repo / "T002.txt").read_text() == "T002\n"
    assert len(worktrees(git_repo)) == 1
    assert orch_branches(git_repo) == []


def test_a_task_killed_between_failed_and_its_reset_resumes_by_itself(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    go = tmp_path / "go"
    plan_repo(git_repo, [blocked_task("T001", go), blocked_task("T002", go)])
    proc = start(git_repo, "run", "plan.md", "--jobs", "2", "--yes")
    wait_for(busy_lanes(git_repo, 2), proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    # What the journal holds when a kill lands after the merge queue journalled T002's
    # sent-back attempt as failed and before it journalled the reset.
    layout = Layout(git_repo)
    run_id = sorted(layout.runs_dir.iterdir())[-1].name
    recorder = open_run(layout, run_id)
    recorder.record("task_verifying", task="T002", data={"commands": []})
    recorder.record("task_committed", task="T002", data={"commit": "0" * 40})
    recorder.record("task_finished", task="T002", data={
        "status": "failed", "error": "conflict with integrated work in T002.txt",
        "retrying": True})
    recorder.close()
    go.write_text("go\n")
    result = orch("resume", cwd=git_repo)  # no --retry-failed: the user failed nothing
    assert result.returncode == 0, result.stderr + result.stdout
    assert last_state(git_repo) == "completed"
    assert (git_repo / "T002.txt").read_text() == "T002\n"
    assert len(worktrees(git_repo)) == 1


def test_rollback_forgets_the_worktree_fields(git_repo: Path, orch: OrchRunner) -> None:
    # Phase 2's T003 conflicts with T002, is sent back and re-runs alone. After a rollback to
    # phase 1's checkpoint nothing of that is true any more: resume runs T003 in a worktree
    # again, in parallel, as on the first run.
    (git_repo / "line.txt").write_text("original\n")
    phase2 = [shell_task("T002", "[P] task T002", "echo two > line.txt",
                         verify=["grep -q two line.txt"]),
              shell_task("T003", "[P] task T003", "echo three > line.txt",
                         verify=["grep -q three line.txt"])]
    (git_repo / "plan.md").write_text(make_plan([
        ("setup", [shell_task("T001", "setup", "echo 1 > one.txt", verify=["test -f one.txt"])]),
        ("work", phase2)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    assert [e["task"] for e in events(git_repo) if e["type"] == "integration_failed"] == ["T003"]
    checkpoints = json.loads(orch("checkpoints", "--json", cwd=git_repo).stdout)
    first = checkpoints[0] if isinstance(checkpoints, list) else checkpoints["checkpoints"][0]
    result = orch("rollback", str(first["name"]), "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    seen = len(events(git_repo))
    result = orch("resume", "--jobs", "2", "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    after = events(git_repo)[seen:]
    made = [e["task"] for e in after if e["type"] == "worktree_created"]
    assert "T003" in made  # not "alone" any more: it runs in its worktree again
    status = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    assert all(t["status"] == "done" for t in status["tasks"])
    assert (git_repo / "line.txt").read_text() == "three\n"
    assert len(worktrees(git_repo)) == 1


def test_ctrl_c_stops_every_busy_lane_at_once(git_repo: Path, orch: OrchRunner,
                                              tmp_path: Path) -> None:
    go = tmp_path / "go"
    plan_repo(git_repo, [blocked_task(f"T00{n}", go) for n in range(1, 4)])
    proc = start(git_repo, "run", "plan.md", "--jobs", "3", "--yes")
    wait_for(busy_lanes(git_repo, 3), proc)
    os.killpg(proc.pid, signal.SIGINT)
    # The tasks sleep 60 s: exiting within 30 s means orch stopped them, not waited for them.
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert last_state(git_repo) == "interrupted"
    status = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    assert {t["id"]: t["status"] for t in status["tasks"]} == dict.fromkeys(
        ("T001", "T002", "T003"), "pending")
    go.write_text("go\n")
    result = orch("resume", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    for n in range(1, 4):
        assert (git_repo / f"T00{n}.txt").read_text() == f"T00{n}\n"
    assert len(worktrees(git_repo)) == 1
    assert orch_branches(git_repo) == []
    assert git(git_repo, "status", "--porcelain") == ""
