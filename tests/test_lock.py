"""The project lock: a second run is refused at once naming the holder; stale locks are taken."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, make_plan, shell_task, start_orch, wait_for_file
from orch.errors import LockHeldError
from orch.store.lock import ProjectLock
from proctrack import PGID_TO, kill_group, read_pgid


def test_second_concurrent_run_exits_3_naming_the_pid(git_repo: Path, orch: OrchRunner) -> None:
    plan = make_plan([("Slow", [shell_task("T001", "Sleep", f"{PGID_TO} pgid; touch started; "
                                                         "sleep 30")])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    first = start_orch("run", "plan.md", cwd=git_repo)
    try:
        wait_for_file(git_repo / "started", first)
        second = orch("run", "plan.md", cwd=git_repo, timeout=10)
        assert first.poll() is None  # refused while the holder still runs: it did not wait
        assert second.returncode == 3
        assert f"pid {first.pid}" in second.stderr
        assert second.stderr.startswith("error: another orch process holds the project lock")
        resume = orch("resume", cwd=git_repo, timeout=10)
        assert resume.returncode == 3
    finally:
        first.kill()
        first.wait()
        if (git_repo / "pgid").exists():
            kill_group(read_pgid(git_repo / "pgid"))  # the task outlives a SIGKILLed orch


def test_stale_lock_of_dead_process_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock_path = tmp_path / "lock"
    lock_path.write_text(f'{{"pid": {dead.pid}, "command": "run"}}')
    warnings: list[str] = []
    with ProjectLock(lock_path, "run", warn=warnings.append):
        assert f'"pid": {os.getpid()}' in lock_path.read_text()
    assert warnings and f"stale lock left by pid {dead.pid}" in warnings[0]


def test_lock_is_exclusive_in_process(tmp_path: Path) -> None:
    lock_path = tmp_path / "lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from pathlib import Path\n"
            "from orch.store.lock import ProjectLock\n"
            f"lock = ProjectLock(Path({str(lock_path)!r}), 'run')\n"
            "lock.acquire()\n"
            "print('ok', flush=True)\n"
            "time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(LockHeldError) as info:
            ProjectLock(lock_path, "resume").acquire()
        assert info.value.pid == holder.pid
        assert info.value.exit_code == 3
    finally:
        holder.kill()
        holder.wait()
    with ProjectLock(lock_path, "resume"):
        pass
