"""`orch run --jobs N`: [P] tasks in worktrees, the merge queue, crash safety (docs/parallel.md)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git, make_plan, shell_task
from fakes.anthropic_server import FakeAnthropic, tool


def p_task(task_id: str, script: str, *, verify: list[str] | None = None,
           extra: str = "") -> str:
    return shell_task(task_id, f"[P] task {task_id}", script, verify=verify, extra=extra)


def events(repo: Path) -> list[dict[str, object]]:
    runs = sorted((repo / ".specify" / "orch" / "runs").iterdir())
    lines = (runs[-1] / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def intervals(repo: Path) -> dict[str, tuple[datetime, datetime]]:
    """Each task's first start and its ``done`` from the journal's timestamps."""
    start: dict[str, datetime] = {}
    end: dict[str, datetime] = {}
    for event in events(repo):
        task, ts = event.get("task"), datetime.fromisoformat(str(event["ts"]))
        if event["type"] == "task_started" and task not in start:
            start[str(task)] = ts
        if event["type"] == "task_committed":
            end[str(task)] = ts
    return {task: (start[task], end[task]) for task in end}


def worktrees(repo: Path) -> list[str]:
    return [line for line in git(repo, "worktree", "list").splitlines() if line]


def orch_branches(repo: Path) -> list[str]:
    return git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/orch/").split()


def test_four_tasks_overlap_and_land_in_the_checkpoint(git_repo: Path, orch: OrchRunner) -> None:
    tasks = [p_task(f"T00{n}", f"sleep 1\necho {n} > f{n}.txt", verify=[f"test -f f{n}.txt"])
             for n in range(1, 5)]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "4", "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    spans = intervals(git_repo)
    assert len(spans) == 4
    latest_start = max(s for s, _ in spans.values())
    earliest_end = min(e for _, e in spans.values())
    assert latest_start < earliest_end, spans  # all four were running at one moment
    files = git(git_repo, "show", "--name-only", "--format=", "HEAD").split()
    assert {f"f{n}.txt" for n in range(1, 5)} <= set(files)
    assert len(worktrees(git_repo)) == 1
    assert orch_branches(git_repo) == []


def test_shared_files_never_overlap(git_repo: Path, orch: OrchRunner) -> None:
    tasks = [p_task("T001", "sleep 1\necho a >> shared.txt", extra="  - files: shared.txt"),
             p_task("T002", "sleep 1\necho b >> shared.txt", extra="  - files: shared.txt")]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    assert result.returncode == 0, result.stderr + result.stdout
    starts = {e["task"]: e["seq"] for e in events(git_repo) if e["type"] == "worktree_created"}
    ends = {e["task"]: e["seq"] for e in events(git_repo) if e["type"] == "task_integrated"}
    first, second = sorted(starts, key=starts.__getitem__)
    assert ends[first] < starts[second]
    assert (git_repo / "shared.txt").read_text() == "a\nb\n"


def test_conflict_reruns_alone_and_loses_nothing(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "line.txt").write_text("original\n")
    tasks = [p_task("T001", "echo first > line.txt", verify=["grep -q first line.txt"]),
             p_task("T002", "echo second > line.txt", verify=["grep -q second line.txt"])]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    kinds = [(e["type"], e.get("task")) for e in events(git_repo)]
    assert ("task_integrated", "T001") in kinds
    assert ("integration_failed", "T002") in kinds
    # T002 re-ran alone (no worktree) on the integrated tree and ended done.
    assert result.returncode == 0, result.stderr + result.stdout
    after = kinds[kinds.index(("integration_failed", "T002")):]
    assert ("task_started", "T002") in after and ("worktree_created", "T002") not in after
    assert (git_repo / "line.txt").read_text() == "second\n"
    # No byte either agent wrote is lost: T001's line is in its integration commit, T002's
    # first attempt on its kept branch.
    integrated = [e for e in events(git_repo) if e["type"] == "task_integrated"]
    commit = str(integrated[0]["data"]["commit"])  # type: ignore[index]
    assert git(git_repo, "show", f"{commit}:line.txt") == "first\n"
    # ... and stays there: the run's integration chain keeps it from `git gc`.
    git(git_repo, "-c", "gc.reflogExpireUnreachable=now", "gc", "-q", "--prune=now")
    run_id = sorted((git_repo / ".specify" / "orch" / "runs").iterdir())[-1].name
    git(git_repo, "merge-base", "--is-ancestor", commit, f"refs/orch/integrated/{run_id}")
    assert git(git_repo, "show", f"{commit}:line.txt") == "first\n"
    branch = [b for b in orch_branches(git_repo) if b.endswith("/T002")]
    assert branch and git(git_repo, "show", f"{branch[0]}:line.txt") == "second\n"
    status = orch("status", cwd=git_repo)
    assert branch[0] in status.stdout
    assert len(worktrees(git_repo)) == 1


def test_check_failing_after_integration_is_sent_back(git_repo: Path,
                                                      orch: OrchRunner) -> None:
    # T002's check passes in its worktree (no flag.txt there) but fails once T001's flag is in.
    tasks = [p_task("T001", "sleep 0.2\necho on > flag.txt", verify=["test -f flag.txt"]),
             p_task("T002", "sleep 1\necho x > out.txt",
                    verify=["test -f out.txt && { test ! -f flag.txt || test -f fixed.txt; }"],
                    extra="")]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    kinds = [(e["type"], e.get("task")) for e in events(git_repo)]
    assert ("integration_failed", "T002") in kinds
    assert ("task_integrated", "T002") not in kinds
    assert ("task_started", "T002") in kinds[kinds.index(("integration_failed", "T002")):]
    # The re-run alone fails too (flag.txt is there): failed, never integrated as passing.
    assert result.returncode != 0
    assert not (git_repo / "out.txt").exists() or ("task_finished", "T002") in kinds
    assert any(b.endswith("/T002") for b in orch_branches(git_repo))
    assert len(worktrees(git_repo)) == 1


SIGKILL_SEEDS = [int(s) for s in os.environ.get("ORCH_SIGKILL_SEEDS", "11").split(",")]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SIGKILL_SEEDS)
def test_sigkill_and_resume_integrates_each_task_once(git_repo: Path, seed: int) -> None:
    """20 random SIGKILLs over 30 [P] tasks with --jobs 3, resuming after each (issue 11).

    ``ORCH_SIGKILL_SEEDS=1,2,3,4,5`` runs it with several kill schedules."""
    count = 30
    tasks = [p_task(f"T{n:03d}", f"sleep 0.1\necho T{n:03d} >> out{n}.txt",
                    verify=[f"test -s out{n}.txt"]) for n in range(1, count + 1)]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    rng = random.Random(seed)
    env = {**os.environ}
    command = [sys.executable, "-m", "orch", "run", "plan.md", "--jobs", "3", "--yes"]
    kills = 0
    for _round in range(60):  # until 20 kills have landed, or the run ended by itself
        err = git_repo.parent / "stderr.txt"
        with err.open("w") as stderr:
            proc = subprocess.Popen(command, cwd=git_repo, env=env, stdout=subprocess.DEVNULL,
                                    stderr=stderr, start_new_session=True)
            time.sleep(rng.uniform(0.3, 1.2))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait()
        # A run that ended by itself ended well: a resume after a kill never fails.
        assert proc.returncode in (0, -signal.SIGKILL), err.read_text()
        if _started(git_repo):  # a kill during the run's creation leaves nothing to resume
            command = [sys.executable, "-m", "orch", "resume"]
        if _finished(git_repo) or kills == 20:
            break
    print(f"seed {seed}: {kills} SIGKILLs landed")  # shown with -s
    final = subprocess.run(command, cwd=git_repo, env=env, capture_output=True, text=True,
                           timeout=120)
    assert _finished(git_repo), final.stderr + final.stdout
    for n in range(1, count + 1):
        assert (git_repo / f"out{n}.txt").read_text() == f"T{n:03d}\n"
    assert len(worktrees(git_repo)) == 1
    assert orch_branches(git_repo) == []


def _started(repo: Path) -> bool:
    try:
        return any(e["type"] == "run_started" for e in events(repo))
    except (FileNotFoundError, IndexError, ValueError):
        return False


def _finished(repo: Path) -> bool:
    try:
        kinds = [e for e in events(repo) if e["type"] == "run_state"]
    except (FileNotFoundError, IndexError, ValueError):
        return False
    return bool(kinds) and kinds[-1]["data"].get("state") == "completed"  # type: ignore[union-attr]


def test_derived_file_check_reruns_after_integration(git_repo: Path, orch: OrchRunner) -> None:
    # T002's derived check ("`config.txt` must exist") passes in its worktree; T001 (naming no
    # file, so the two may run at once) removes it and integrates first: after T002's clean
    # merge the check fails, and T002 is sent back.
    (git_repo / "config.txt").write_text("x\n")
    tasks = [p_task("T001", "rm config.txt", verify=["test ! -f config.txt"]),
             shell_task("T002", "[P] Check `config.txt`", "sleep 1\necho ok > seen.txt",
                        verify=["test -f seen.txt"])]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    result = orch("run", "plan.md", "--jobs", "2", "--yes", cwd=git_repo)
    kinds = [(e["type"], e.get("task")) for e in events(git_repo)]
    assert ("task_integrated", "T001") in kinds
    failed = [e for e in events(git_repo) if e["type"] == "integration_failed"]
    assert [e["task"] for e in failed] == ["T002"]
    assert "config.txt" in str(failed[0]["data"])
    assert ("task_integrated", "T002") not in kinds
    assert result.returncode != 0  # alone on the integrated tree, config.txt is still gone


def test_cost_cap_is_one_budget_across_lanes(git_repo: Path, orch: OrchRunner,
                                            anthropic_server: FakeAnthropic) -> None:
    # Every reply asks for one more tool call, at $0.039 a call (sonnet: 3k in, 2k out): the
    # three lanes would keep calling forever; the shared cap must stop them all together.
    call_price = (3_000 * 3 + 2_000 * 15) / 1_000_000
    anthropic_server.default = tool("run_command", {"command": "true"}, input_tokens=3_000,
                                    output_tokens=2_000)
    tasks = [f"- [ ] T00{n} [P] Write a{n}.txt\n  - verify: `test -f a{n}.txt`"
             for n in range(1, 4)]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    env = {"ANTHROPIC_API_KEY": "sk-ant-api03-test-0123456789", "ORCH_RETRY_BASE_DELAY": "0.01",
           "ANTHROPIC_BASE_URL": anthropic_server.url}
    result = orch("run", "plan.md", "--agent", "anthropic", "--jobs", "3", "--max-cost", "0.5",
                  "--yes", cwd=git_repo, env=env)
    assert result.returncode == 3, result.stderr + result.stdout
    status = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    spent = len(anthropic_server.requests) * call_price
    assert status["cost_usd"] == pytest.approx(spent)
    assert 0.25 < spent <= 0.5 + call_price, len(anthropic_server.requests)
