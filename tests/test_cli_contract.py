"""The CLI says what is true: config errors, usage errors, prompts, status of dead runs,
resume options, wording (issue 8 items 9, 11-13, 15, 17, 18)."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git, make_plan, shell_task, start_orch
from orch.procgroups import group_exists
from proctrack import read_pgid


def one_task_plan(repo: Path, script: str = "echo hi > out.txt") -> None:
    (repo / "plan.md").write_text(make_plan([("One", [shell_task("T001", "Write", script)])]))
    commit_all(repo)


@pytest.mark.parametrize(
    ("where", "text"),
    [
        (".specify/orch/config.yaml", "[" * 5000),
        (".specify/orch/config.yaml", "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 3000))),
        (".claude/agents/deep.md", "---\nname: " + "[" * 5000 + "\n---\nbody\n"),
    ],
)
def test_deeply_nested_yaml_is_a_config_error(
    git_repo: Path, orch: OrchRunner, where: str, text: str
) -> None:
    one_task_plan(git_repo)
    path = git_repo / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    result = orch("run", "plan.md", "--agent", "shell", cwd=git_repo)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ") and where in lines[0]
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert not (git_repo / "out.txt").exists()


def status_json(orch: OrchRunner, repo: Path) -> dict[str, object]:
    result = orch("status", "--json", cwd=repo)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


WAIT_FOR_GO = """\
echo $$ > pgid
while [ ! -f go ]; do sleep 0.05; done
echo done > out.txt"""


def test_a_killed_run_shows_as_interrupted(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / ".gitignore").write_text("pgid\ngo\n")
    one_task_plan(git_repo, WAIT_FOR_GO)
    run = start_orch("run", "plan.md", cwd=git_repo)
    pgid = 0
    try:
        pgid = read_pgid(git_repo / "pgid", 60)
        assert status_json(orch, git_repo)["state"] == "running"
        run.kill()
        run.wait()
        assert status_json(orch, git_repo)["state"] == "interrupted"
        runs = json.loads(orch("runs", "--json", cwd=git_repo).stdout)
        assert [row["state"] for row in runs["runs"]] == ["interrupted"]
        assert "running" not in orch("runs", cwd=git_repo).stdout
        text = orch("status", cwd=git_repo).stdout
        assert "interrupted" in text.splitlines()[0]
    finally:
        if run.poll() is None:
            run.kill()
        if pgid and group_exists(pgid):
            os.killpg(pgid, signal.SIGKILL)


HANGS_ON_RESUME = "if [ -f hang ]; then sleep 30; fi\nexit 1"


def test_resume_takes_the_options_of_run(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / ".gitignore").write_text("hang\n")
    one_task_plan(git_repo, HANGS_ON_RESUME)
    assert orch("run", "plan.md", "--yes", cwd=git_repo).returncode == 1
    (git_repo / "hang").write_text("")
    result = orch(
        "resume", "--retry-failed", "--yes", "--json", "--max-cost", "0.015",
        "--task-timeout", "1s", "--jobs", "1", cwd=git_repo, timeout=60,
    )
    assert result.returncode == 1, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events and all(isinstance(event, dict) for event in events)
    task = status_json(orch, git_repo)["tasks"][0]  # type: ignore[index]
    assert "timed out" in task["error"]
    run_json = next((git_repo / ".specify/orch/runs").glob("*/run.json"))
    options = json.loads(run_json.read_text())["options"]
    assert options["max_cost_usd"] == 0.015 and options["task_timeout_s"] == 1.0


def test_resume_rejects_a_bad_duration_as_usage(git_repo: Path, orch: OrchRunner) -> None:
    one_task_plan(git_repo, "exit 1")
    orch("run", "plan.md", cwd=git_repo)
    result = orch("resume", "--task-timeout", "soon", cwd=git_repo)
    assert result.returncode == 2
    assert result.stderr.startswith("error: --task-timeout")


@pytest.mark.parametrize(
    "args",
    [["run", "--bogus"], ["nosuch"], ["run", "plan.md", "--max-cost", "abc"], ["status", "a", "b"]],
)
def test_framework_usage_errors_are_one_error_line_exit_2(
    git_repo: Path, orch: OrchRunner, args: list[str]
) -> None:
    result = orch(*args, cwd=git_repo)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: ")
    assert "Usage:" not in result.stderr and result.stdout == ""


def test_run_help_says_json_is_json_lines(tmp_path: Path, orch: OrchRunner) -> None:
    for command in ("run", "resume"):
        text = " ".join(orch(command, "--help", cwd=tmp_path).stdout.split())
        assert "JSON lines" in text


def test_a_declined_prompt_exits_3(git_repo: Path, orch: OrchRunner) -> None:
    two_phase_run(git_repo, orch)
    head = git(git_repo, "rev-parse", "HEAD")
    for answer in ("n\n", ""):
        code, err = run_on_a_terminal(
            [sys.executable, "-m", "orch", "rollback", "phase-1"], git_repo, answer
        )
        assert code == 3, err
        assert "error: " in err and "Traceback" not in err
        assert git(git_repo, "rev-parse", "HEAD") == head
        assert (git_repo / "two.txt").exists()


def two_phase_run(repo: Path, orch: OrchRunner) -> None:
    """A completed run of two one-task phases (checkpoints phase-1 and phase-2)."""
    plan = make_plan(
        [
            ("One", [shell_task("T001", "One", "echo 1 > one.txt")]),
            ("Two", [shell_task("T002", "Two", "echo 2 > two.txt")]),
        ]
    )
    (repo / "plan.md").write_text(plan)
    commit_all(repo)
    assert orch("run", "plan.md", cwd=repo).returncode == 0


def run_on_a_terminal(
    argv: list[str], cwd: Path, answer: str, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """Run ``argv`` with a pseudo-terminal as stdin, type ``answer`` (or end of input)."""
    master, slave = pty.openpty()
    child = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    os.close(slave)
    if answer:
        os.write(master, answer.encode())
    else:
        os.write(master, b"\x04")  # Ctrl-D: end of input at the prompt
    try:
        _out, err = child.communicate(timeout=60)
    finally:
        os.close(master)
    return child.returncode, err


def speckit_features(repo: Path, names: list[str]) -> None:
    for name in names:
        folder = repo / "specs" / name
        folder.mkdir(parents=True)
        plan = make_plan([("Setup", [shell_task("T001", f"Task of {name}", "true")])])
        (folder / "tasks.md").write_text(plan)
    commit_all(repo, "features")


def test_specify_feature_naming_nothing_is_an_error(git_repo: Path, orch: OrchRunner) -> None:
    speckit_features(git_repo, ["001-alpha", "002-beta"])
    result = orch("run", env={"SPECIFY_FEATURE": "007-missing"}, cwd=git_repo)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: SPECIFY_FEATURE='007-missing'")
    assert lines[1].startswith("hint: ") and "001-alpha, 002-beta" in lines[1]
    assert not (git_repo / ".specify" / "orch" / "runs").exists()
    chosen = orch("run", "--dry-run", env={"SPECIFY_FEATURE": "001-alpha"}, cwd=git_repo)
    assert chosen.returncode == 0 and "specs/001-alpha/tasks.md" in chosen.stderr


def test_the_branch_of_a_linked_worktree_picks_its_feature(
    git_repo: Path, orch: OrchRunner
) -> None:
    speckit_features(git_repo, ["001-alpha", "002-beta", "003-gamma"])
    worktree = git_repo.parent / "beta-worktree"
    git(git_repo, "worktree", "add", "-q", "-b", "002-beta", str(worktree))
    assert (worktree / ".git").is_file()
    result = orch("run", "--dry-run", cwd=worktree)
    assert result.returncode == 0, result.stderr
    assert "specs/002-beta/tasks.md" in result.stderr and "git branch '002-beta'" in result.stderr


def test_a_killed_run_not_yet_reaped_shows_as_interrupted(git_repo: Path,
                                                          orch: OrchRunner) -> None:
    """``kill -9`` of orch leaves a zombie until its parent reaps it (a busy shell, an init that
    never reaps in a container): the zombie holds no lock and runs nothing."""
    (git_repo / ".gitignore").write_text("pgid\ngo\n")
    one_task_plan(git_repo, WAIT_FOR_GO)
    run = start_orch("run", "plan.md", cwd=git_repo)
    pgid = 0
    try:
        pgid = read_pgid(git_repo / "pgid", 60)
        os.kill(run.pid, signal.SIGKILL)
        stat = Path(f"/proc/{run.pid}/stat")
        for _ in range(1200):
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break
            time.sleep(0.05)
        assert status_json(orch, git_repo)["state"] == "interrupted"
    finally:
        run.kill()
        run.wait()
        if pgid and group_exists(pgid):
            os.killpg(pgid, signal.SIGKILL)
