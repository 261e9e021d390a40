"""A task's processes never outlive it: timeout, normal end, and a resume after kill -9 of orch.

Processes are found and stopped by process group id only (never by name)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, make_plan, shell_task, start_orch
from orch import proc
from orch.procgroups import GroupRecord, group_exists, start_time, stop_recorded_group
from orch.secrets import REDACTED, Redactor
from proctrack import read_pgid

TERM_PROOF = "bash -c 'trap \"\" TERM; exec sleep 303'"


@pytest.fixture
def groups() -> Iterator[list[int]]:
    """Group ids started during the test; whatever is left of them is killed afterwards."""
    seen: list[int] = []
    with proc.track_groups(lambda record: seen.append(record.pgid), lambda pgid: None):
        yield seen
    for pgid in seen:
        if group_exists(pgid):
            os.killpg(pgid, signal.SIGKILL)


def test_timeout_kills_a_child_that_ignores_sigterm(tmp_path: Path, groups: list[int]) -> None:
    result = proc.run_shell(f"{TERM_PROOF} & wait", cwd=tmp_path, timeout_s=1)
    assert result.timed_out
    assert len(groups) == 1
    assert not group_exists(groups[0])


def test_normal_end_stops_what_the_command_left_in_the_background(
    tmp_path: Path, groups: list[int]
) -> None:
    result = proc.run_shell(f"{TERM_PROOF} >/dev/null 2>&1 & echo started", cwd=tmp_path)
    assert result.ok and result.tail == "started"
    assert not group_exists(groups[0])


def test_output_written_before_the_end_is_kept(tmp_path: Path, groups: list[int]) -> None:
    result = proc.run_shell("(sleep 0.2; echo late) & echo early", cwd=tmp_path)
    assert result.ok
    assert result.tail.splitlines()[0] == "early"
    assert not group_exists(groups[0])


def test_popen_failure_is_redacted(tmp_path: Path) -> None:
    secret = "hunter2-very-secret-token"
    log = tmp_path / "t.log"
    result = proc.run_argv(
        [f"/nonexistent/{secret}", "--x"],
        cwd=tmp_path,
        log_path=log,
        redactor=Redactor([secret]),
    )
    assert result.returncode == 127
    for text in (result.command, result.tail, log.read_text()):
        assert secret not in text
        assert REDACTED in text


def test_a_reused_group_id_with_another_start_time_is_left_alone(tmp_path: Path) -> None:
    other = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        start = start_time(other.pid)
        assert start is not None
        stale = GroupRecord(pgid=other.pid, start=start - 1)
        assert stop_recorded_group(stale) is None
        assert other.poll() is None
        assert stop_recorded_group(GroupRecord(pgid=other.pid, start=start)) is not None
        assert other.wait() == -signal.SIGTERM
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()


RESUMABLE = """\
if [ -f pgid ]; then
  if kill -0 -- -"$(cat pgid)" 2>/dev/null; then echo overlap > seen; else echo clean > seen; fi
  exit 0
fi
echo $$ > pgid
bash -c 'trap "" TERM; exec sleep 307' &
wait"""


def test_resume_stops_the_group_of_a_run_killed_with_sigkill(
    git_repo: Path, orch: OrchRunner
) -> None:
    plan = make_plan([("One", [shell_task("T001", "Hangs until resumed", RESUMABLE)])])
    (git_repo / "plan.md").write_text(plan)
    (git_repo / ".gitignore").write_text("pgid\nseen\n")
    commit_all(git_repo)
    first = start_orch("run", "plan.md", cwd=git_repo)
    pgid_file = git_repo / "pgid"
    pgid = 0
    try:
        pgid = read_pgid(pgid_file, 60)
        first.kill()
        first.wait()
        assert group_exists(pgid), "the task's group outlives orch's SIGKILL"
        state = json.loads(orch("status", "--json", cwd=git_repo).stdout)
        assert state["tasks"][0]["status"] == "running"
        result = orch("resume", cwd=git_repo)
        assert result.returncode == 0, result.stderr
        assert f"stopped process group {pgid}" in result.stderr
        assert (git_repo / "seen").read_text() == "clean\n"
        assert not group_exists(pgid)
        again = orch("status", "--json", cwd=git_repo)
        assert json.loads(again.stdout)["state"] == "completed"
    finally:
        if first.poll() is None:
            first.kill()
        if pgid and group_exists(pgid):
            os.killpg(pgid, signal.SIGKILL)


def test_run_task_timeout_leaves_no_process(git_repo: Path, orch: OrchRunner) -> None:
    script = f"echo $$ > pgid\n{TERM_PROOF} &\nwait"
    plan = make_plan(
        [("One", [shell_task("T001", "Hangs", script, extra="  - timeout: 2s")])]
    )
    (git_repo / "plan.md").write_text(plan)
    (git_repo / ".gitignore").write_text("pgid\n")
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo, timeout=60)
    pgid = int((git_repo / "pgid").read_text())
    try:
        assert result.returncode == 1
        assert not group_exists(pgid)
    finally:
        if group_exists(pgid):
            os.killpg(pgid, signal.SIGKILL)
