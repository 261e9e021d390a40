"""Resume preview and resume are one computation: a failed task the user moves into a phase
that is already checkpointed runs, `--dry-run` says so, and the run completes only when it is
done."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all, make_plan, shell_task

FAILS = shell_task("T002", "Write two", "test -f go && echo 2 > two.txt",
                   extra="  - retries: 0")


def test_a_failed_task_moved_into_a_checkpointed_phase_runs(
    orch: OrchRunner, git_repo: Path
) -> None:
    first = make_plan([("A", [shell_task("T001", "Write one", "echo 1 > one.txt")]),
                       ("B", [FAILS])])
    (git_repo / "plan.md").write_text(first)
    commit_all(git_repo)
    assert orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo).returncode == 1
    moved = make_plan([("A", [shell_task("T001", "Write one", "echo 1 > one.txt")
                              .replace("- [ ]", "- [x]"), FAILS]),
                       ("B", [shell_task("T003", "Say three", "echo 3")])])
    (git_repo / "plan.md").write_text(moved)
    (git_repo / "go").write_text("")
    preview = orch("resume", "--retry-failed", "--dry-run", "--json", cwd=git_repo)
    assert preview.returncode == 0, preview.stderr
    document = json.loads(preview.stdout)
    assert "T002" in json.dumps(document["would_run"])
    resumed = orch("resume", "--retry-failed", "--yes", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "moved to another phase, will run there: T002" in resumed.stderr + resumed.stdout
    status = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    tasks = {t["id"]: (t["phase"], t["status"]) for t in status["tasks"]}
    assert tasks == {"T001": ("1", "done"), "T002": ("1", "done"), "T003": ("2", "done")}
    assert status["state"] == "completed"
    assert (git_repo / "two.txt").read_text() == "2\n"
