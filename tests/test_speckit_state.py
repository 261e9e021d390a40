"""spec-kit's own run state and caches never make the tree dirty for orch.

The layout is the one specify-cli 1.2.3 writes (``.specify/workflows/runs/<id>/state.json`` for
each ``specify workflow run``, ``<kind>/.cache/``, ``.specify/.*.lock``); the tests against the
real ``specify`` binary are in test_speckit_integration.py.
"""

from __future__ import annotations

from pathlib import Path

from conftest import OrchRunner, commit_all, git

TASKS = """\
# Tasks: Greeting

## Phase 1: Setup

- [ ] T001 Write the greeting in src/hello.txt
  ```bash
  mkdir -p src && echo hello > src/hello.txt
  ```
"""

SPECKIT_STATE = [
    ".specify/workflows/runs/0a1b2c3d/state.json",
    ".specify/workflows/runs/0a1b2c3d/log.jsonl",
    ".specify/workflows/.cache/catalog.json",
    ".specify/extensions/.cache/catalog.json",
    ".specify/.step-install.lock",
]


def _speckit_project(repo: Path) -> None:
    """What `specify init` leaves (the parts orch looks at), committed, plus a feature."""
    (repo / ".specify" / "workflows" / "speckit").mkdir(parents=True)
    (repo / ".specify" / "workflows" / "speckit" / "workflow.yml").write_text("steps: []\n")
    (repo / ".specify" / "integration.json").write_text('{"integration": "claude"}\n')
    (repo / ".specify" / ".gitignore").write_text("feature.json\n")
    feature = repo / "specs" / "001-greeting"
    feature.mkdir(parents=True)
    (feature / "tasks.md").write_text(TASKS)
    commit_all(repo, "spec-kit project")


def _write_state(repo: Path) -> None:
    for relative in SPECKIT_STATE:
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n")


def test_speckit_run_state_does_not_stop_a_run_nor_enter_a_checkpoint(
    git_repo: Path, orch: OrchRunner
) -> None:
    _speckit_project(git_repo)
    _write_state(git_repo)  # a `specify workflow run` is under way (its shell step runs orch)

    result = orch("run", "--yes", cwd=git_repo)

    assert result.returncode == 0, result.stderr
    committed = git(git_repo, "show", "--name-only", "--format=", "HEAD").split()
    assert "src/hello.txt" in committed
    assert not [path for path in committed if path.startswith(".specify/")
                and not path.startswith(".specify/orch/")], committed
    for relative in SPECKIT_STATE:
        assert (git_repo / relative).read_text() == "{}\n"
    assert git(git_repo, "status", "--porcelain") == ""
    assert git(git_repo, "diff", "HEAD~1", "--name-only").split() == [
        "specs/001-greeting/tasks.md", "src/hello.txt"]


def test_orch_init_ignores_speckit_state_in_a_speckit_project(
    git_repo: Path, orch: OrchRunner
) -> None:
    _speckit_project(git_repo)

    first = orch("init", cwd=git_repo)
    again = orch("init", cwd=git_repo)

    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert "spec-kit's run state" in first.stdout
    rules = (git_repo / ".specify" / ".gitignore").read_text()
    assert rules.startswith("feature.json\n")
    assert "workflows/runs/" in rules and "extensions/.cache/" in rules
    assert rules.count("workflows/runs/") == 1
    _write_state(git_repo)
    status = git(git_repo, "status", "--porcelain", "--untracked-files=all")
    assert not [line for line in status.splitlines() if "workflows/runs" in line
                or ".cache" in line or ".lock" in line], status


def test_orch_init_outside_speckit_writes_no_speckit_rules(
    git_repo: Path, orch: OrchRunner
) -> None:
    result = orch("init", cwd=git_repo)

    assert result.returncode == 0, result.stderr
    assert not (git_repo / ".specify" / ".gitignore").exists()
    assert "spec-kit" not in result.stdout


def test_dirty_tree_error_names_speckit_state_tracked_by_git(
    git_repo: Path, orch: OrchRunner
) -> None:
    _speckit_project(git_repo)
    _write_state(git_repo)
    commit_all(git_repo, "run state committed by mistake")
    (git_repo / SPECKIT_STATE[0]).write_text('{"status": "running"}\n')

    result = orch("run", "--yes", cwd=git_repo)

    assert result.returncode == 3
    error = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(error) == 1
    assert SPECKIT_STATE[0] in error[0]
    assert "spec-kit's run state, tracked by git" in error[0]
    assert "git rm -r --cached" in error[0]


def test_orch_init_then_run_commits_the_new_rules_with_the_plan(
    git_repo: Path, orch: OrchRunner
) -> None:
    _speckit_project(git_repo)
    assert orch("init", cwd=git_repo).returncode == 0

    result = orch("run", "--yes", cwd=git_repo)

    assert result.returncode == 0, result.stderr
    plan_commit = git(git_repo, "log", "--format=%H", "--grep=^orch: plan").split()
    assert len(plan_commit) == 1
    committed = git(git_repo, "show", "--name-only", "--format=", plan_commit[0]).split()
    assert ".specify/.gitignore" in committed and ".specify/orch/config.yaml" in committed
    assert git(git_repo, "status", "--porcelain") == ""
