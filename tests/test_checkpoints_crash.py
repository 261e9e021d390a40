"""A SIGKILL between a phase's last task and its checkpoint commit: resume commits exactly once.

The kill is real: a git hook reads orch's pid from ``.specify/orch/lock`` and SIGKILLs it at
the chosen moment. ``prepare-commit-msg`` (which ``--no-verify`` does not skip) fires after the
phase's gate passed and ``git add -A`` ran, but before the commit exists (the hook then fails,
so no commit is made); ``post-commit`` fires after the commit exists but before orch could
record its ref and its ``checkpoint_created`` event.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git
from orch.store.layout import Layout
from orch.store.runs import current_run_id, load_run
from test_checkpoints import three_phase_plan

KILL_ORCH = (
    f"pid=$({sys.executable} -c 'import json; print(json.load(open(\".specify/orch/lock\"))"
    f"[\"pid\"])')\n"
    "kill -9 \"$pid\"\n"
)

HOOKS = {
    # $1 is the message file; kill before the commit is created, and abort the commit.
    "prepare-commit-msg": (
        "#!/bin/sh\n"
        "grep -q '^orch: phase 2 ' \"$1\" || exit 0\n"
        "[ -e .git/orch-test-killed ] && exit 0\n"
        "touch .git/orch-test-killed\n" + KILL_ORCH + "exit 1\n"
    ),
    # The commit exists; kill before orch writes the checkpoint ref and event.
    "post-commit": (
        "#!/bin/sh\n"
        "git log -1 --format=%s | grep -q '^orch: phase 2 ' || exit 0\n"
        "[ -e .git/orch-test-killed ] && exit 0\n"
        "touch .git/orch-test-killed\n" + KILL_ORCH
    ),
}


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_sigkill_around_the_phase_commit_then_resume_commits_once(
        git_repo: Path, orch: OrchRunner, hook: str) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    hook_path = git_repo / ".git" / "hooks" / hook
    hook_path.write_text(HOOKS[hook])
    hook_path.chmod(0o755)

    killed = orch("run", "plan.md", cwd=git_repo)
    assert killed.returncode == -9, (killed.returncode, killed.stderr)
    assert (git_repo / ".git" / "orch-test-killed").exists()
    layout = Layout(git_repo)
    run_id = current_run_id(layout) or ""
    state = load_run(layout, run_id)
    assert state.phase("2").gate_passed
    assert [cp.name for cp in state.checkpoints] == ["phase-1"]
    phase2_commits = git(git_repo, "log", "--format=%s", "--grep=^orch: phase 2 ")
    assert phase2_commits.count("orch: phase 2") == (1 if hook == "post-commit" else 0)

    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stderr
    subjects = git(git_repo, "log", "--format=%s").splitlines()
    assert subjects[:3] == ["orch: phase 3 Polish", "orch: phase 2 Core", "orch: phase 1 Setup"]
    assert sum(s.startswith("orch: phase 2") for s in subjects) == 1
    listed = json.loads(orch("checkpoints", "--json", cwd=git_repo).stdout)["checkpoints"]
    assert [cp["name"] for cp in listed] == ["phase-1", "phase-2", "phase-3"]
    assert listed[1]["commit"] == git(git_repo, "rev-parse", "HEAD~1").strip()
    assert git(git_repo, "rev-parse", f"refs/orch/{run_id}/phase-2").strip() == \
        listed[1]["commit"]
    assert git(git_repo, "status", "--porcelain") == ""


def test_sigkill_before_a_task_commit_then_resume_commits_it_once(
        git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    hook_path = git_repo / ".git" / "hooks" / "prepare-commit-msg"
    hook_path.write_text(
        "#!/bin/sh\n"
        "grep -q '^orch: task T001 ' \"$1\" || exit 0\n"
        "[ -e .git/orch-test-killed ] && exit 0\n"
        "touch .git/orch-test-killed\n" + KILL_ORCH + "exit 1\n")
    hook_path.chmod(0o755)

    killed = orch("run", "plan.md", "--commit", "task", cwd=git_repo)
    assert killed.returncode == -9, (killed.returncode, killed.stderr)
    state = load_run(Layout(git_repo), current_run_id(Layout(git_repo)) or "")
    assert state.tasks["T001"].status.value == "done"
    assert not state.checkpoints

    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stderr
    subjects = git(git_repo, "log", "--format=%s").splitlines()
    assert sum(s.startswith("orch: task T001 ") for s in subjects) == 1
    names = [cp["name"] for cp in
             json.loads(orch("checkpoints", "--json", cwd=git_repo).stdout)["checkpoints"]]
    assert names.count("task-T001") == 1
