"""One derivation of a task's checks: validate, --dry-run, --require-verified and the run agree;
the auto gate is decided once per run and never calls a bare ``python``; a retry across a resume
is told why the last attempt failed."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from conftest import FAKES_DIR, OrchRunner, commit_all, git, make_plan, shell_task
from orch.domain.plan import Task
from orch.runner.derived import FileRule, derive_file_checks

SPECKIT = """\
# Tasks: Users

## Phase 1: Setup

- [ ] T001 Create the package in src/users/__init__.py
- [ ] T002 [P] Contract test for the user model in tests/test_user.py

## Phase 2: Core

- [ ] T003 Create User model in src/users/model.py
- [ ] T004 Implement the user service in src/users/service.py
"""


def pytest_project(repo: Path) -> None:
    (repo / "pyproject.toml").write_text("[project]\nname = 'users'\nversion = '0'\n")
    commit_all(repo, "pytest project")


def test_a_speckit_plan_in_a_pytest_project_is_strictly_valid_and_says_its_checks(
    orch: OrchRunner, git_repo: Path
) -> None:
    pytest_project(git_repo)
    (git_repo / "tasks.md").write_text(SPECKIT)
    strict = orch("validate", "--strict", "tasks.md", cwd=git_repo)
    assert strict.returncode == 0, strict.stdout + strict.stderr
    assert "nothing would check" not in strict.stderr and "names no files" not in strict.stderr
    assert "    T003: check: changed src/users/model.py" in strict.stdout
    assert "    gate (auto): pytest -q" in strict.stdout
    dry = orch("run", "tasks.md", "--dry-run", "--agent", "shell", cwd=git_repo)
    assert dry.returncode == 0, dry.stderr
    assert "      check: changed src/users/model.py" in dry.stdout
    assert "  gate (auto): pytest -q" in dry.stdout
    document = json.loads(orch("validate", "--json", "tasks.md", cwd=git_repo).stdout)
    task = document["phases"][1]["tasks"][0]
    assert task["checked"] is True
    assert task["checks"] == ["check: changed src/users/model.py", "gate (auto): pytest -q"]


def test_no_gate_and_names_no_files_warnings_fold_across_phases(
    orch: OrchRunner, tmp_path: Path
) -> None:
    words = ["Browse", "Search", "Order", "Pay"]
    phases = "".join(
        f"## Phase {n}: User Story {n} (P{n}) - {words[n - 1]} (MVP)\n\n- [ ] T00{n} Do step {n}\n"
        f"  - verify: `true`\n\n" for n in range(1, 5))
    (tmp_path / "plan.md").write_text("# P\n\n" + phases)
    done = orch("validate", "plan.md", cwd=tmp_path)
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    gates = [line for line in warnings if "has no gate" in line]
    files = [line for line in warnings if "names no files" in line]
    assert len(gates) == 1 and "(and 3 more like it" in gates[0], done.stderr
    assert "pytest, unittest, npm test" in gates[0]
    assert len(files) == 1 and "(and 3 more like it" in files[0], done.stderr


@pytest.mark.parametrize("title", [
    "Record decisions D-DS-1/D-DS-2 in the design",
    "Apply `FR-001/FR-002` to the form",
    "設計 D-DS-1/… を反映する",
    "認証/認可 の流れを実装",
    "Write `ユーザー/認証` notes",
])
def test_slash_separated_prose_is_no_file_check(title: str) -> None:
    assert derive_file_checks(Task(id="T001", title=title, phase_id="1", line=1)) == []


def test_a_reading_task_with_files_that_changes_nothing_is_done(
    orch: OrchRunner, git_repo: Path
) -> None:
    (git_repo / "app.py").write_text("print('hi')\n")
    plan = make_plan([("Review", [shell_task("T001", "Review the change and fix any real bug",
                                             "echo looked", extra="  - files: app.py")])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    task = Task(id="T001", title="Review the change and fix any real bug", files=["app.py"],
                phase_id="1", line=1)
    assert [check.rule for check in derive_file_checks(task)] == [FileRule.EXISTS]
    done = orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    task_status = json.loads(orch("status", "--json", cwd=git_repo).stdout)["tasks"][0]
    assert (task_status["status"], task_status["verified"]) == ("done", True)
    assert task_status["evidence"][0]["command"] == "exists app.py"


def test_require_verified_dry_run_exits_as_the_run(orch: OrchRunner, git_repo: Path) -> None:
    plan = make_plan([("Work", [shell_task("T001", "Say hello", "echo hello")])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    dry = orch("run", "plan.md", "--require-verified", "--dry-run", cwd=git_repo)
    real = orch("run", "plan.md", "--require-verified", "--yes", cwd=git_repo)
    assert dry.returncode == real.returncode == 2, (dry.stderr, real.stderr)
    assert dry.stderr.splitlines()[-2:] == real.stderr.splitlines()[-2:]


def test_the_auto_gate_uses_python3_and_stays_the_same_across_a_resume(
    orch: OrchRunner, git_repo: Path
) -> None:
    (git_repo / "tests").mkdir()
    (git_repo / "tests" / "test_ok.py").write_text(
        "import unittest\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n"
        "        self.assertTrue(True)\n")
    plan = make_plan([("Work", [shell_task("T001", "Write the note", "test -f go && echo hi"
                                           " > note.txt", extra="  - files: note.txt")])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    assert os.path.exists("/usr/bin/python3") and not os.path.exists("/usr/bin/python")
    env = {"PATH": "/usr/bin:/bin"}  # python3, and no bare python
    first = orch("run", "plan.md", "--yes", "--agent", "shell", cwd=git_repo, env=env)
    assert first.returncode == 1, first.stdout + first.stderr  # T001 fails: no `go` yet
    # The project changes under the halted run: a fresh detection would now say pytest.
    (git_repo / "go").write_text("")
    (git_repo / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '0'\n")
    commit_all(git_repo, "go")
    resumed = orch("resume", "--retry-failed", "--yes", cwd=git_repo, env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    run_dir = git_repo / ".specify" / "orch" / "runs" / \
        (git_repo / ".specify" / "orch" / "current").read_text().strip()
    assert json.loads((run_dir / "run.json").read_text())["auto_gate"] == \
        "python3 -m unittest discover -s tests"
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    gates = [check["command"] for event in events if event["type"] == "phase_finished"
             for check in event["data"].get("evidence", [])]
    assert gates == ["python3 -m unittest discover -s tests"]
    status = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    assert status["state"] == "completed"


def fake_claude(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "claude"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(FAKES_DIR)!r})\n"
                      "import fake_cli\nsys.exit(fake_cli.main())\n")
    script.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "FAKE_CLI_SCENARIO": "success"}


def test_retry_failed_tells_the_new_attempt_why_the_last_failed(
    orch: OrchRunner, git_repo: Path, tmp_path: Path
) -> None:
    env = fake_claude(tmp_path)
    check = "echo CHECK-SAW-$(cat made_by_claude.txt); test -f approved.txt"
    plan = ("# P\n\n## Phase 1: Work\n\n- [ ] T001 Write the greeting\n"
            f"  - verify: `{check}`\n  - retries: 0\n")
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    first = orch("run", "plan.md", "--yes", "--agent", "claude-code", "--commit", "none",
                 cwd=git_repo, env=env)
    assert first.returncode == 1, first.stdout + first.stderr
    (git_repo / "approved.txt").write_text("yes\n")
    git(git_repo, "add", "approved.txt")
    resumed = orch("resume", "--retry-failed", "--yes", cwd=git_repo, env=env)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    log = orch("log", "T001", cwd=git_repo, env=env).stdout
    prompts = log.split("claude-code prompt")
    assert len(prompts) == 3, log
    assert "Failing command" not in prompts[1]
    assert f"Failing command: {check}" in prompts[2]
    assert "CHECK-SAW-hello from claude" in prompts[2]
