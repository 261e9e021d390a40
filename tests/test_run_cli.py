"""`orch run` / `resume` / `status` end to end: real subprocesses in real git repositories."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all, git, make_plan, shell_task


def three_phase_plan() -> str:
    return make_plan(
        [
            (
                "Setup",
                [
                    shell_task("T001", "Make a", "echo a > a.txt", verify=["test -f a.txt"]),
                    shell_task("T002", "Make b", "echo b > b.txt", deps="T001"),
                ],
            ),
            (
                "Build",
                [
                    shell_task(
                        "T003", "Join", "cat a.txt b.txt > ab.txt", verify=["grep -q b ab.txt"]
                    )
                ],
            ),
            ("Ship", [shell_task("T004", "Done marker", "echo ok > done.txt")]),
        ],
        gates={2: ["test -f ab.txt"]},
    )


def status(orch: OrchRunner, repo: Path) -> dict:  # type: ignore[type-arg]
    result = orch("status", "--json", cwd=repo)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_run_completes_and_records_every_task(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert (git_repo / "done.txt").read_text() == "ok\n"
    doc = status(orch, git_repo)
    assert doc["state"] == "completed"
    assert [t["id"] for t in doc["tasks"]] == ["T001", "T002", "T003", "T004"]
    for task in doc["tasks"]:
        assert task["status"] == "done"
        assert task["attempts"] == 1
        assert task["started"] and task["ended"]
        assert task["error"] is None
    assert doc["cost_usd"] == 0.0
    assert "Task [3/4] T003 Join" in result.stdout


def test_failing_verify_halts_then_retry_failed_finishes(git_repo: Path, orch: OrchRunner) -> None:
    plan = make_plan(
        [
            (
                "One",
                [
                    shell_task("T001", "First", "echo 1 >> ran.txt"),
                    shell_task(
                        "T002", "Needs switch", "echo 2 >> ran.txt", verify=["test -f switch"]
                    ),
                ],
            ),
            ("Two", [shell_task("T003", "Later", "echo 3 >> ran.txt")]),
        ]
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 1
    assert "test -f switch" in result.stdout + result.stderr
    assert "--retry-failed" in result.stderr
    assert (git_repo / "ran.txt").read_text() == "1\n2\n"  # T003 never started
    doc = status(orch, git_repo)
    by_id = {t["id"]: t for t in doc["tasks"]}
    assert doc["state"] == "failed"
    assert by_id["T002"]["status"] == "failed"
    assert "test -f switch" in by_id["T002"]["error"]
    assert by_id["T003"]["status"] == "pending"
    log = orch("log", "T002", cwd=git_repo)
    assert "verification FAILED" in log.stdout

    refused = orch("resume", cwd=git_repo)
    assert refused.returncode == 3
    assert "--retry-failed" in refused.stderr

    (git_repo / "switch").write_text("on\n")
    resumed = orch("resume", "--retry-failed", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stderr
    assert (git_repo / "ran.txt").read_text() == "1\n2\n2\n3\n"
    doc = status(orch, git_repo)
    by_id = {t["id"]: t for t in doc["tasks"]}
    assert doc["state"] == "completed"
    assert by_id["T002"]["attempts"] == 2
    assert by_id["T001"]["attempts"] == 1

    again = orch("resume", cwd=git_repo)
    assert again.returncode == 3
    assert "nothing to resume" in again.stderr


def test_retries_with_backoff_then_blocked_by_no_progress(git_repo: Path, orch: OrchRunner) -> None:
    config = git_repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("retry_backoff: 0.01\nno_progress_limit: 2\n")
    plan = make_plan(
        [
            (
                "One",
                [
                    shell_task(
                        "T001",
                        "Never passes",
                        "echo try >> tries.txt",
                        verify=["false"],
                        extra="  - retries: 5",
                    )
                ],
            )
        ]
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 1
    assert (git_repo / "tries.txt").read_text().count("try") == 2
    task = status(orch, git_repo)["tasks"][0]
    assert task["status"] == "blocked"
    assert "no progress" in task["error"]


def test_retry_succeeds_on_second_attempt(git_repo: Path, orch: OrchRunner) -> None:
    config = git_repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("retry_backoff: 0.01\n")
    script = "n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n"
    plan = make_plan(
        [
            (
                "One",
                [
                    shell_task(
                        "T001",
                        "Flaky",
                        script,
                        verify=["test $(cat n) -ge 2"],
                        extra="  - retries: 2",
                    )
                ],
            )
        ]
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert status(orch, git_repo)["tasks"][0]["attempts"] == 2


def test_gate_failure_halts_before_next_phase(git_repo: Path, orch: OrchRunner) -> None:
    plan = make_plan(
        [
            ("One", [shell_task("T001", "A", "echo a > a.txt")]),
            ("Two", [shell_task("T002", "B", "echo b > b.txt")]),
        ],
        gates={1: ["test -f missing.txt"]},
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 1
    assert "gate" in result.stderr
    assert not (git_repo / "b.txt").exists()
    (git_repo / "missing.txt").write_text("now\n")
    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stderr
    assert (git_repo / "b.txt").exists()


def test_dry_run_changes_nothing(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    before = sorted(p.relative_to(git_repo) for p in git_repo.rglob("*") if ".git" not in p.parts)
    result = orch("run", "plan.md", "--dry-run", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    after = sorted(p.relative_to(git_repo) for p in git_repo.rglob("*") if ".git" not in p.parts)
    assert before == after
    assert "T003 Join" in result.stdout
    assert "verify: grep -q b ab.txt" in result.stdout
    assert "gate: test -f ab.txt" in result.stdout
    assert git(git_repo, "status", "--porcelain") == ""


def test_selective_runs(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    result = orch("run", "plan.md", "--only", "T001,T002", "--commit", "none", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert (git_repo / "b.txt").exists() and not (git_repo / "ab.txt").exists()
    assert [t["id"] for t in status(orch, git_repo)["tasks"]] == ["T001", "T002"]

    dry = orch(
        "run", "plan.md", "--from", "T002", "--until", "T003", "--dry-run", "--json", cwd=git_repo
    )
    steps = [s["task"] for p in json.loads(dry.stdout)["phases"] for s in p["steps"]]
    assert steps == ["T002", "T003"]

    bad = orch("run", "plan.md", "--only", "T999", cwd=git_repo)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: --only: no such task: T999")


def test_run_json_emits_only_json_lines(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    result = orch("run", "plan.md", "--json", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    types = [e["type"] for e in events]
    assert types[0] == "run_started"
    assert types[-1] == "run_state" and events[-1]["data"]["state"] == "completed"
    assert types.count("task_finished") == 4
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)


def test_task_timeout_kills_the_process_group(git_repo: Path, orch: OrchRunner) -> None:
    plan = make_plan(
        [("One", [shell_task("T001", "Hangs", "sleep 30 & sleep 30", extra="  - timeout: 1s")])]
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo, timeout=20)
    assert result.returncode == 1
    task = status(orch, git_repo)["tasks"][0]
    assert task["status"] == "failed"
    assert "timed out" in task["error"]


def test_plan_already_marked_done_is_not_run(git_repo: Path, orch: OrchRunner) -> None:
    plan = make_plan(
        [
            (
                "One",
                [
                    shell_task("T001", "Done before", "echo no >> ran.txt").replace(
                        "- [ ]", "- [X]", 1
                    ),
                    shell_task("T002", "Skipped", "echo no >> ran.txt").replace(
                        "- [ ]", "- [~]", 1
                    ),
                    shell_task("T003", "Runs", "echo yes >> ran.txt"),
                ],
            )
        ]
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert (git_repo / "ran.txt").read_text() == "yes\n"
    statuses = {t["id"]: t["status"] for t in status(orch, git_repo)["tasks"]}
    assert statuses == {"T001": "done", "T002": "skipped", "T003": "done"}


def test_no_agent_available_fails_before_anything_runs(git_repo: Path, orch: OrchRunner) -> None:
    plan = make_plan(
        [
            (
                "One",
                [
                    shell_task("T001", "Shell", "echo 1 >> ran.txt"),
                    "- [ ] T002 Write the API with an agent",
                ],
            )
        ]
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    result = orch("run", "plan.md", cwd=git_repo, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "needs an agent" in result.stderr
    assert "ANTHROPIC_API_KEY" in result.stderr
    assert not (git_repo / "ran.txt").exists()
    assert not (git_repo / ".specify" / "orch" / "runs").exists()


def test_invalid_plan_and_missing_plan_exit_2(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(
        make_plan([("One", [shell_task("T001", "A", "true", deps="T009")])])
    )
    result = orch("run", "plan.md", cwd=git_repo)
    assert result.returncode == 2
    assert result.stderr.startswith("error: plan.md:")
    assert "T009" in result.stderr
    assert "Traceback" not in result.stderr
    missing = orch("run", "nope.md", cwd=git_repo)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr


def test_status_and_log_without_runs(tmp_path: Path, orch: OrchRunner) -> None:
    result = orch("status", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr.splitlines()[0] == "error: no orch run in this project yet"
    assert orch("runs", cwd=tmp_path).returncode == 0


def test_bad_config_is_one_line_exit_2_and_nothing_runs(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    config = git_repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    commit_all(git_repo)
    cases = {
        "retries: [1\n": ".specify/orch/config.yaml:2:",
        "retries: many\n": "retries:",
        "colour: blue\n": "colour:",
        "- just a list\n": "expected a mapping",
    }
    for text, expected in cases.items():
        config.write_text(text)
        result = orch("run", "plan.md", cwd=git_repo)
        assert result.returncode == 2, (text, result.stderr)
        first = result.stderr.splitlines()[0]
        assert first.startswith("error: ") and expected in first, (text, result.stderr)
        assert "Traceback" not in result.stderr
        assert not (git_repo / "a.txt").exists()


def test_init_writes_a_valid_commented_config_once(git_repo: Path, orch: OrchRunner) -> None:
    first = orch("init", cwd=git_repo)
    assert first.returncode == 0, first.stderr
    config = git_repo / ".specify" / "orch" / "config.yaml"
    text = config.read_text()
    assert "default_agent: null" in text and "budgets:" in text
    config.write_text(text + "# mine\n")
    second = orch("init", cwd=git_repo)
    assert second.returncode == 0
    assert "left unchanged" in second.stdout
    assert config.read_text().endswith("# mine\n")
    assert git(git_repo, "status", "--porcelain").strip() == "?? .specify/"
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    assert orch("run", "plan.md", cwd=git_repo).returncode == 0
    tracked = git(git_repo, "ls-files", ".specify").split()
    assert tracked == [".specify/orch/config.yaml"]


def test_shell_block_runs_with_shell_even_in_a_phase_with_an_agent(
    git_repo: Path, orch: OrchRunner
) -> None:
    plan = (
        "# P\n\n## Phase 1: Build\n\n**Agent**: anthropic\n\n"
        + shell_task("T001", "Shell step", "echo ok > ok.txt")
        + "\n- [ ] T002 Agent step\n"
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    dry = orch("run", "plan.md", "--dry-run", "--json", cwd=git_repo)
    steps = {s["task"]: s for p in json.loads(dry.stdout)["phases"] for s in p["steps"]}
    assert steps["T001"]["adapter"] == "shell"
    assert steps["T002"]["adapter"] == "anthropic"


def test_resume_of_a_completed_run_without_checkpoints_refuses(
    git_repo: Path, orch: OrchRunner
) -> None:
    (git_repo / "plan.md").write_text(three_phase_plan())
    commit_all(git_repo)
    assert orch("run", "plan.md", "--commit", "none", cwd=git_repo).returncode == 0
    again = orch("resume", cwd=git_repo)
    assert again.returncode == 3
    assert "nothing to resume" in again.stderr
