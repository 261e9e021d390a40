"""Refusals before a run or resume starts leave the run's files whole and closed."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all


def test_a_refused_resume_after_options_changed_closes_the_run(
    git_repo: Path, orch: OrchRunner
) -> None:
    config = git_repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("agents:\n  dev: {adapter: shell}\n")
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Do it\n  ```sh\n  exit 1\n  ```\n  - agent: dev\n")
    commit_all(git_repo)
    assert orch("run", "plan.md", cwd=git_repo).returncode == 1
    config.write_text("agents:\n  dev: {adapter: aider}\n")
    refused = orch("resume", "--retry-failed", "--max-cost", "5", cwd=git_repo,
                   env={"PATH": "/usr/bin:/bin"})
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.startswith("error: task T001 needs agent 'dev'")
    run_dir = next((git_repo / ".specify" / "orch" / "runs").iterdir())
    events = (run_dir / "events.jsonl").read_text().splitlines()
    assert json.loads(events[-1])["type"] == "options_changed"
    snapshot = json.loads((run_dir / "run.json").read_text())
    assert snapshot["last_seq"] == len(events)  # closed: the snapshot holds every event
    assert snapshot["options"]["max_cost_usd"] == 5


def test_yes_refuses_the_manual_agent_without_touching_the_environment(
    git_repo: Path, orch: OrchRunner
) -> None:
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Do it by hand\n  - agent: manual\n")
    commit_all(git_repo)
    result = orch("run", "plan.md", "--yes", cwd=git_repo)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "non-interactive" in result.stderr


def test_resume_yes_sets_no_process_global(git_repo: Path, orch: OrchRunner,
                                           tmp_path: Path) -> None:
    """``--yes`` travels in the request: a check sees the same environment after ``run --yes``
    and ``resume --yes`` (the old resume set ``ORCH_ASSUME_YES`` for the whole process)."""
    seen = tmp_path / "seen.log"
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Do it\n  ```sh\n  true\n  ```\n"
        f"  - verify: `echo \"${{ORCH_ASSUME_YES-unset}}\" >> {seen}; test -f {tmp_path}/go`\n")
    commit_all(git_repo)
    first = orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo)
    assert first.returncode == 1, first.stdout + first.stderr
    (tmp_path / "go").write_text("")
    resumed = orch("resume", "--retry-failed", "--yes", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    lines = seen.read_text().split()
    assert lines and set(lines) == {"unset"}, lines
