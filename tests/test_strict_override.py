"""A task's own ``- strict:`` wins over the config's ``strict_files`` in both directions;
a task that says nothing inherits it. Run for real: a fake ``claude`` on PATH asks orch's
PreToolUse hook (from ``--settings``) before each write, as Claude Code does."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import FAKES_DIR, OrchRunner, commit_all


def _fake_claude(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "claude"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(FAKES_DIR)!r})\n"
                      "import fake_cli\nsys.exit(fake_cli.main())\n")
    script.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_CLI_SCENARIO": "fenced"}


@pytest.mark.parametrize(("config", "task", "fenced"), [
    ("true", "false", False),   # the task turns the config's fence off
    ("false", "true", True),    # the task turns the fence on
    ("true", None, True),       # unset: the config decides
    ("false", None, False),
])
def test_a_tasks_strict_wins_over_strict_files(git_repo: Path, tmp_path: Path,
                                               orch: OrchRunner, config: str,
                                               task: str | None, fenced: bool) -> None:
    state = git_repo / ".specify" / "orch"
    state.mkdir(parents=True)
    (state / "config.yaml").write_text(f"strict_files: {config}\nhook_retries: 0\n")
    strict = f"  - strict: {task}\n" if task is not None else ""
    (git_repo / "plan.md").write_text(
        "# Fence\n\n## Phase 1: One\n\n- [ ] T001 Write inside.txt\n  - agent: claude-code\n"
        f"  - files: inside.txt\n{strict}")
    commit_all(git_repo)
    result = orch("run", "plan.md", "--commit", "none", cwd=git_repo, env=_fake_claude(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (git_repo / "inside.txt").is_file()
    assert (git_repo / "outside.txt").exists() is not fenced
    log = orch("log", "T001", cwd=git_repo).stdout
    assert ("the write fence denied 1 write(s)" in log) is fenced, log
