"""`orch status` states the run's real state: a rollback the user asked for and a decision
already taken are not errors; `status` and `approve` agree after `orch revise`; old branches of
tasks that ran again alone are not "task work not integrated"; at 60 columns the
verified/unverified status is never cut."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all, git, make_plan, shell_task


def two_phases(extra: str = "") -> str:
    plan = make_plan([("A", [shell_task("T001", "Write one", "echo 1 > one.txt")]),
                      ("B", [shell_task("T002", "Write two", "echo 2 > two.txt")])])
    return plan.replace("## Phase 1: A\n", f"## Phase 1: A\n{extra}").replace(
        "## Phase 2: B\n", f"## Phase 2: B\n{extra}")


def run_id(repo: Path) -> str:
    return (repo / ".specify" / "orch" / "current").read_text().strip()


def test_status_after_a_rollback_is_no_error(orch: OrchRunner, git_repo: Path) -> None:
    (git_repo / "plan.md").write_text(two_phases())
    commit_all(git_repo)
    assert orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo).returncode == 0
    assert orch("rollback", "phase-1", "--yes", cwd=git_repo).returncode == 0
    status = orch("status", cwd=git_repo, env={"COLUMNS": "120"})
    assert status.returncode == 0
    assert "error:" not in status.stdout
    assert "rolled back to phase-1; `orch resume` goes on from there" in status.stdout


def test_status_and_approve_agree_after_revise(orch: OrchRunner, git_repo: Path) -> None:
    (git_repo / "plan.md").write_text(two_phases("\n**Approve**: human\n"))
    commit_all(git_repo)
    assert orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo).returncode == 4
    assert orch("approve", "1", cwd=git_repo).returncode == 0
    assert orch("resume", "--yes", cwd=git_repo).returncode == 4
    assert orch("revise", "2", "--feedback", "again", cwd=git_repo).returncode == 0
    approve = orch("approve", "2", cwd=git_repo)
    assert approve.returncode != 0 and "does not await a decision" in approve.stderr
    status = orch("status", cwd=git_repo, env={"COLUMNS": "120"}).stdout
    assert "awaits a decision" not in status and "error:" not in status
    assert "orch approve" not in status
    assert "phase 2 (revise) was decided; `orch resume` goes on from there" in status
    assert "Next: continue with `orch resume`" in status


def test_branches_of_tasks_done_since_are_not_work_left_out(
    orch: OrchRunner, git_repo: Path
) -> None:
    (git_repo / "plan.md").write_text(two_phases())
    commit_all(git_repo)
    assert orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo).returncode == 0
    # What a lane leaves when its merge conflicts and the task then re-runs alone, done.
    git(git_repo, "branch", f"orch/{run_id(git_repo)}/T001")
    status = orch("status", cwd=git_repo, env={"COLUMNS": "120"}).stdout
    assert "task work not integrated" not in status
    assert "ran again alone" in status
    document = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    assert document["kept_branches"] == []
    assert document["superseded_branches"] == [f"orch/{run_id(git_repo)}/T001"]


def test_sixty_columns_keep_verified_and_unverified_whole(
    orch: OrchRunner, git_repo: Path
) -> None:
    plan = make_plan([("A", [shell_task("T001", "Write one", "echo 1 > one.txt",
                                        verify=["test -f one.txt"]),
                             shell_task("T002", "Say hi", "echo hi")])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    assert orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo).returncode == 0
    status = orch("status", cwd=git_repo, env={"COLUMNS": "60"}).stdout
    assert all(len(line) <= 60 for line in status.splitlines()), status
    assert "done (verified)" in status and "done (unverified)" in status, status
