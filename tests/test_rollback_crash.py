"""A rollback or undo killed halfway is completed by repeating it (or by ``--undo``).

The rollback kill is a real SIGKILL: git's ``reference-transaction`` hook fires when
``git reset --hard`` is about to move the branch — after it rewrote the working tree, before the
branch moves, the untracked files are removed and the run state is rewound — reads orch's pid
from the lock file, kills it and fails the transaction. The undo interruption is simulated
in-process by failing the step that restores the run-state files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import OrchRunner, git
from orch.runner import rollback as rollback_module
from orch.runner.rollback_journal import read_rollback_journal
from orch.store.layout import Layout
from orch.store.runs import current_run_id, load_run
from test_rollback import backup_refs, repo_state, run_plan

KILL_ON_BRANCH_MOVE = (
    "#!/bin/sh\n"
    "[ \"$1\" = prepared ] || exit 0\n"
    "grep -q ' refs/heads/main$' || exit 0\n"
    "[ -e .git/orch-test-killed ] && exit 0\n"
    "touch .git/orch-test-killed\n"
    f"pid=$({sys.executable} -c 'import json; print(json.load(open(\".specify/orch/lock\"))"
    "[\"pid\"])')\n"
    "kill -9 \"$pid\"\n"
    "exit 1\n"
)


@pytest.fixture
def half_rolled_back(git_repo: Path, orch: OrchRunner) -> tuple[Path, dict[str, object]]:
    """A repo whose rollback to phase-1 was SIGKILLed midway, and its state before."""
    run_plan(git_repo, orch)
    (git_repo / "notes.txt").write_text("untracked notes\n")
    (git_repo / "a.txt").write_text("edited\n")
    before = repo_state(git_repo)
    hook = git_repo / ".git" / "hooks" / "reference-transaction"
    hook.write_text(KILL_ON_BRANCH_MOVE)
    hook.chmod(0o755)
    killed = orch("rollback", "phase-1", "--yes", cwd=git_repo)
    assert killed.returncode == -9, (killed.returncode, killed.stderr)
    assert (git_repo / ".git" / "orch-test-killed").exists()
    journal = read_rollback_journal(Layout(git_repo))
    assert journal is not None and journal.stage == "started"
    assert repo_state(git_repo) != before
    return git_repo, before


def test_repeating_a_killed_rollback_completes_it(
        half_rolled_back: tuple[Path, dict[str, object]], orch: OrchRunner) -> None:
    repo, before = half_rolled_back
    other = orch("rollback", "phase-2", "--yes", cwd=repo)
    assert other.returncode == 3 and "interrupted" in other.stderr
    dry = orch("rollback", "phase-1", "--dry-run", cwd=repo)
    assert dry.returncode == 0 and "completing the interrupted rollback" in dry.stdout

    done = orch("rollback", "phase-1", "--yes", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert git(repo, "rev-parse", "HEAD").strip() == git(repo, "rev-parse", "HEAD^{/phase 1}")\
        .strip()
    assert not (repo / "notes.txt").exists() and not (repo / "b.txt").exists()
    assert git(repo, "status", "--porcelain") == ""
    layout = Layout(repo)
    state = load_run(layout, current_run_id(layout) or "")
    assert [cp.name for cp in state.checkpoints] == ["phase-1"]
    assert state.tasks["T002"].status.value == "pending"
    journal = read_rollback_journal(layout)
    assert journal is not None and journal.stage == "done"

    undone = orch("rollback", "--undo", cwd=repo)
    assert undone.returncode == 0, undone.stderr
    assert repo_state(repo) == before


def test_undo_after_a_killed_rollback_restores_everything(
        half_rolled_back: tuple[Path, dict[str, object]], orch: OrchRunner) -> None:
    repo, before = half_rolled_back
    undone = orch("rollback", "--undo", cwd=repo)
    assert undone.returncode == 0, undone.stderr
    assert repo_state(repo) == before
    layout = Layout(repo)
    state = load_run(layout, current_run_id(layout) or "")
    assert [cp.name for cp in state.checkpoints] == ["phase-1", "phase-2", "phase-3"]


def test_interrupted_undo_is_completed_by_undo(
        git_repo: Path, orch: OrchRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    run_plan(git_repo, orch)
    (git_repo / "notes.txt").write_text("untracked notes\n")
    before = repo_state(git_repo)
    layout = Layout(git_repo)
    run_json = layout.run_json(current_run_id(layout) or "").read_bytes()
    assert orch("rollback", "phase-1", "--yes", cwd=git_repo).returncode == 0

    class Killed(BaseException):
        pass

    def die(*_args: object) -> None:
        raise Killed

    monkeypatch.setattr(rollback_module, "restore_run_files", die)
    with pytest.raises(Killed):
        rollback_module.undo(git_repo, force=False, warn=print)
    journal = read_rollback_journal(layout)
    assert journal is not None and journal.stage == "undoing"
    refused = orch("rollback", "phase-1", "--yes", cwd=git_repo)
    assert refused.returncode == 3 and "--undo" in refused.stderr

    monkeypatch.undo()
    assert orch("rollback", "--undo", cwd=git_repo).returncode == 0
    assert repo_state(git_repo) == before
    assert layout.run_json(current_run_id(layout) or "").read_bytes() == run_json
    refs = backup_refs(git_repo)
    assert len(refs) == 2
    assert json.loads(orch("checkpoints", "--json", cwd=git_repo).stdout)["checkpoints"]
