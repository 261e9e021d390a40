"""What the CLI prints agrees with what happened (issue 8 items 15 and 17)."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from conftest import OrchRunner, commit_all, make_plan, shell_task, start_orch
from orch.procgroups import group_exists
from proctrack import read_pgid
from test_cli_contract import WAIT_FOR_GO, status_json, two_phase_run

FAKE_CLI = Path(__file__).parent / "fakes" / "fake_cli.py"


def fake_claude(tmp_path: Path) -> dict[str, str]:
    """Claude Code's documented stream-json on PATH (each task costs $0.0421)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    claude = bin_dir / "claude"
    claude.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(FAKE_CLI.parent)!r})\n"
        "import fake_cli\nsys.exit(fake_cli.main())\n"
    )
    claude.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_CLI_SCENARIO": "success"}


def test_the_cost_cap_is_printed_as_given(
    git_repo: Path, orch: OrchRunner, tmp_path: Path
) -> None:
    plan = make_plan([("One", ["- [ ] T001 First\n  - agent: claude-code",
                               "- [ ] T002 Second\n  - agent: claude-code"])])
    (git_repo / "plan.md").write_text(plan)
    (git_repo / ".gitignore").write_text("made_by_claude.txt\n")
    commit_all(git_repo)
    result = orch("run", "plan.md", "--max-cost", "0.015", cwd=git_repo, env=fake_claude(tmp_path))
    assert result.returncode == 3, result.stderr
    assert "cap $0.015" in result.stderr
    assert "$0.01 " not in result.stdout + result.stderr
    assert "cap $0.02" not in result.stdout + result.stderr


def test_validate_counts_in_words(git_repo: Path, orch: OrchRunner) -> None:
    plan = make_plan([("One", [shell_task("T001", "Only", "true")])], gates={1: ["true"]})
    (git_repo / "plan.md").write_text(plan)
    out = orch("validate", "plan.md", cwd=git_repo).stdout
    assert "(1 task, 0 done, 1 gate)" in out
    assert "1 task in 1 phase:" in out
    assert "(s)" not in out and "1 tasks" not in out


def test_a_retried_attempt_is_not_shouted_and_resets_are_not_printed(
    git_repo: Path, orch: OrchRunner
) -> None:
    script = "if [ -f once ]; then echo ok > out.txt; else touch once; exit 1; fi"
    plan = make_plan([("One", [shell_task("T001", "Flaky", script, extra="  - retries: 1")])])
    (git_repo / "plan.md").write_text(plan)
    (git_repo / ".gitignore").write_text("once\n")
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo, env={"ORCH_REPORTER": "plain"})
    assert result.returncode == 0, result.stderr
    assert "FAILED" not in result.stdout
    assert "will retry" in result.stdout
    assert "reset T001" not in result.stdout


def test_ctrl_c_is_said_once_and_in_the_log(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / ".gitignore").write_text("pgid\ngo\n")
    plan = make_plan([("One", [shell_task("T001", "Waits", WAIT_FOR_GO)])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    run = start_orch("run", "plan.md", cwd=git_repo, output=True)
    pgid = 0
    try:
        pgid = read_pgid(git_repo / "pgid", 60)
        run.send_signal(signal.SIGINT)
        _out, err = run.communicate(timeout=60)
        assert run.returncode == 130
        assert "interrupted: interrupted" not in err
        log = orch("log", "T001", cwd=git_repo).stdout
        assert "this attempt was interrupted" in log
        assert not group_exists(pgid)
    finally:
        if run.poll() is None:
            run.kill()
        if pgid and group_exists(pgid):
            os.killpg(pgid, signal.SIGKILL)


def test_dry_run_without_an_agent_exits_2_and_outside_git_promises_no_checkpoint(
    tmp_path: Path, orch: OrchRunner
) -> None:
    project = tmp_path / "plain"
    project.mkdir()
    (project / "plan.md").write_text(
        make_plan([("One", [shell_task("T001", "Shell", "true"), "- [ ] T002 Needs a model"])])
    )
    result = orch("run", "plan.md", "--dry-run", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith("error: task T002")
    assert "checkpoint: git commit" not in result.stdout
    assert "not a git repository" in result.stdout
    shell_only = orch("run", "plan.md", "--dry-run", "--only", "T001", cwd=project)
    assert shell_only.returncode == 0


def test_after_a_rollback_reset_tasks_look_fresh(git_repo: Path, orch: OrchRunner) -> None:
    two_phase_run(git_repo, orch)
    assert orch("rollback", "phase-1", "--yes", cwd=git_repo).returncode == 0
    state = status_json(orch, git_repo)
    tasks = {t["id"]: t for t in state["tasks"]}  # type: ignore[attr-defined]
    assert tasks["T002"]["status"] == "pending"
    assert tasks["T002"]["attempts"] == 0 and tasks["T002"]["started"] is None
    assert tasks["T001"]["attempts"] == 1
    assert "rolled back to phase-1" in str(state["error"])
    runs = json.loads(orch("runs", "--json", cwd=git_repo).stdout)
    assert runs["runs"][0]["done"] == 1
