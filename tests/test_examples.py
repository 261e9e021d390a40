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


def _run_example(name: str, work: Path) -> subprocess.CompletedProcess[str]:
    """``examples/<name>/run.sh work`` with this interpreter's ``orch`` first on PATH; it must
    exit 0 (the tails of its output are the assertion message)."""
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", str(EXAMPLES / name / "run.sh"), str(work)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def test_quickstart_runs_checkpoints_rolls_back_and_resumes(tmp_path: Path) -> None:
    work = tmp_path / "qs"
    result = _run_example("quickstart", work)
    assert (work / "wordcount" / "core.py").is_file()
    assert int((work / "words.txt").read_text()) > 100
    assert "Run completed: 6 done" in result.stdout
    subjects = git(work, "log", "--format=%s").splitlines()
    assert subjects[:3] == ["orch: phase 3 Polish", "orch: phase 2 Core", "orch: phase 1 Setup"]
    assert "- [ ]" not in (work / "plan.md").read_text()


def test_resume_example_fails_then_finishes(tmp_path: Path) -> None:
    work = tmp_path / "rs"
    result = _run_example("resume", work)
    assert "(exit 1)" in result.stdout  # the first run halted on T002's verification
    assert (work / "settings" / "done.txt").is_file()
    assert '"state": "completed"' in result.stdout


def test_verification_example_fails_a_false_claim_then_verify_finds_drift(
    tmp_path: Path,
) -> None:
    work = tmp_path / "vf"
    result = _run_example("verification", work)
    out = result.stdout
    assert "      check: changed src/bye.txt" in out
    assert "FAILED T002 in" in out and "src/bye.txt does not exist or was not changed" in out
    assert "Run completed: 2 done (2 verified, 0 unverified)" in out
    assert "2 done tasks re-checked, 0 no longer hold\n(exit 0)" in out
    assert "  FAILED T001 Create the greeting in src/hello.txt\n" in out
    assert out.rstrip().endswith("(exit 1)")


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


def test_planning_review_example_flags_the_weak_plan_and_passes_the_good_one(
    orch: OrchRunner,
) -> None:
    project = EXAMPLES / "planning" / "review"
    readme = (project / "README.md").read_text()
    weak = orch("-C", str(project), "review", "--offline", "weak-plan.md", cwd=project)
    assert weak.returncode == 1, weak.stderr
    for line in weak.stdout.splitlines()[:11]:
        shown = line.split(" (hint: ")[0]
        assert shown in readme, shown
    assert weak.stdout.splitlines()[-1] in readme
    good = orch("-C", str(project), "review", "--offline", "good-plan.md", cwd=project)
    assert good.returncode == 0, good.stdout
    assert good.stdout.splitlines()[-1] in readme


def test_mcp_example_enqueues_cancels_and_the_run_honours_it(tmp_path: Path) -> None:
    work = tmp_path / "mcp"
    result = _run_example("mcp", work)
    assert 'task_cancel: {"cancelled": ["T003", "T004", "T005"]' in result.stdout
    assert "task_enqueue: refused: " in result.stdout
    assert "refusing to add the task: the new task depends on unknown task T099" in result.stdout
    assert "[3/7] T007 Review the output  (shell)  priority 8" in result.stdout
    assert "Run completed: 4 done (3 verified, 1 unverified), 0 failed, 3 skipped" in result.stdout
    plan = (work / "plan.md").read_text()
    assert plan.count("- [~] T00") == 3 and "- [X] T007 Review the output" in plan
    assert not (work / "out" / "banner.txt").exists()


def test_parallel_example_runs_three_tasks_at_once(tmp_path: Path) -> None:
    work = tmp_path / "parallel"
    result = _run_example("parallel", work)
    assert (work / "index.txt").read_text().split() == ["about.txt", "contact.txt", "terms.txt"]
    worktree_lines = result.stdout.split("$ git worktree list")[1].split("$ cat")[0]
    assert len([line for line in worktree_lines.splitlines() if line.strip()]) == 1


def test_formats_example_writes_only_marks(tmp_path: Path) -> None:
    work = tmp_path / "fm"
    result = _run_example("formats", work)
    changed = [line for line in result.stdout.splitlines() if line[:1] in "+-"]
    assert changed.count('+        "status": "done",') == 2
    assert "+- **Current Status**: Completed" in changed
    assert "+  - [X]* 2.2 Translate the greeting (optional)" in changed
    assert len(changed) == 12  # 6 marks, each one line out and one line in
    assert (work / "taskmaster" / "greeting.txt").read_text() == "hello\n-- orch\n"
