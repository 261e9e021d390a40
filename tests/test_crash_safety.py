"""Crash safety: SIGKILL at random moments, SIGINT, and resume without losing or repeating work."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git, make_plan, shell_task, start_orch, wait_for_file
from orch.store.journal import read_journal
from orch.store.layout import Layout
from orch.store.runs import current_run_id, load_run
from proctrack import PGID_TO, kill_group, read_pgid, wait_gone


@pytest.mark.slow
def test_random_sigkills_never_lose_or_repeat_finished_work(git_repo: Path) -> None:
    phases = []
    for phase in range(3):
        tasks = []
        for number in range(1, 11):
            task_id = f"T{phase * 10 + number:03d}"
            tasks.append(
                shell_task(
                    task_id,
                    f"Step {task_id}",
                    f"echo {task_id} >> ran.txt\nsleep 0.2\necho {task_id} > out-{task_id}",
                    verify=[f"test -f out-{task_id}"],
                )
            )
        phases.append((f"Part {phase + 1}", tasks))
    (git_repo / "plan.md").write_text(
        make_plan(phases, gates={1: ["true"], 2: ["true"], 3: ["true"]})
    )
    (git_repo / ".gitignore").write_text("ran.txt\n")
    commit_all(git_repo)
    layout = Layout(git_repo)
    rng = random.Random(20261121)

    process = start_orch("run", "plan.md", cwd=git_repo)
    wait_for_file(layout.current)
    events = layout.events(current_run_id(layout) or "")
    wait_for_file(events)  # `current` is written just before the journal is created
    kills = 0
    while kills < 24:
        if kills % 2:
            # A moment anywhere, start-up included.
            time.sleep(rng.uniform(0.05, 0.5))
        else:
            # A moment inside the run loop: once this process has journaled something.
            size = events.stat().st_size
            deadline = time.monotonic() + 30
            while events.stat().st_size == size and process.poll() is None:
                assert time.monotonic() < deadline, "orch made no progress"
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.25))
        if process.poll() is not None:
            break  # finished before we could kill it: the run is complete
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        process = start_orch("resume", cwd=git_repo)
    process.wait(timeout=120)
    final = subprocess.run(
        [sys.executable, "-m", "orch", "resume"],
        cwd=git_repo,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert final.returncode in (0, 3), final.stderr
    assert kills > 0, "the plan finished before the first kill: nothing was tested"

    run_id = current_run_id(layout)
    assert run_id is not None
    state = load_run(layout, run_id)
    events, torn = read_journal(layout.events(run_id))
    assert not torn
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    json.loads(layout.run_json(run_id).read_text())
    assert state.state.value == "completed"
    ran = Counter((git_repo / "ran.txt").read_text().split())
    for task in state.tasks.values():
        assert task.status.value == "done", task
        count = ran[task.id]
        assert count >= 1
        if task.interrupted_attempts == 0:
            assert count == 1, f"{task.id} ran {count} times without being interrupted"
        else:
            assert count <= 1 + task.interrupted_attempts, task
    log = git(git_repo, "log", "--format=%(trailers:key=Orch-Phase,valueonly)")
    phases_committed = Counter(line.strip() for line in log.splitlines() if line.strip())
    assert phases_committed == Counter({"1": 1, "2": 1, "3": 1})
    assert "- [ ]" not in (git_repo / "plan.md").read_text()


def test_sigint_stops_the_task_group_and_exits_130(git_repo: Path, orch: OrchRunner) -> None:
    script = f"{PGID_TO} pgid\ntouch started\ntest -f fast || sleep 31.25\necho done > t2.txt"
    plan = make_plan(
        [
            (
                "One",
                [
                    shell_task("T001", "Quick", "echo 1 > t1.txt"),
                    shell_task("T002", "Slow", script),
                    shell_task("T003", "After", "echo 3 > t3.txt"),
                ],
            )
        ]
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    process = start_orch("run", "plan.md", cwd=git_repo, output=True)
    wait_for_file(git_repo / "started")
    pgid = read_pgid(git_repo / "pgid")
    try:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=15)
        assert process.returncode == 130
        assert "orch resume" in err
        assert wait_gone(pgid) == [], "the task's process group outlived the interrupt"
    finally:
        kill_group(pgid)
    doc = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    assert doc["state"] == "interrupted"
    assert {t["id"]: t["status"] for t in doc["tasks"]} == {
        "T001": "done",
        "T002": "pending",
        "T003": "pending",
    }
    (git_repo / "fast").write_text("")
    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stderr
    assert (git_repo / "t3.txt").exists()
    assert os.path.exists(git_repo / "t2.txt")


def test_task_killed_mid_run_is_rerun_and_its_log_says_so(git_repo: Path, orch: OrchRunner) -> None:
    script = f"echo run >> runs.txt\n{PGID_TO} pgid\ntouch started\ntest -f fast || sleep 30.75"
    plan = make_plan([("One", [shell_task("T001", "Slow", script)])])
    (git_repo / "plan.md").write_text(plan)
    (git_repo / ".gitignore").write_text("runs.txt\nstarted\nfast\npgid\n")
    commit_all(git_repo)
    process = start_orch("run", "plan.md", cwd=git_repo)
    wait_for_file(git_repo / "started")
    process.send_signal(signal.SIGKILL)
    process.wait()
    kill_group(read_pgid(git_repo / "pgid"))  # orch died with SIGKILL: its task did not
    layout = Layout(git_repo)
    state = load_run(layout, current_run_id(layout) or "")
    assert state.tasks["T001"].status.value == "running"  # the journal knew it had started

    (git_repo / "fast").write_text("")
    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stderr
    assert (git_repo / "runs.txt").read_text() == "run\nrun\n"
    log = orch("log", "T001", cwd=git_repo).stdout
    assert "previous attempt was interrupted" in log
    doc = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    assert doc["tasks"][0]["status"] == "done"
    assert doc["tasks"][0]["attempts"] == 2


def test_sigint_stops_a_task_that_never_stops_printing(git_repo: Path) -> None:
    """Output arriving more often than the pump's poll must not hide the interrupt from it: a
    task that ignores the SIGTERM orch sends its group still gets the SIGKILL after the grace."""
    script = (f"{PGID_TO} pgid\ntrap '' TERM\ntouch started\n"
              "while :; do echo still going; sleep 0.05; done")
    (git_repo / "plan.md").write_text(make_plan([("One", [shell_task("T001", "Chatty", script)])]))
    (git_repo / ".gitignore").write_text("started\npgid\n")
    commit_all(git_repo)
    process = start_orch("run", "plan.md", cwd=git_repo)
    wait_for_file(git_repo / "started")
    pgid = read_pgid(git_repo / "pgid")
    try:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
        assert process.returncode == 130, err
        assert wait_gone(pgid) == [], "the task's process group outlived the interrupt"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        kill_group(pgid)
