"""One engine (docs/parallel.md, docs/state.md): every task through one controller, every
result through one recorder, whether it ran in the main tree or a lane, live or after a kill.

Each test drives the real ``orch`` in a subprocess on a real repository; a task's own
executions are counted in a file outside the repository.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from conftest import OrchRunner, commit_all, git, make_plan, shell_task
from test_parallel import events, orch_branches, p_task, worktrees
from test_parallel_crash import start, wait_for


def counted(counter: Path, script: str) -> str:
    """``script`` preceded by one line appended to ``counter`` per execution."""
    return f"echo run >> {counter}\n{script}"


def runs_of(counter: Path) -> int:
    return len(counter.read_text().splitlines()) if counter.exists() else 0


def statuses(orch: OrchRunner, repo: Path) -> dict[str, dict[str, object]]:
    result = orch("status", "--json", cwd=repo)
    assert result.returncode in (0, 1, 3, 4), result.stderr
    return {t["id"]: t for t in json.loads(result.stdout)["tasks"]}


def journalled(repo: Path, kind: str, task: str) -> list[dict[str, object]]:
    try:
        journal = events(repo)
    except (FileNotFoundError, IndexError, ValueError):  # not started, or mid-write
        return []
    return [e for e in journal if e["type"] == kind and e.get("task") == task]


def test_a_halt_keeps_a_busy_lanes_passing_work(git_repo: Path, orch: OrchRunner,
                                                 tmp_path: Path) -> None:
    counter = tmp_path / "t002.count"
    plan = make_plan([("work", [
        p_task("T001", "exit 1"),
        p_task("T002", counted(counter, "sleep 2\necho two > two.txt"),
               verify=["test -f two.txt"]),
    ])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    first = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    assert first.returncode == 1, first.stdout + first.stderr
    tasks = statuses(orch, git_repo)
    assert tasks["T001"]["status"] == "failed"
    assert tasks["T002"]["status"] == "done"
    assert tasks["T002"]["verified"] is True
    assert journalled(git_repo, "task_integrated", "T002")
    assert (git_repo / "two.txt").read_text() == "two\n"
    assert runs_of(counter) == 1
    (git_repo / "plan.md").write_text(plan.replace("exit 1", "echo one > one.txt"))
    again = orch("resume", "--retry-failed", "--yes", cwd=git_repo)
    assert again.returncode == 0, again.stdout + again.stderr
    assert runs_of(counter) == 1  # paid work is never bought twice
    assert orch_branches(git_repo) == []


def test_kill_between_commit_and_integration_keeps_the_evidence(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    go = tmp_path / "go"
    (git_repo / "plan.md").write_text(make_plan([("work", [
        p_task("T001", f"test -f {go} || sleep 60\necho one > one.txt",
               verify=["test -f one.txt"]),
        p_task("T002", "echo two > two.txt", verify=["test -f two.txt"]),
    ])]))
    commit_all(git_repo)
    proc = start(git_repo, "run", "plan.md", "--jobs", "2", "--yes")
    # T002 passed in its worktree and waits behind T001 (plan order) to be integrated.
    wait_for(lambda: bool(journalled(git_repo, "task_committed", "T002")), proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    go.write_text("go\n")
    resumed = orch("resume", "--yes", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    t002 = statuses(orch, git_repo)["T002"]
    assert t002["status"] == "done"
    assert t002["verified"] is True
    finished = journalled(git_repo, "task_finished", "T002")[-1]["data"]
    assert [r["command"] for r in finished["evidence"]] == ["test -f two.txt"]  # type: ignore[index]
    (git_repo / "two.txt").unlink()
    drift = orch("verify", cwd=git_repo)
    assert drift.returncode == 1, drift.stdout + drift.stderr
    assert "T002" in drift.stdout + drift.stderr


def appending_task(task_id: str, started: Path, go: Path, *, parallel: bool = False,
                   alone_only: str = "") -> str:
    """Appends a line to CHANGELOG.md, then (in the main tree) waits for ``go``."""
    wait = f'touch {started}\ntest -f {go} || sleep 60'
    if alone_only:
        wait = f'if [ "$(basename "$PWD")" != {task_id} ]; then\n{wait}\nfi'
    script = f"echo 'added by {task_id}' >> CHANGELOG.md\n{wait}"
    verify = ["test \"$(grep -c 'added by' CHANGELOG.md)\" = 1"]
    if alone_only:
        verify.append(alone_only)
    marker = "[P] " if parallel else ""
    return shell_task(task_id, f"{marker}append {task_id}", script, verify=verify)


def kill_when(repo: Path, started: Path, *args: str, also: str | None = None) -> None:
    """Run orch, SIGKILL it once ``started`` exists (and task ``also`` is done)."""
    proc = start(repo, *args)
    wait_for(lambda: started.exists() and (also is None or any(
        e["data"]["status"] == "done"  # type: ignore[index]
        for e in journalled(repo, "task_finished", also))), proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def test_a_main_tree_task_killed_mid_run_restarts_from_where_it_started(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    (git_repo / "CHANGELOG.md").write_text("# Changes\n")
    (git_repo / "plan.md").write_text(make_plan([("work", [
        appending_task("T001", started, go)])]))
    commit_all(git_repo)
    (git_repo / "README.md").write_text("# my own edit, not committed\n")
    kill_when(git_repo, started, "run", "plan.md", "--yes", "--allow-dirty")
    go.write_text("go\n")
    resumed = orch("resume", "--yes", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert (git_repo / "CHANGELOG.md").read_text() == "# Changes\nadded by T001\n"
    assert statuses(orch, git_repo)["T001"]["status"] == "done"
    assert (git_repo / "README.md").read_text() == "# my own edit, not committed\n"
    saved = git(git_repo, "for-each-ref", "--format=%(refname)", "refs/orch/interrupted/")
    assert saved.strip().endswith("/T001"), saved
    ref = saved.strip()
    assert git(git_repo, "show", f"{ref}:CHANGELOG.md").rstrip() == "# Changes\nadded by T001"


def test_a_lane_task_sent_back_alone_and_killed_restarts_from_where_it_started(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    (git_repo / "CHANGELOG.md").write_text("# Changes\n")
    # Passes in its worktree; on the integrated tree only once `go` exists: sent back alone.
    alone = f'test "$(basename "$PWD")" = T001 || test -f {go}'
    (git_repo / "plan.md").write_text(make_plan([("work", [
        appending_task("T001", started, go, parallel=True, alone_only=alone),
        p_task("T002", "echo two > two.txt", verify=["test -f two.txt"]),
    ])]))
    commit_all(git_repo)
    kill_when(git_repo, started, "run", "plan.md", "--jobs", "2", "--yes")
    assert journalled(git_repo, "integration_failed", "T001")
    go.write_text("go\n")
    resumed = orch("resume", "--yes", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert (git_repo / "CHANGELOG.md").read_text() == "# Changes\nadded by T001\n"
    assert statuses(orch, git_repo)["T001"]["status"] == "done"
    saved = git(git_repo, "for-each-ref", "--format=%(refname)", "refs/orch/interrupted/")
    assert any(line.endswith("/T001") for line in saved.split()), saved


def test_ignored_outputs_are_in_place_before_the_recheck(git_repo: Path,
                                                         orch: OrchRunner) -> None:
    (git_repo / ".gitignore").write_text("build/\n")
    (git_repo / "plan.md").write_text(make_plan([("work", [
        p_task("T001", "mkdir -p build\necho bin > build/out.bin",
               verify=["test -f build/out.bin"]),
        p_task("T002", "echo two > two.txt", verify=["test -f two.txt"]),
    ])]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not journalled(git_repo, "integration_failed", "T001")
    assert len(journalled(git_repo, "task_started", "T001")) == 1
    assert (git_repo / "build" / "out.bin").read_text() == "bin\n"
    assert orch_branches(git_repo) == []
    assert len(worktrees(git_repo)) == 1


def outcome_sequence(repo: Path) -> dict[str, list[str]]:
    """Each task's journalled outcomes in order (lane events aside)."""
    seen: dict[str, list[str]] = {}
    for event in events(repo):
        task = event.get("task")
        if event["type"] == "task_finished":
            data = event["data"]
            assert isinstance(data, dict)
            seen.setdefault(str(task), []).append(
                f"{data['status']}{' (retrying)' if data.get('retrying') else ''}")
        elif event["type"] == "task_reset":
            data = event["data"]
            assert isinstance(data, dict)
            seen.setdefault(str(task), []).append(f"reset: {data['reason']}")
    return seen


def fault_scenario(repo: Path, orch: OrchRunner, tmp: Path, jobs: int) -> dict[str, list[str]]:
    """T001 fails once then passes; orch is killed while T002 runs; resume finishes."""
    started, go, flag = tmp / "started", tmp / "go", tmp / "failed-once"
    (repo / "CHANGELOG.md").write_text("# Changes\n")
    first = f"test -f {flag} || {{ touch {flag}; exit 1; }}\necho one > one.txt"
    (repo / "plan.md").write_text(make_plan([("work", [
        shell_task("T001", "[P] flaky", first, verify=["test -f one.txt"],
                   extra="  - retries: 1"),
        appending_task("T002", started, go, parallel=True),
    ])]))
    (repo / ".specify" / "orch").mkdir(parents=True, exist_ok=True)
    (repo / ".specify" / "orch" / "config.yaml").write_text("retry_backoff: 0\n")
    commit_all(repo)
    kill_when(repo, started, "run", "plan.md", "--jobs", str(jobs), "--yes", also="T001")
    go.write_text("go\n")
    resumed = orch("resume", "--yes", cwd=repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert (repo / "CHANGELOG.md").read_text() == "# Changes\nadded by T002\n"
    return outcome_sequence(repo)


def test_one_slot_and_three_slots_record_the_same_outcomes(
        git_repo: Path, orch: OrchRunner, tmp_path: Path) -> None:
    one_dir, three_dir = tmp_path / "one", tmp_path / "three"
    one_dir.mkdir()
    three_dir.mkdir()
    one = fault_scenario(git_repo, orch, one_dir, 1)
    other = git_repo.parent / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    (other / "README.md").write_text("# test project\n")
    commit_all(other, "initial")
    three = fault_scenario(other, orch, three_dir, 3)
    assert one["T001"] == ["failed (retrying)", "reset: retry", "done"]
    assert one["T002"] == ["reset: interrupted", "done"]
    assert one == three
