"""Rollback after a resume reopened an earlier phase: "later" is when a checkpoint was made
(the commit chain), not where its phase sits in the plan. A ``phase-1.2`` made after
``phase-2`` is later than ``phase-2``; ``phase-2`` is earlier than ``phase-1.2``."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all, git, make_plan, shell_task
from orch.domain.events import EventType
from orch.store.journal import read_journal
from orch.store.layout import Layout


def _plan(phases: int) -> str:
    return make_plan([(f"P{n}", [shell_task(f"T00{n}", f"Write {n}", f"echo {n} > f{n}.txt")])
                      for n in range(1, phases + 1)])


def _edit_and_resume(repo: Path, orch: OrchRunner, task: str) -> None:
    """Change ``task``'s script: the resume runs it again and checkpoints its phase anew."""
    number = task[-1]
    text = (repo / "plan.md").read_text()
    (repo / "plan.md").write_text(text.replace(f"echo {number} >", f"echo {number}{number} >"))
    resumed = orch("resume", cwd=repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr


def _status(repo: Path, orch: OrchRunner) -> dict[str, object]:
    shown = orch("status", "--json", cwd=repo)
    assert shown.returncode == 0, shown.stderr
    data: dict[str, object] = json.loads(shown.stdout)
    return data


def _names(repo: Path, orch: OrchRunner) -> list[str]:
    listed = json.loads(orch("checkpoints", "--json", cwd=repo).stdout)["checkpoints"]
    return [cp["name"] for cp in listed]


def _task_status(repo: Path, orch: OrchRunner) -> dict[str, str]:
    tasks = _status(repo, orch)["tasks"]
    assert isinstance(tasks, list)
    return {t["id"]: t["status"] for t in tasks}


def _started_since_last_resume(repo: Path) -> list[str]:
    run_id = (repo / ".specify" / "orch" / "current").read_text().strip()
    events, _ = read_journal(Layout(repo).events(run_id))
    resumed = max(i for i, e in enumerate(events)
                  if e.type == EventType.RUN_STARTED and e.data.get("resumed"))
    return [e.task or "" for e in events[resumed:] if e.type == EventType.TASK_STARTED]


def _reopened_run(repo: Path, orch: OrchRunner, phases: int) -> None:
    (repo / "plan.md").write_text(_plan(phases))
    commit_all(repo)
    assert orch("run", "plan.md", cwd=repo).returncode == 0
    _edit_and_resume(repo, orch, "T001")


def test_checkpoints_are_listed_in_the_order_they_were_made(git_repo: Path,
                                                            orch: OrchRunner) -> None:
    _reopened_run(git_repo, orch, 2)
    assert _names(git_repo, orch) == ["phase-1", "phase-2", "phase-1.2"]
    listed = json.loads(orch("checkpoints", "--json", cwd=git_repo).stdout)["checkpoints"]
    chain = git(git_repo, "rev-list", "HEAD").split()
    positions = [chain.index(cp["commit"]) for cp in listed]
    assert positions == sorted(positions, reverse=True)  # each on top of the one before
    text = orch("checkpoints", cwd=git_repo).stdout
    assert text.index("phase-2 ") < text.index("phase-1.2 ")


def test_rolling_back_to_phase_2_resets_the_task_phase_1_2_committed_after_it(
        git_repo: Path, orch: OrchRunner) -> None:
    _reopened_run(git_repo, orch, 2)
    dry = orch("rollback", "phase-2", "--dry-run", cwd=git_repo)
    assert dry.returncode == 0, dry.stderr
    assert "drop checkpoint phase-1.2" in dry.stdout and "reset task T001" in dry.stdout
    rolled = orch("rollback", "phase-2", "--yes", cwd=git_repo)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert _names(git_repo, orch) == ["phase-1", "phase-2"]
    # phase-2's code holds T001's first work only: the rerun after it is undone, so T001 is
    # pending again (it was left "done" with its rerun's record) and phase 1 reopens.
    assert (git_repo / "f1.txt").read_text() == "1\n"
    assert _task_status(git_repo, orch) == {"T001": "pending", "T002": "done"}
    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert _started_since_last_resume(git_repo) == ["T001"]
    assert _names(git_repo, orch) == ["phase-1", "phase-2", "phase-1.2"]
    assert git(git_repo, "status", "--porcelain") == ""


def test_rolling_back_to_phase_1_2_keeps_phase_2_made_before_it(git_repo: Path,
                                                                orch: OrchRunner) -> None:
    _reopened_run(git_repo, orch, 3)
    _edit_and_resume(git_repo, orch, "T003")
    assert _names(git_repo, orch) == ["phase-1", "phase-2", "phase-3", "phase-1.2", "phase-3.2"]
    dry = orch("rollback", "phase-1.2", "--dry-run", cwd=git_repo)
    assert dry.returncode == 0, dry.stderr
    assert "reset task T003" in dry.stdout and "T002" not in dry.stdout, dry.stdout
    rolled = orch("rollback", "phase-1.2", "--yes", cwd=git_repo)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert _names(git_repo, orch) == ["phase-1", "phase-2", "phase-3", "phase-1.2"]
    assert _task_status(git_repo, orch) == {"T001": "done", "T002": "done", "T003": "pending"}
    assert (git_repo / "f1.txt").read_text() == "11\n"
    assert (git_repo / "f2.txt").read_text() == "2\n"
    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert _started_since_last_resume(git_repo) == ["T003"]
