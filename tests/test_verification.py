"""Done means verified (docs/verification.md): derived file checks, the auto gate, evidence,
--require-verified, plan-marked tasks and `orch verify` — through the real CLI, a real git
repository and a fake `claude` on PATH that speaks Claude Code's stream-json."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git

FAKES = Path(__file__).parent / "fakes"

TASKS_MD = """\
# Tasks: Users

## Phase 1: Setup

- [ ] T001 Create User model in src/models/user.py
- [ ] T002 [P] Add the routes in `src/api/routes.py` and src/api/schemas.py

## Phase 2: User Story 1

- [ ] T003 [US1] Implement login in src/auth/login.py per plan.md
- [ ] T004 [US1] Polish the wording of error messages
"""


@pytest.fixture
def claude_bin(tmp_path: Path) -> dict[str, str]:
    """A fake `claude` first on PATH (and this interpreter's bin, for pytest)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "claude"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(FAKES)!r})\n"
                      "import fake_cli\nsys.exit(fake_cli.main())\n")
    script.chmod(0o755)
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])
    return {"PATH": path, "FAKE_CLI_RECORD": str(tmp_path / "record.json")}


def _speckit(repo: Path, text: str = TASKS_MD) -> Path:
    feature = repo / "specs" / "001-users"
    feature.mkdir(parents=True)
    (feature / "tasks.md").write_text(text)
    (feature / "plan.md").write_text("# Plan\n")
    commit_all(repo)
    return feature / "tasks.md"


def _status(orch: OrchRunner, repo: Path) -> dict[str, object]:
    result = orch("status", "--json", cwd=repo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _tasks(status: dict[str, object]) -> dict[str, dict[str, object]]:
    return {t["id"]: t for t in status["tasks"]}  # type: ignore[index,union-attr]


def test_an_agent_that_only_claims_success_fails_every_file_check(
    git_repo: Path, orch: OrchRunner, claude_bin: dict[str, str]
) -> None:
    _speckit(git_repo)
    env = {**claude_bin, "FAKE_CLI_SCENARIO": "claim"}
    for task_id in ("T001", "T002", "T003"):
        result = orch("run", "--agent", "claude-code", "--only", task_id, cwd=git_repo, env=env)
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"FAILED {task_id}" in result.stdout
        assert "file check failed" in result.stdout
        task = _tasks(_status(orch, git_repo))[task_id]
        assert task["status"] == "failed"
        assert task["verified"] is False
    # The task that names no file finishes, but unverified, and is counted as such.
    result = orch("run", "--agent", "claude-code", "--only", "T004", cwd=git_repo, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "done T004" in result.stdout and "(unverified: no check)" in result.stdout
    assert "1 done (0 verified, 1 unverified)" in result.stdout
    status = _status(orch, git_repo)
    assert _tasks(status)["T004"]["verified"] is False
    assert status["verified"] == 0 and status["unverified"] == 1


def test_an_agent_that_writes_the_named_files_is_done_and_verified_with_evidence(
    git_repo: Path, orch: OrchRunner, claude_bin: dict[str, str]
) -> None:
    _speckit(git_repo, TASKS_MD.replace("- [ ] T004 [US1] Polish the wording of error messages\n",
                                        ""))
    env = {**claude_bin, "FAKE_CLI_SCENARIO": "obedient"}
    result = orch("run", "--agent", "claude-code", cwd=git_repo, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "done T001" in result.stdout and "(verified)" in result.stdout
    tasks = _tasks(_status(orch, git_repo))
    for task_id in ("T001", "T002", "T003"):
        assert tasks[task_id]["status"] == "done"
        assert tasks[task_id]["verified"] is True, tasks[task_id]
    evidence = tasks["T002"]["evidence"]
    assert [(e["kind"], e["command"], e["exit_code"]) for e in evidence] == [  # type: ignore[union-attr,index]
        ("file", "changed src/api/routes.py", 0),
        ("file", "changed src/api/schemas.py", 0),
    ]
    assert all(len(e["output_sha256"]) == 64 for e in evidence)  # type: ignore[union-attr,index]
    diffstat = dict(tasks["T002"]["diffstat"])  # type: ignore[call-overload]
    assert diffstat.pop("before") != diffstat.pop("after")  # the trees measured between
    assert diffstat == {
        "files": 2, "insertions": 2, "deletions": 0,
        "paths": ["src/api/routes.py", "src/api/schemas.py"],
    }
    # plan.md was only referenced ("per plan.md"): no check on it.
    assert [e["command"] for e in tasks["T003"]["evidence"]] == [  # type: ignore[union-attr,index]
        "changed src/auth/login.py"]
    log = orch("log", "T002", cwd=git_repo).stdout
    assert log.rstrip().splitlines()[-1] == (
        "orch: T002 done (verified) · file changed src/api/routes.py exit 0 · file changed "
        "src/api/schemas.py exit 0 · diff 2 files +2 -0")
    record = json.loads(Path(claude_bin["FAKE_CLI_RECORD"]).read_text())
    prompt = "\n".join([*record["argv"], record["stdin"]])
    assert "- src/auth/login.py must exist afterwards and be changed by this task" in prompt
    assert "plan.md must" not in prompt


def test_the_prompt_says_when_orch_has_no_check(
    git_repo: Path, orch: OrchRunner, claude_bin: dict[str, str]
) -> None:
    _speckit(git_repo, "# T\n\n## Phase 1: X\n\n- [ ] T001 Polish the wording\n")
    result = orch("run", "--agent", "claude-code", cwd=git_repo,
                  env={**claude_bin, "FAKE_CLI_SCENARIO": "claim"})
    assert result.returncode == 0, result.stderr
    record = json.loads(Path(claude_bin["FAKE_CLI_RECORD"]).read_text())
    prompt = "\n".join([*record["argv"], record["stdin"]])
    assert "orch has no check for this task" in prompt
    assert "verification commands itself" not in prompt
    assert "no test command detected" in result.stderr


def _pytest_project(repo: Path, *, passing: bool) -> None:
    (repo / "pyproject.toml").write_text("[project]\nname = 'demo'\nversion = '0'\n")
    (repo / "tests").mkdir()
    (repo / "tests" / "test_demo.py").write_text(
        f"def test_demo():\n    assert {passing}\n")
    plan = "# Demo\n\n## Phase 1: Build\n\n- [ ] T001 Write notes.txt\n  ```sh\n" \
           "  echo hi > notes.txt\n  ```\n"
    (repo / "plan.md").write_text(plan)
    commit_all(repo)


def test_a_phase_without_a_gate_runs_pytest_and_a_failing_test_halts_the_run(
    git_repo: Path, orch: OrchRunner, claude_bin: dict[str, str]
) -> None:
    _pytest_project(git_repo, passing=False)
    result = orch("run", "plan.md", cwd=git_repo, env=claude_bin)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "  gate 1: pytest -q" in result.stdout
    assert "AUTO GATE FAILED phase 1" in result.stdout
    assert "phase 1 auto gate failed" in result.stderr
    assert "  1      Build  1/1" in result.stdout and result.stdout.rstrip().count("failed") >= 1
    phases = _status(orch, git_repo)["phases"]
    assert phases[0]["gate"] == "auto" and phases[0]["gate_failed"] is True  # type: ignore[index]


def test_a_passing_auto_gate_verifies_the_phase_tasks(
    git_repo: Path, orch: OrchRunner, claude_bin: dict[str, str]
) -> None:
    _pytest_project(git_repo, passing=True)
    result = orch("run", "plan.md", cwd=git_repo, env=claude_bin)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "phase 1 done in" in result.stdout and "(gate: auto)" in result.stdout
    task = _tasks(_status(orch, git_repo))["T001"]
    assert task["verified"] is True
    assert [(e["kind"], e["command"]) for e in task["evidence"]] == [  # type: ignore[union-attr,index]
        ("file", "changed notes.txt"), ("gate", "pytest -q")]


def test_require_verified_refuses_a_plan_with_unchecked_tasks(
    git_repo: Path, orch: OrchRunner
) -> None:
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Polish things\n- [ ] T002 Create src/a.py\n"
        "- [ ] T003 Think hard\n")
    commit_all(git_repo)
    result = orch("run", "plan.md", "--require-verified", cwd=git_repo)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines()[0] == (
        "error: --require-verified: 2 task(s) would have no check: T001 (line 5), T003 (line 7)")
    assert result.stderr.splitlines()[1].startswith("hint: ")
    assert not (git_repo / ".specify" / "orch" / "runs").exists() or not any(
        (git_repo / ".specify" / "orch" / "runs").iterdir())


def test_require_verified_from_config(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / ".specify" / "orch").mkdir(parents=True)
    (git_repo / ".specify" / "orch" / "config.yaml").write_text("require_verified: true\n")
    (git_repo / "plan.md").write_text("# P\n\n## Phase 1: A\n\n- [ ] T001 Polish things\n")
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 2 and "T001 (line 5)" in result.stderr


def test_plan_marked_tasks_are_not_run_and_a_finished_plan_has_nothing_to_do(
    git_repo: Path, orch: OrchRunner
) -> None:
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [X] T001 Create a.txt\n\n## Phase 2: B\n\n"
        "- [ ] T002 Create b.txt\n  ```sh\n  echo b > b.txt\n  ```\n")
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "  done in plan, not run T001" in result.stdout
    assert "1 done (1 verified, 0 unverified), 0 failed, 0 skipped, 1 done in plan, not run" \
        in result.stdout
    log = git(git_repo, "log", "--format=%s").splitlines()
    assert log[0] == "orch: phase 2 B" and not any("phase 1" in line for line in log)
    head = git(git_repo, "rev-parse", "HEAD")
    again = orch("run", "plan.md", cwd=git_repo)
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stderr
    assert git(git_repo, "rev-parse", "HEAD") == head


def test_orch_verify_lists_a_task_whose_file_was_deleted(
    git_repo: Path, orch: OrchRunner
) -> None:
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Create src/a.txt\n  ```sh\n  mkdir -p src\n"
        "  echo a > src/a.txt\n  ```\n- [ ] T002 Create b.txt\n  ```sh\n  echo b > b.txt\n"
        "  ```\n  - verify: `grep -q b b.txt`\n")
    commit_all(git_repo)
    assert orch("run", "plan.md", cwd=git_repo).returncode == 0
    clean = orch("verify", cwd=git_repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "2 done tasks re-checked, 0 no longer hold" in clean.stdout
    (git_repo / "src" / "a.txt").unlink()
    drift = orch("verify", cwd=git_repo)
    assert drift.returncode == 1
    assert "  FAILED T001 Create src/a.txt" in drift.stdout
    assert "    file: changed src/a.txt (exit 1)" in drift.stdout
    assert "T002" not in drift.stdout.split("re-checked")[1]
    as_json = json.loads(orch("verify", "--json", cwd=git_repo).stdout)
    assert as_json["ok"] is False and [f["task"] for f in as_json["failed"]] == ["T001"]


def test_verify_commands_run_with_pipefail(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Do it\n  ```sh\n  true\n  ```\n"
        "  - verify: `false | cat`\n")
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 1, result.stdout
    assert "verify failed: false | cat (exit 1)" in result.stdout


def test_dry_run_shows_each_task_checks_and_the_unverified_ones(
    git_repo: Path, orch: OrchRunner
) -> None:
    _speckit(git_repo)
    result = orch("run", "--dry-run", "--agent", "shell", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert "      check: changed src/models/user.py" in result.stdout
    t004 = result.stdout.split("T004")[1]
    assert "unverified: no check would run for this task" in t004


@pytest.mark.parametrize("with_git", [True, False])
@pytest.mark.parametrize(("script", "code"), [("true", 1), ("echo b > templates/b.txt", 0)])
def test_a_directory_named_by_a_task_must_get_something_new(
    tmp_path: Path, orch: OrchRunner, with_git: bool, script: str, code: int
) -> None:
    project = tmp_path / "p"
    (project / "templates").mkdir(parents=True)
    (project / "templates" / "a.txt").write_text("a\n")
    (project / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Create the welcome template in templates/\n"
        f"  ```sh\n  {script}\n  ```\n")
    if with_git:
        git(project, "init", "-q", "-b", "main")
        commit_all(project)
    result = orch("run", "plan.md", "--commit", "none", cwd=project)
    assert result.returncode == code, result.stdout + result.stderr
    if code:
        assert "templates/ was not created and nothing in it was created or changed" \
            in result.stdout


def test_several_directories_pass_when_one_is_new_and_all_exist(
    git_repo: Path, orch: OrchRunner
) -> None:
    (git_repo / "cmd").mkdir()
    (git_repo / "cmd" / "main.go").write_text("package main\n")
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Create directory structure: cmd/, internal/\n"
        "  ```sh\n  mkdir -p internal\n  ```\n")
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    evidence = _tasks(_status(orch, git_repo))["T001"]["evidence"]
    assert [(e["command"], e["ok"]) for e in evidence] == [  # type: ignore[union-attr,index]
        ("changed-in cmd/", True), ("changed-in internal/", True)]


def test_orch_verify_counts_one_task_in_the_singular(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Create b.txt\n  ```sh\n  echo b > b.txt\n  ```\n"
        "  - verify: `grep -q b b.txt`\n- [ ] T002 Say hello\n  ```sh\n  echo hello\n  ```\n")
    commit_all(git_repo)
    assert orch("run", "plan.md", cwd=git_repo).returncode == 0
    shown = orch("verify", cwd=git_repo).stdout
    assert "1 done task re-checked, 0 no longer hold" in shown
    assert "  1 done task had no check to re-run: T002" in shown
