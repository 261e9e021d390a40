"""Whose edits a checkpoint commits (issue 27, item 6): the phase's tasks', not the user's."""

from __future__ import annotations

from pathlib import Path

from conftest import OrchRunner, commit_all, git, shell_task


def test_edits_made_while_halted_stay_uncommitted_and_are_named(git_repo: Path,
                                                                orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text("\n".join([
        "# P", "", "## Phase 1: One", "",
        shell_task("T001", "Write a", "echo a > a.txt"),
        shell_task("T002", "Needs go", "test -f go\necho b > b.txt\necho task >> shared.txt"),
        ""]))
    commit_all(git_repo)
    first = orch("run", "plan.md", "--yes", cwd=git_repo)
    assert first.returncode == 1, first.stdout + first.stderr

    # The user, while the run is halted: a new file, an edit, the fix, and a file T002 writes too.
    (git_repo / "notes.txt").write_text("my notes\n")
    (git_repo / "README.md").write_text("# test project\n\nmy edit\n")
    (git_repo / "go").write_text("")
    (git_repo / "shared.txt").write_text("mine\n")

    out = orch("resume", "--retry-failed", "--yes", cwd=git_repo)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert ("the working tree changed while the run was halted: README.md, go, notes.txt, "
            "shared.txt") in text
    assert ("checkpoint phase-1 leaves uncommitted what no task of phase 1 changed (changed "
            "outside orch since the run's baseline): README.md, go, notes.txt") in text
    assert ("checkpoint phase-1 commits shared.txt, changed by a task of the phase and also "
            "outside orch") in text

    committed = git(git_repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == ["a.txt", "b.txt", "plan.md", "shared.txt"]
    assert git(git_repo, "show", "HEAD:shared.txt") == "mine\ntask\n"
    status = git(git_repo, "status", "--porcelain").splitlines()
    assert sorted(status) == [" M README.md", "?? go", "?? notes.txt"]
    assert (git_repo / "README.md").read_text().endswith("my edit\n")


def test_a_run_nobody_touched_commits_everything_and_warns_nothing(git_repo: Path,
                                                                   orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text("\n".join([
        "# P", "", "## Phase 1: One", "",
        shell_task("T001", "Write a", "echo a > a.txt"),
        shell_task("T002", "Write b", "mkdir -p d && echo b > d/b.txt"), ""]))
    commit_all(git_repo)
    out = orch("run", "plan.md", "--yes", cwd=git_repo)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "leaves uncommitted" not in out.stdout + out.stderr
    assert "halted" not in out.stdout + out.stderr
    assert git(git_repo, "status", "--porcelain") == ""


def test_lane_tasks_integrated_by_the_merge_queue_are_orchs_own_changes(
        git_repo: Path, orch: OrchRunner) -> None:
    """A lane's snapshots are its worktree's; once integrated, its change reaches the main tree
    through the merge queue, which is orch's doing, never "also changed outside orch"."""
    (git_repo / "plan.md").write_text("\n".join([
        "# P", "", "## Phase 1: One", "",
        shell_task("T001 [P]", "Write a", "echo a > a.txt"),
        shell_task("T002 [P]", "Write b", "echo b > b.txt"),
        shell_task("T003 [P]", "Write c", "echo c > c.txt"), ""]))
    commit_all(git_repo)
    out = orch("run", "plan.md", "--yes", "--jobs", "3", cwd=git_repo)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "outside orch" not in out.stdout + out.stderr
    assert "leaves uncommitted" not in out.stdout + out.stderr
    assert git(git_repo, "status", "--porcelain") == ""
