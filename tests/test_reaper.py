"""An agent never outlives the worker that runs it (src/orch/reaper.py): a worker killed with
SIGKILL (what Ray does to a cancelled task's worker, or to every worker of a driver that
exited) leaves no process group of its agent running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from orch.procgroups import pid_alive
from proctrack import PGID_TO, kill_group, live_members, read_pgid, wait_gone


def _worker(tmp_path: Path, script: str) -> subprocess.Popen[bytes]:
    """A Python process that runs ``script`` (a shell command) under :func:`reaped_groups`."""
    body = textwrap.dedent(f"""
        from pathlib import Path
        from orch.proc import run_shell
        from orch.reaper import reaped_groups
        with reaped_groups() as watchdog:
            Path({str(tmp_path / "watchdog")!r}).write_text(str(watchdog))
            result = run_shell({script!r}, cwd=Path({str(tmp_path)!r}))
        Path({str(tmp_path / "finished")!r}).write_text(str(result.returncode))
    """)
    return subprocess.Popen([sys.executable, "-c", body], cwd=tmp_path)


def test_a_worker_killed_with_sigkill_leaves_no_agent_running(tmp_path: Path) -> None:
    worker = _worker(tmp_path, f"{PGID_TO} pgid; sleep 53.5 & sleep 53.5")
    pgid = read_pgid(tmp_path / "pgid")
    try:
        assert live_members(pgid)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        assert wait_gone(pgid) == []
    finally:
        kill_group(pgid)


def test_a_worker_that_finishes_leaves_nothing_behind(tmp_path: Path) -> None:
    worker = _worker(tmp_path, f"{PGID_TO} pgid; echo done")
    assert worker.wait(timeout=60) == 0
    assert (tmp_path / "finished").read_text() == "0"
    watchdog = int((tmp_path / "watchdog").read_text())
    assert not pid_alive(watchdog)  # the watchdog went with the block
    assert wait_gone(read_pgid(tmp_path / "pgid")) == []
