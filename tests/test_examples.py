"""The shipped examples run end to end, as the README promises (no API key needed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT, OrchRunner, commit_all, git

EXAMPLES = REPO_ROOT / "examples"


def _env() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_quickstart_runs_checkpoints_rolls_back_and_resumes(tmp_path: Path) -> None:
    work = tmp_path / "qs"
    result = subprocess.run(
        ["bash", str(EXAMPLES / "quickstart" / "run.sh"), str(work)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (work / "wordcount" / "core.py").is_file()
    assert int((work / "words.txt").read_text()) > 100
    assert "Run completed: 6 done" in result.stdout
    subjects = git(work, "log", "--format=%s").splitlines()
    assert subjects[:3] == ["orch: phase 3 Polish", "orch: phase 2 Core", "orch: phase 1 Setup"]
    assert "- [ ]" not in (work / "plan.md").read_text()


def test_resume_example_fails_then_finishes(tmp_path: Path) -> None:
    work = tmp_path / "rs"
    result = subprocess.run(
        ["bash", str(EXAMPLES / "resume" / "run.sh"), str(work)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "(exit 1)" in result.stdout  # the first run halted on T002's verification
    assert (work / "settings" / "done.txt").is_file()
    assert '"state": "completed"' in result.stdout


def test_speckit_example_flips_only_task_checkboxes(tmp_path: Path, orch: OrchRunner) -> None:
    work = tmp_path / "sk"
    shutil.copytree(EXAMPLES / "speckit", work)
    git(work, "init", "-q", "-b", "main")
    commit_all(work, "spec")
    tasks = work / "specs" / "001-greeting" / "tasks.md"
    before = tasks.read_text()
    result = orch("run", cwd=work)
    assert result.returncode == 0, result.stderr
    after = tasks.read_text()
    assert after.count("- [X] T0") == 3
    assert after.replace("- [X] T0", "- [ ] T0") == before


def test_agents_example_resolves_every_role_without_a_key(orch: OrchRunner) -> None:
    project = EXAMPLES / "agents"
    listed = orch("-C", str(project), "agents", "--json", cwd=project)
    assert listed.returncode == 0, listed.stderr
    roles = {role["name"]: role["adapter"] for role in json.loads(listed.stdout)["roles"]}
    assert roles["backend-developer"] == "anthropic"
    assert roles["docs-writer"] == "claude-code"
    assert "reviewer" in roles
    valid = orch("-C", str(project), "validate", "--strict", "plan.md", cwd=project)
    assert valid.returncode == 0, valid.stderr
    dry = orch("-C", str(project), "run", "plan.md", "--dry-run", cwd=project)
    # Every task is shown with its role and adapter; then, like `orch run`, the dry run says
    # that no agent is available here without a key (exit 2).
    assert dry.returncode == 2, dry.stderr
    assert dry.stderr.startswith("error: task T002 needs agent 'backend-developer'")
    assert "(backend-developer via anthropic)" in dry.stdout
    assert "(docs-writer via claude-code)" in dry.stdout
    assert not (project / ".specify" / "orch" / "runs").exists()
