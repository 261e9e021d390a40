"""Phase/task checkpoint commits (``GitCheckpoints``) and ``orch checkpoints``, on real git."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git, make_plan, shell_task
from orch.domain.state import PhaseState, RunState, TaskState
from orch.errors import UsageError
from orch.store.layout import Layout
from orch.store.runs import current_run_id, load_run
from orch.vcs.checkpoint import GitCheckpoints, ref_name


def _run(phases: dict[str, list[str]]) -> RunState:
    state = RunState(run_id="20260101-000000-abcd", plan_path="plan.md", plan_sha256="0" * 64,
                     created="", updated="")
    for phase_id, tasks in phases.items():
        state.phases.append(PhaseState(id=phase_id, title=f"Part {phase_id}", tasks=tasks))
        for task in tasks:
            state.tasks[task] = TaskState(id=task, phase=phase_id, title=f"Do {task}")
    return state


def _orch_commits(repo: Path) -> list[str]:
    return [line for line in git(repo, "log", "--format=%s").splitlines()
            if line.startswith("orch: ")]


def _trailers(repo: Path, rev: str) -> str:
    return git(repo, "log", "-1", "--format=%(trailers:only,unfold)", rev).strip()


def test_phase_checkpoint_commits_everything_with_trailers(git_repo: Path) -> None:
    run = _run({"1": ["T001", "T002"]})
    (git_repo / "a.txt").write_text("a\n")
    (git_repo / "README.md").write_text("changed\n")
    runs = git_repo / ".specify" / "orch" / "runs" / run.run_id
    runs.mkdir(parents=True)
    (runs / "run.json").write_text("{}")
    hook = GitCheckpoints(git_repo, commit_mode="phase", warn=print)
    checkpoint = hook.on_phase_end(run, run.phases[0])
    assert checkpoint is not None
    assert checkpoint.name == "phase-1" and checkpoint.kind == "phase"
    assert checkpoint.commit == git(git_repo, "rev-parse", "HEAD").strip()
    assert checkpoint.ref == f"refs/orch/{run.run_id}/phase-1"
    assert git(git_repo, "rev-parse", checkpoint.ref).strip() == checkpoint.commit
    assert checkpoint.created.endswith("Z") and checkpoint.tasks == ["T001", "T002"]
    assert git(git_repo, "log", "-1", "--format=%s").strip() == "orch: phase 1 Part 1"
    assert _trailers(git_repo, "HEAD") == (
        f"Orch-Run: {run.run_id}\nOrch-Phase: 1\nOrch-Tasks: T001,T002")
    assert git(git_repo, "status", "--porcelain") == ""
    assert ".specify" not in git(git_repo, "ls-files")


def test_phase_without_changes_gets_an_empty_commit(git_repo: Path) -> None:
    run = _run({"1": ["T001"]})
    hook = GitCheckpoints(git_repo, commit_mode="phase", warn=print)
    before = git(git_repo, "rev-parse", "HEAD").strip()
    checkpoint = hook.on_phase_end(run, run.phases[0])
    assert checkpoint is not None and checkpoint.commit != before
    assert git(git_repo, "rev-parse", "HEAD^").strip() == before
    assert git(git_repo, "diff", "--name-only", "HEAD^", "HEAD") == ""


def test_on_phase_end_is_idempotent(git_repo: Path) -> None:
    run = _run({"1": ["T001"], "2": ["T002"]})
    hook = GitCheckpoints(git_repo, commit_mode="phase", warn=print)
    (git_repo / "a.txt").write_text("a\n")
    first = hook.on_phase_end(run, run.phases[0])
    again = GitCheckpoints(git_repo, commit_mode="phase", warn=print).on_phase_end(
        run, run.phases[0])
    assert first is not None and again is not None
    assert again.commit == first.commit
    assert _orch_commits(git_repo) == ["orch: phase 1 Part 1"]


def test_crash_repair_finds_the_commit_when_the_ref_is_missing(git_repo: Path) -> None:
    run = _run({"1": ["T001"], "2": ["T002"]})
    hook = GitCheckpoints(git_repo, commit_mode="phase", warn=print)
    first = hook.on_phase_end(run, run.phases[0])
    assert first is not None
    run.checkpoints.append(first)
    (git_repo / "b.txt").write_text("b\n")
    second = hook.on_phase_end(run, run.phases[1])
    assert second is not None and second.ref
    git(git_repo, "update-ref", "-d", second.ref)  # a kill between the commit and the ref
    repaired = hook.on_phase_end(run, run.phases[1])
    assert repaired is not None and repaired.commit == second.commit
    assert git(git_repo, "rev-parse", second.ref).strip() == second.commit
    assert _orch_commits(git_repo) == ["orch: phase 2 Part 2", "orch: phase 1 Part 1"]


def test_another_runs_commit_is_not_taken_for_this_one(git_repo: Path) -> None:
    other = _run({"1": ["T001"]})
    other.run_id = "20250101-000000-ffff"
    GitCheckpoints(git_repo, commit_mode="phase", warn=print).on_phase_end(
        other, other.phases[0])
    run = _run({"1": ["T001"]})
    mine = GitCheckpoints(git_repo, commit_mode="phase", warn=print).on_phase_end(
        run, run.phases[0])
    assert mine is not None
    assert len(_orch_commits(git_repo)) == 2
    assert f"Orch-Run: {run.run_id}" in _trailers(git_repo, mine.commit)


def test_task_mode_commits_each_task_and_the_phase(git_repo: Path) -> None:
    run = _run({"1": ["T001", "T002"]})
    hook = GitCheckpoints(git_repo, commit_mode="task", warn=print)
    for task_id in ("T001", "T002"):
        (git_repo / f"{task_id}.txt").write_text(task_id)
        checkpoint = hook.on_task_end(run, run.tasks[task_id])
        assert checkpoint is not None and checkpoint.name == f"task-{task_id}"
        assert checkpoint.kind == "task" and checkpoint.tasks == [task_id]
        run.checkpoints.append(checkpoint)
        repeat = hook.on_task_end(run, run.tasks[task_id])
        assert repeat is not None and repeat.commit == checkpoint.commit
    phase = hook.on_phase_end(run, run.phases[0])
    assert phase is not None and phase.kind == "phase"
    assert _orch_commits(git_repo) == [
        "orch: phase 1 Part 1", "orch: task T002 Do T002", "orch: task T001 Do T001"]
    assert "Orch-Task: T002" in _trailers(git_repo, "HEAD^")


def test_phase_mode_makes_no_task_commits_and_none_makes_none(git_repo: Path) -> None:
    run = _run({"1": ["T001"]})
    assert GitCheckpoints(git_repo, commit_mode="phase", warn=print).on_task_end(
        run, run.tasks["T001"]) is None
    none = GitCheckpoints(git_repo, commit_mode="none", warn=print)
    assert none.on_phase_end(run, run.phases[0]) is None
    assert _orch_commits(git_repo) == []
    with pytest.raises(UsageError):
        GitCheckpoints(git_repo, commit_mode="sometimes", warn=print)


def test_ref_names_are_made_safe() -> None:
    assert ref_name("r1", "phase-3.1") == "refs/orch/r1/phase-3.1"
    assert ref_name("r1", "phase-N: x..y") == "refs/orch/r1/phase-N__x_y"


# -- end to end --------------------------------------------------------------------------------


def three_phase_plan() -> str:
    return make_plan([
        ("Setup", [shell_task("T001", "Create a", "echo a > a.txt")]),
        ("Core", [shell_task("T002", "Create b", "echo b > b.txt"),
                  shell_task("T003", "Change a", "echo a2 >> a.txt")]),
        ("Polish", [shell_task("T004", "Create c", "mkdir -p docs\necho c > docs/c.txt")]),
    ], gates={2: ["test -f b.txt"]})


def test_three_phase_run_makes_three_checkpoints(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    subjects = _orch_commits(git_repo)
    assert subjects == ["orch: phase 3 Polish", "orch: phase 2 Core", "orch: phase 1 Setup"]
    run_id = current_run_id(Layout(git_repo))
    assert _trailers(git_repo, "HEAD~1") == (
        f"Orch-Run: {run_id}\nOrch-Phase: 2\nOrch-Tasks: T002,T003")
    assert "[X] T004" in git(git_repo, "show", "HEAD:plan.md")
    assert git(git_repo, "status", "--porcelain") == ""

    listed = orch("checkpoints", "--json", cwd=git_repo)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["run"] == run_id
    assert [cp["name"] for cp in data["checkpoints"]] == ["phase-1", "phase-2", "phase-3"]
    assert [cp["commit"] for cp in data["checkpoints"]] == [
        git(git_repo, "rev-parse", f"HEAD~{n}").strip() for n in (2, 1, 0)]
    assert data["checkpoints"][1]["tasks"] == ["T002", "T003"]
    assert all(cp["created"] for cp in data["checkpoints"])

    human = orch("checkpoints", cwd=git_repo)
    assert human.returncode == 0
    assert "phase-2" in human.stdout and data["checkpoints"][1]["commit"][:10] in human.stdout
    assert orch("checkpoints", run_id[:10], "--json", cwd=git_repo).stdout == listed.stdout


def test_commit_task_and_commit_none(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    assert orch("run", "plan.md", "--commit", "task", cwd=git_repo).returncode == 0
    subjects = _orch_commits(git_repo)
    assert [s for s in subjects if s.startswith("orch: task")] == [
        "orch: task T004 Create c", "orch: task T003 Change a", "orch: task T002 Create b",
        "orch: task T001 Create a"]
    assert len([s for s in subjects if s.startswith("orch: phase")]) == 3
    state = load_run(Layout(git_repo), current_run_id(Layout(git_repo)) or "")
    assert [cp.name for cp in state.checkpoints][:2] == ["task-T001", "phase-1"]


def test_checkpoints_without_runs_is_exit_3(git_repo: Path, orch: OrchRunner) -> None:
    result = orch("checkpoints", cwd=git_repo)
    assert result.returncode == 3
    assert result.stderr.startswith("error: ")
