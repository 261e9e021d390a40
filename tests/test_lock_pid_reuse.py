"""The lock record names its holder by pid *and* start time: a pid reused by another process
does not make a killed run look `running` (docs/state.md, The lock)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from conftest import OrchRunner, commit_all, make_plan, shell_task, start_orch, wait_for_file
from orch.procgroups import start_time
from orch.store.layout import Layout
from proctrack import PGID_TO, kill_group, read_pgid


def _killed_run(repo: Path) -> None:
    """A run SIGKILLed mid-task: its recorded state stays `running`."""
    plan = make_plan([("Slow", [shell_task("T001", "Sleep", f"{PGID_TO} pgid; touch started; "
                                                         "sleep 30")])])
    (repo / "plan.md").write_text(plan)
    commit_all(repo)
    run = start_orch("run", "plan.md", cwd=repo)
    try:
        wait_for_file(repo / "started", run)
        record = json.loads(Layout(repo).lock.read_text())
        assert record["pid"] == run.pid and record["start"] == start_time(run.pid)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
        if (repo / "pgid").exists():
            kill_group(read_pgid(repo / "pgid"))


def _states(repo: Path, orch: OrchRunner) -> tuple[str, str]:
    status = orch("status", "--json", cwd=repo)
    runs = orch("runs", "--json", cwd=repo)
    assert status.returncode == 0 and runs.returncode == 0, status.stderr + runs.stderr
    return json.loads(status.stdout)["state"], json.loads(runs.stdout)["runs"][-1]["state"]


def test_reused_pid_of_a_killed_run_shows_interrupted(git_repo: Path, orch: OrchRunner) -> None:
    _killed_run(git_repo)
    lock = Layout(git_repo).lock
    me, started = os.getpid(), start_time(os.getpid())
    assert started is not None
    # The dead holder's pid now belongs to a live, unrelated process: this test process.
    lock.write_text(json.dumps({"pid": me, "start": started + 1, "command": "run"}))
    assert _states(git_repo, orch) == ("interrupted", "interrupted")

    resumed = orch("resume", "--yes", "--task-timeout", "1s", cwd=git_repo)
    assert f"took over a stale lock left by pid {me}" in resumed.stderr


def test_live_holder_with_its_start_time_still_shows_running(
    git_repo: Path, orch: OrchRunner
) -> None:
    _killed_run(git_repo)
    lock = Layout(git_repo).lock
    lock.write_text(json.dumps({"pid": os.getpid(), "start": start_time(os.getpid()),
                                "command": "run"}))
    assert _states(git_repo, orch) == ("running", "running")
    # A record from an orch that wrote no start time is judged by the pid alone, as before.
    lock.write_text(json.dumps({"pid": os.getpid(), "command": "run"}))
    assert _states(git_repo, orch) == ("running", "running")
