"""``orch rollback`` and ``--undo`` end to end on real repositories: rewind, resume, preserve."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git
from orch.store.layout import Layout
from orch.store.lock import ProjectLock
from orch.store.runs import current_run_id, load_run
from test_checkpoints import three_phase_plan


def tree_files(repo: Path) -> dict[str, tuple[bytes, bool]]:
    """Every file outside .git and .specify/orch: content and executable bit."""
    found: dict[str, tuple[bytes, bool]] = {}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo).as_posix()
        if rel.startswith(".git/") or rel == ".git" or rel.startswith(".specify/orch"):
            continue
        if path.is_file():
            found[rel] = (path.read_bytes(), os.access(path, os.X_OK))
    return found


def repo_state(repo: Path) -> dict[str, object]:
    """Everything a rollback + undo must leave exactly as it was."""
    return {
        "files": tree_files(repo),
        "head": git(repo, "rev-parse", "HEAD").strip(),
        "branch": git(repo, "symbolic-ref", "HEAD").strip(),
        "index": git(repo, "ls-files", "-s"),
        "status": git(repo, "status", "--porcelain=v1", "--untracked-files=all"),
        "orch_refs": git(repo, "for-each-ref", "refs/orch/*/phase-*"),
    }


def backup_refs(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname)", "refs/orch/backup").split()


def run_plan(repo: Path, orch: OrchRunner, *extra: str) -> None:
    (repo / "plan.md").write_text(three_phase_plan())
    (repo / ".gitignore").write_text("*.log\n")
    commit_all(repo)
    result = orch("run", "plan.md", *extra, cwd=repo)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def ran(git_repo: Path, orch: OrchRunner) -> Path:
    """A repository after a completed 3-phase run (phase 1: a.txt; 2: b.txt; 3: docs/c.txt)."""
    run_plan(git_repo, orch)
    return git_repo


def test_rollback_then_resume_matches_an_uninterrupted_run(
        ran: Path, orch: OrchRunner, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(ran, reference)
    expected_tree = git(ran, "rev-parse", "HEAD^{tree}").strip()
    phase1 = git(ran, "rev-parse", "HEAD~2").strip()

    result = orch("rollback", "phase-1", "--yes", cwd=ran)
    assert result.returncode == 0, result.stderr
    assert "orch rollback --undo" in result.stdout and "refs/orch/backup/" in result.stdout
    assert git(ran, "rev-parse", "HEAD").strip() == phase1
    assert (ran / "a.txt").read_text() == "a\n"
    assert not (ran / "b.txt").exists() and not (ran / "docs").exists()
    assert "[ ] T002" in (ran / "plan.md").read_text()
    assert git(ran, "status", "--porcelain") == ""

    status = json.loads(orch("status", "--json", cwd=ran).stdout)
    assert status["state"] == "interrupted"
    assert {t["id"]: t["status"] for t in status["tasks"]} == {
        "T001": "done", "T002": "pending", "T003": "pending", "T004": "pending"}
    assert [cp["name"] for cp in status["checkpoints"]] == ["phase-1"]
    run_id = current_run_id(Layout(ran))
    assert git(ran, "for-each-ref", "--format=%(refname)", f"refs/orch/{run_id}") == \
        f"refs/orch/{run_id}/phase-1\n"

    resumed = orch("resume", cwd=ran)
    assert resumed.returncode == 0, resumed.stderr
    assert git(ran, "rev-parse", "HEAD^{tree}").strip() == expected_tree
    assert tree_files(ran) == tree_files(reference)
    checkpoints = json.loads(orch("checkpoints", "--json", cwd=ran).stdout)["checkpoints"]
    assert [cp["name"] for cp in checkpoints] == ["phase-1", "phase-2", "phase-3"]
    assert checkpoints[2]["commit"] == git(ran, "rev-parse", "HEAD").strip()


def test_work_preservation_matrix_rollback_and_undo(ran: Path, orch: OrchRunner) -> None:
    (ran / "user.txt").write_text("my own commit\n")
    git(ran, "add", "user.txt")
    git(ran, "commit", "-q", "-m", "user work on top")
    (ran / "notes.txt").write_bytes(b"untracked \x00\xff bytes\n")
    (ran / "a.txt").write_text("modified, unstaged\n")
    (ran / "b.txt").write_text("staged version\n")
    git(ran, "add", "b.txt")
    (ran / "b.txt").write_text("staged version, then edited again\n")
    (ran / "new-staged.txt").write_text("added to the index only\n")
    git(ran, "add", "new-staged.txt")
    (ran / "docs" / "c.txt").unlink()
    (ran / "secret.log").write_text("ignored, never touched\n")
    script = ran / "tool.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    before = repo_state(ran)
    run_json = Layout(ran).run_json(current_run_id(Layout(ran)) or "").read_bytes()

    refused = orch("rollback", "phase-1", "--yes", cwd=ran)
    assert refused.returncode == 3 and "not made by orch" in refused.stderr
    assert repo_state(ran) == before and backup_refs(ran) == []

    result = orch("rollback", "phase-1", "--yes", "--force", cwd=ran)
    assert result.returncode == 0, result.stderr
    assert (ran / "secret.log").read_text() == "ignored, never touched\n"
    for gone in ("notes.txt", "user.txt", "b.txt", "new-staged.txt", "tool.sh"):
        assert not (ran / gone).exists(), gone
    [backup] = backup_refs(ran)
    assert backup in result.stdout

    def show(rev: str) -> bytes:
        return git_bytes(ran, "show", rev)

    assert show(f"{backup}:notes.txt") == b"untracked \x00\xff bytes\n"
    assert show(f"{backup}:a.txt") == b"modified, unstaged\n"
    assert show(f"{backup}:b.txt") == b"staged version, then edited again\n"
    assert show(f"{backup}^2:b.txt") == b"staged version\n"
    assert show(f"{backup}^2:new-staged.txt") == b"added to the index only\n"
    assert show(f"{backup}:user.txt") == b"my own commit\n"
    assert show(f"{backup}^1:docs/c.txt") == b"c\n"
    assert "docs/c.txt" not in git(ran, "ls-tree", "-r", "--name-only", backup)
    assert git(ran, "rev-parse", f"{backup}^1").strip() == before["head"]
    assert "100755" in git(ran, "ls-tree", backup, "tool.sh")

    undone = orch("rollback", "--undo", cwd=ran)
    assert undone.returncode == 0, undone.stderr
    assert repo_state(ran) == before
    assert Layout(ran).run_json(current_run_id(Layout(ran)) or "").read_bytes() == run_json
    assert backup in backup_refs(ran)
    again = orch("rollback", "--undo", cwd=ran)
    assert again.returncode == 3 and "nothing to undo" in again.stderr


def git_bytes(repo: Path, *args: str) -> bytes:
    import subprocess

    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True).stdout


def test_dry_run_lists_changes_and_changes_nothing(ran: Path, orch: OrchRunner) -> None:
    (ran / "scratch.txt").write_text("untracked\n")
    before = repo_state(ran)
    layout = Layout(ran)
    run_json = layout.run_json(current_run_id(layout) or "").read_bytes()
    result = orch("rollback", "phase-1", "--dry-run", cwd=ran)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in ("remove   b.txt", "remove   docs/c.txt", "remove   scratch.txt",
                     "modify   a.txt", "modify   plan.md", "drop commit", "orch: phase 3 Polish",
                     "drop checkpoint phase-2", "reset task T004 to pending", "nothing changed"):
        assert expected in out, expected
    assert "reset task T001" not in out
    assert repo_state(ran) == before and backup_refs(ran) == []
    assert layout.run_json(current_run_id(layout) or "").read_bytes() == run_json
    assert not (layout.orch_dir / "rollback.json").exists()


def _unchanged(repo: Path, orch: OrchRunner, *args: str, code: int) -> str:
    before = repo_state(repo)
    result = orch(*args, cwd=repo)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ")
    assert len([line for line in result.stderr.splitlines() if line.startswith("error")]) == 1
    assert repo_state(repo) == before and backup_refs(repo) == []
    return result.stderr


def test_refusals_change_nothing(ran: Path, orch: OrchRunner) -> None:
    assert "phase-9" in _unchanged(ran, orch, "rollback", "phase-9", "--yes", code=2)
    assert "--yes" in _unchanged(ran, orch, "rollback", "phase-1", code=3)
    assert "--undo" in _unchanged(ran, orch, "rollback", "phase-1", "--undo", code=2)
    with ProjectLock(Layout(ran).lock, "run"):
        assert "lock" in _unchanged(ran, orch, "rollback", "phase-1", "--yes", code=3)
    (ran / "user.txt").write_text("mine\n")
    git(ran, "add", "user.txt")
    git(ran, "commit", "-q", "-m", "user commit")
    message = _unchanged(ran, orch, "rollback", "phase-2", "--yes", code=3)
    assert "not made by orch" in message and "user commit" in message and "--force" in message


def test_rollback_outside_git_is_refused(tmp_path: Path, orch: OrchRunner) -> None:
    result = orch("rollback", "phase-1", "--yes", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.splitlines()[0].startswith("error: ")
    assert "not a git repository" in result.stderr


def test_run_on_a_dirty_tree_is_refused(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    (git_repo / "wip.txt").write_text("work in progress\n")
    head = git(git_repo, "rev-parse", "HEAD")
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 3
    assert "wip.txt" in result.stderr and "--allow-dirty" in result.stderr
    assert git(git_repo, "rev-parse", "HEAD") == head
    assert not (git_repo / "a.txt").exists()
    allowed = orch("run", "plan.md", "--allow-dirty", cwd=git_repo)
    assert allowed.returncode == 0, allowed.stderr
    assert "orch: baseline" in git(git_repo, "log", "--format=%s")


def test_undo_refuses_when_head_moved_unless_forced(ran: Path, orch: OrchRunner) -> None:
    assert orch("rollback", "phase-2", "--yes", cwd=ran).returncode == 0
    (ran / "later.txt").write_text("committed after the rollback\n")
    git(ran, "add", "later.txt")
    git(ran, "commit", "-q", "-m", "later")
    later = git(ran, "rev-parse", "HEAD").strip()
    refused = orch("rollback", "--undo", cwd=ran)
    assert refused.returncode == 3 and "--force" in refused.stderr
    forced = orch("rollback", "--undo", "--force", cwd=ran)
    assert forced.returncode == 0, forced.stderr
    assert (ran / "docs" / "c.txt").exists() and not (ran / "later.txt").exists()
    [line] = [line for line in forced.stdout.splitlines() if "just replaced" in line]
    saved = line.split(" saved in ")[1].rstrip(".")
    assert saved in backup_refs(ran)
    assert git(ran, "rev-parse", f"{saved}^1").strip() == later
    assert git_bytes(ran, "show", f"{saved}:later.txt") == b"committed after the rollback\n"


def test_rollback_to_a_task_checkpoint(git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    run_plan(git_repo, orch, "--commit", "task")
    expected = git(git_repo, "rev-parse", "HEAD^{tree}").strip()
    result = orch("rollback", "task-T002", "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert (git_repo / "b.txt").exists() and (git_repo / "a.txt").read_text() == "a\n"
    state = load_run(Layout(git_repo), current_run_id(Layout(git_repo)) or "")
    assert [t.status.value for t in state.tasks.values()] == ["done", "done", "pending", "pending"]
    assert not state.phase("2").gate_passed and state.phase("1").gate_passed
    assert [cp.name for cp in state.checkpoints] == ["task-T001", "phase-1", "task-T002"]
    assert orch("resume", cwd=git_repo).returncode == 0
    assert git(git_repo, "rev-parse", "HEAD^{tree}").strip() == expected


def test_pushed_commits_need_force(ran: Path, orch: OrchRunner, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(ran, "remote", "add", "origin", str(remote))
    git(ran, "push", "-q", "origin", "main")
    message = _unchanged(ran, orch, "rollback", "phase-1", "--yes", code=3)
    assert "pushed" in message
    assert orch("rollback", "phase-1", "--yes", "--force", cwd=ran).returncode == 0


def test_untracked_directory_where_the_checkpoint_has_a_file(ran: Path, orch: OrchRunner) -> None:
    git(ran, "rm", "-q", "a.txt")
    git(ran, "commit", "-q", "-m", "orch: fake\n\nOrch-Run: x")
    (ran / "a.txt").mkdir()
    (ran / "a.txt" / "inner.txt").write_text("inside\n")
    before = repo_state(ran)
    assert orch("rollback", "phase-3", "--yes", cwd=ran).returncode == 0
    assert (ran / "a.txt").read_text() == "a\na2\n"
    assert orch("rollback", "--undo", cwd=ran).returncode == 0
    assert repo_state(ran) == before


def test_manual_recovery_with_plain_git_as_documented(ran: Path, orch: OrchRunner) -> None:
    (ran / "notes.txt").write_text("untracked\n")
    (ran / "a.txt").write_text("unstaged\n")
    (ran / "b.txt").write_text("staged\n")
    git(ran, "add", "b.txt")
    before = repo_state(ran)
    result = orch("rollback", "phase-1", "--yes", cwd=ran)
    assert result.returncode == 0, result.stderr
    [backup] = backup_refs(ran)
    git(ran, "clean", "-fdq")
    git(ran, "reset", "-q", "--soft", f"{backup}^1")
    git(ran, "read-tree", "--reset", "-u", backup)
    git(ran, "read-tree", f"{backup}^2")
    git(ran, "update-index", "-q", "--refresh")
    after = repo_state(ran)
    assert {k: v for k, v in after.items() if k != "orch_refs"} == \
        {k: v for k, v in before.items() if k != "orch_refs"}
