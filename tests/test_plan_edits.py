"""Plans edited mid-run: a resume re-runs changed tasks and their dependents, runs new tasks,
reports removed ones, and `resume --dry-run` says the same while changing nothing."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all, failed_run, git, make_plan, shell_task
from orch.domain.events import EventType
from orch.store.journal import read_journal
from orch.store.layout import Layout
from orch.store.runs import current_run_id, load_run


def _plan(*, t1_verify: str = "test -f a.txt", t4_script: str = "exit 1",
          extra: list[str] | None = None, drop: str | None = None) -> str:
    tasks = {
        "T001": shell_task("T001", "Write a", "echo a >> a.txt", verify=[t1_verify]),
        "T002": shell_task("T002", "Write b", "echo b >> b.txt", deps="T001"),
        "T003": shell_task("T003", "Write c", "echo c >> c.txt"),
        "T004": shell_task("T004", "Write d", t4_script, deps="T003"),
    }
    phase1 = [text for task_id, text in tasks.items() if task_id != drop]
    phase2 = [shell_task("T010", "Write e", "echo e >> e.txt", deps="T002")]
    return make_plan([("Build", phase1 + (extra or [])), ("More", phase2)])


def _started_since_resume(repo: Path, run_id: str) -> list[str]:
    events, _ = read_journal(Layout(repo).events(run_id))
    resumed = max(i for i, e in enumerate(events)
                  if e.type == EventType.RUN_STARTED and e.data.get("resumed"))
    return [e.task or "" for e in events[resumed:] if e.type == EventType.TASK_STARTED]


def _failed_run(repo: Path, orch: OrchRunner) -> str:
    run_id = failed_run(repo, orch, _plan())
    state = load_run(Layout(repo), run_id)
    assert [t.status.value for t in state.tasks.values()] == [
        "done", "done", "done", "failed", "pending"]
    return run_id


def test_resume_reruns_changed_tasks_and_dependents_and_runs_new_ones(
    git_repo: Path, orch: OrchRunner
) -> None:
    run_id = _failed_run(git_repo, orch)
    new_task = shell_task("T005", "Write f", "echo f >> f.txt")
    (git_repo / "plan.md").write_text(_plan(t1_verify="grep -q a a.txt", t4_script="echo d > d.txt",
                                            extra=[new_task]))
    layout = Layout(git_repo)
    before = (layout.events(run_id).read_bytes(), layout.run_json(run_id).read_bytes(),
              (git_repo / "plan.md").read_bytes())

    preview = orch("resume", "--dry-run", cwd=git_repo)
    assert preview.returncode == 0, preview.stderr
    assert "changed, will run again: T001, T004" in preview.stdout
    assert "depend on a changed task, will run again: T002\n" in preview.stdout
    assert "new, will run: T005" in preview.stdout
    would_run = [line.split()[0] for line in preview.stdout.splitlines()
                 if line.startswith("  T0")]
    assert would_run == ["T001", "T002", "T004", "T005", "T010"]
    assert (layout.events(run_id).read_bytes(), layout.run_json(run_id).read_bytes(),
            (git_repo / "plan.md").read_bytes()) == before
    assert (git_repo / "a.txt").read_text() == "a\n"

    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "orch: plan.md changed since the run started:" in resumed.stderr
    assert "new, will run: T005" in resumed.stderr
    assert sorted(_started_since_resume(git_repo, run_id)) == sorted(would_run)
    assert (git_repo / "a.txt").read_text() == "a\na\n"
    assert (git_repo / "c.txt").read_text() == "c\n"  # T003, unchanged, did not run again

    events, _ = read_journal(layout.events(run_id))
    decision = [e for e in events if e.type == EventType.PLAN_CHANGED]
    assert len(decision) == 1
    assert decision[0].data["changed"] == ["T001", "T004"]
    resets = {e.task: e.data["reason"] for e in events if e.type == EventType.TASK_RESET}
    assert resets["T001"] == "plan changed: edited"
    assert resets["T002"] == "plan changed: depends on an edited task"
    state = load_run(layout, run_id)
    assert list(state.tasks) == ["T001", "T002", "T003", "T004", "T005", "T010"]
    assert all(t.status.value == "done" for t in state.tasks.values())

    status = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    reasons = {task["id"]: task["rerun_reason"] for task in status["tasks"]}
    assert reasons == {"T001": "plan changed: edited",
                       "T002": "plan changed: depends on an edited task", "T003": None,
                       "T004": "plan changed: edited", "T005": None, "T010": None}
    assert "T001 ran again: plan changed: edited" in orch("log", "T001", cwd=git_repo).stdout

    again = orch("resume", cwd=git_repo)  # the edit is taken in once, not at every resume
    assert again.returncode == 3
    assert "already complete" in again.stderr


def test_removed_task_is_reported_and_dropped_from_the_run(
    git_repo: Path, orch: OrchRunner
) -> None:
    run_id = _failed_run(git_repo, orch)
    (git_repo / "plan.md").write_text(_plan(drop="T004"))
    layout = Layout(git_repo)
    before = layout.events(run_id).read_bytes()

    preview = orch("resume", "--dry-run", cwd=git_repo)
    assert preview.returncode == 0, preview.stderr
    assert "removed from the plan, dropped from the run: T004" in preview.stdout
    assert "changed, will run again" not in preview.stdout
    assert [line.split()[0] for line in preview.stdout.splitlines()
            if line.startswith("  T0")] == ["T010"]
    assert layout.events(run_id).read_bytes() == before

    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "removed from the plan, dropped from the run: T004" in resumed.stderr
    assert _started_since_resume(git_repo, run_id) == ["T010"]
    state = load_run(layout, run_id)
    assert "T004" not in state.tasks and "T004" in state.removed_tasks
    assert state.removed_tasks["T004"].status.value == "failed"
    status = orch("status", cwd=git_repo, env={"COLUMNS": "200"})
    assert "removed from the plan mid-run: T004" in status.stdout


def test_checkbox_marks_do_not_change_fingerprints(git_repo: Path, orch: OrchRunner) -> None:
    run_id = _failed_run(git_repo, orch)
    text = (git_repo / "plan.md").read_text()
    (git_repo / "plan.md").write_text(text.replace("- [X] T003", "- [ ] T003")
                                      .replace("exit 1", "true"))
    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert _started_since_resume(git_repo, run_id) == ["T004", "T010"]


def test_completed_run_goes_on_with_an_added_task(git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "plan.md").write_text(_plan(t4_script="true"))
    commit_all(git_repo)
    assert orch("run", "plan.md", "--commit", "none", cwd=git_repo).returncode == 0
    run_id = current_run_id(Layout(git_repo))
    assert run_id is not None
    text = (git_repo / "plan.md").read_text()
    (git_repo / "plan.md").write_text(text + "\n" + shell_task("T011", "Write g", "echo g > g.txt"))
    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "new, will run: T011" in resumed.stderr
    assert _started_since_resume(git_repo, run_id) == ["T011"]
    assert (git_repo / "g.txt").is_file()


def test_run_without_fingerprints_keeps_task_states(git_repo: Path, orch: OrchRunner) -> None:
    run_id = _failed_run(git_repo, orch)
    snapshot = Layout(git_repo).run_json(run_id)
    state = json.loads(snapshot.read_text())
    del state["fingerprints"]  # as an orch before fingerprints wrote it
    snapshot.write_text(json.dumps(state))
    (git_repo / "plan.md").write_text(_plan(t1_verify="grep -q a a.txt", t4_script="true"))
    resumed = orch("resume", "--retry-failed", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "predates task fingerprints" in resumed.stderr
    assert _started_since_resume(git_repo, run_id) == ["T004", "T010"]


def test_a_reopened_checkpointed_phase_commits_its_new_work(
    git_repo: Path, orch: OrchRunner
) -> None:
    # The run completed and checkpointed phase 2; the edit adds a task to phase 1 and changes
    # one in phase 2. Their work is committed by new checkpoints, never left in the tree.
    (git_repo / "plan.md").write_text(_plan(t4_script="true"))
    commit_all(git_repo)
    assert orch("run", "plan.md", cwd=git_repo).returncode == 0
    text = (git_repo / "plan.md").read_text()
    text = text.replace("echo e >> e.txt", "echo E >> e.txt")
    added = shell_task("T011", "Write g", "echo g > g.txt")
    text = text.replace("## Phase 2", added + "\n## Phase 2")
    (git_repo / "plan.md").write_text(text)
    resumed = orch("resume", cwd=git_repo)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert git(git_repo, "status", "--porcelain") == ""
    names = [c["name"] for c in json.loads(orch("status", "--json", cwd=git_repo).stdout)
             ["checkpoints"]]
    assert names == ["phase-1", "phase-2", "phase-1.2", "phase-2.2"]
    phases = json.loads(orch("report", "--json", cwd=git_repo).stdout)["runs"][0]["phases"]
    assert [p["checkpoint"].split()[0] for p in phases] == ["phase-1.2", "phase-2.2"]
    by_id = orch("rollback", "1", "--dry-run", cwd=git_repo)
    assert by_id.returncode == 0 and "phase-1.2" in by_id.stdout, by_id.stdout + by_id.stderr
    rolled = orch("rollback", "phase-1.2", "--yes", cwd=git_repo)
    assert rolled.returncode == 0, rolled.stderr
    assert (git_repo / "g.txt").is_file() and (git_repo / "e.txt").read_text() == "e\n"


def test_rolling_back_to_a_phase_checkpoint_before_a_task_joined_it_resets_that_task(
    git_repo: Path, orch: OrchRunner
) -> None:
    (git_repo / "plan.md").write_text(_plan(t4_script="true"))
    commit_all(git_repo)
    assert orch("run", "plan.md", cwd=git_repo).returncode == 0
    added = shell_task("T011", "Write g", "echo g > g.txt")
    text = (git_repo / "plan.md").read_text().replace("## Phase 2", added + "\n## Phase 2")
    (git_repo / "plan.md").write_text(text)
    assert orch("resume", cwd=git_repo).returncode == 0
    rolled = orch("rollback", "phase-1", "--yes", cwd=git_repo)
    assert rolled.returncode == 0, rolled.stderr
    assert not (git_repo / "g.txt").exists()
    status = {t["id"]: t["status"] for t in
              json.loads(orch("status", "--json", cwd=git_repo).stdout)["tasks"]}
    assert status["T011"] == "pending" and status["T001"] == "done"
    # The rollback restored the plan as the checkpoint had it, without T011: resume drops it.
    again = orch("resume", cwd=git_repo)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "removed from the plan, dropped from the run: T011" in again.stderr
    assert not (git_repo / "g.txt").exists()
