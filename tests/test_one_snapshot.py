"""One snapshot walk per sequential task (issue 23): the next start is the previous end tree.

Between two main-tree tasks run back to back by one process, orch's only write to the tree is
the plan's progress mark, so the next task's start tree is the previous end tree with the plan
file updated, not a second walk of every file. Counted, not timed: the orch subprocess loads
``tests/fakes/walks/sitecustomize.py``, which records every libgit2 walk (``Index.add_all``)
and every process started. Where time or another actor comes in between (a phase's gate, a
halted run resumed), the start is walked, and what changed in between is no task's.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import OrchRunner, commit_all, git, make_plan, shell_task
from orch.vcs.snapshot import WorkTree
from test_format_marks import FORMATS, Format, run_id

TRACER = Path(__file__).resolve().parent / "fakes" / "walks"
TASKS = 5


def _walk_traced(orch: OrchRunner, repo: Path, trace: Path,
                 *args: str) -> tuple[list[dict[str, Any]], subprocess.CompletedProcess[str]]:
    path = os.pathsep.join(filter(None, [str(TRACER), os.environ.get("PYTHONPATH")]))
    result = orch(*args, cwd=repo, env={"PYTHONPATH": path, "ORCH_TEST_WALKS": str(trace)})
    records = [json.loads(line) for line in trace.read_text().splitlines()] \
        if trace.exists() else []
    return records, result


def _finished(repo: Path) -> dict[str, dict[str, Any]]:
    """Each task's latest ``task_finished`` data, over every run of the project."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((repo / ".specify" / "orch").rglob("events.jsonl")):
        for line in path.read_text().splitlines():
            event = json.loads(line)
            if event["type"] == "task_finished":
                found[event["task"]] = event["data"]
    return found


def _tree_diff(repo: Path, before: str, after: str) -> list[str]:
    return git(repo, "diff-tree", "-r", "--name-only", "--no-renames", before, after).split()


def test_a_sequential_phase_walks_the_tree_once_per_task_and_never_measures_the_plan_mark(
        orch: OrchRunner, git_repo: Path, tmp_path: Path) -> None:
    tasks = [shell_task(f"T{n:03d}", f"write f{n}", f"echo {n} > f{n}.txt",
                        extra=f"  Creates `f{n}.txt`.") for n in range(1, TASKS + 1)]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    records, result = _walk_traced(orch, git_repo, tmp_path / "walks.jsonl",
                                   "run", "plan.md", "--commit", "none")
    assert result.returncode == 0, result.stdout + result.stderr
    shells = [i for i, r in enumerate(records)
              if r["op"] == "exec" and any("> f" in a for a in r["argv"])]
    assert len(shells) == TASKS, records
    walks = [i for i, r in enumerate(records) if r["op"] == "walk"]
    before_first = sum(i < shells[0] for i in walks)
    between = [sum(a < i < b for i in walks) for a, b in zip(shells, shells[1:], strict=False)]
    assert (before_first, between) == (1, [1] * (TASKS - 1)), walks  # each: the previous end
    assert len(walks) == TASKS + 1  # the first start, then one end per task

    finished = _finished(git_repo)
    stats = [finished[f"T{n:03d}"]["diffstat"] for n in range(1, TASKS + 1)]
    assert [s["paths"] for s in stats] == [[f"f{n}.txt"] for n in range(1, TASKS + 1)]
    for ended, started in zip(stats, stats[1:], strict=False):
        assert _tree_diff(git_repo, ended["after"], started["before"]) == ["plan.md"]
    # The last start tree is what git itself writes for the tree as that task found it.
    last = stats[-1]
    shown = git(git_repo, "show", f"{last['before']}:plan.md")
    assert shown.count("- [X]") == TASKS - 1


def test_a_phase_start_is_walked_so_what_its_gate_wrote_is_no_task_s(
        orch: OrchRunner, git_repo: Path, tmp_path: Path) -> None:
    plan = make_plan([("one", [shell_task("T001", "write a", "echo a > a.txt")]),
                      ("two", [shell_task("T002", "write b", "echo b > b.txt"),
                               shell_task("T003", "write c", "echo c > c.txt")])],
                     gates={1: ["echo gate > gate.txt"]})
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    records, result = _walk_traced(orch, git_repo, tmp_path / "walks.jsonl",
                                   "run", "plan.md", "--commit", "none")
    assert result.returncode == 0, result.stdout + result.stderr
    finished = _finished(git_repo)
    assert [finished[t]["diffstat"]["paths"] for t in ("T001", "T002", "T003")] == [
        ["a.txt"], ["b.txt"], ["c.txt"]]
    assert (git_repo / "gate.txt").exists()
    between = _tree_diff(git_repo, finished["T001"]["diffstat"]["after"],
                         finished["T002"]["diffstat"]["before"])
    assert between == ["gate.txt", "plan.md"]
    assert sum(r["op"] == "walk" for r in records) == 5  # two phase starts, three task ends


def test_an_edit_made_while_the_run_was_halted_is_no_task_s_after_resume(
        orch: OrchRunner, git_repo: Path, tmp_path: Path) -> None:
    """The run halts between two tasks (phase 1's gate fails); another process edits a file;
    the resumed run walks the tree before its first task, so that edit is not measured as it."""
    plan = make_plan([("one", [shell_task("T001", "write a", "echo a > a.txt")]),
                      ("two", [shell_task("T002", "write b", "echo b > b.txt")])],
                     gates={1: ["test -f go"]})
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    first = orch("run", "plan.md", "--commit", "none", cwd=git_repo)
    assert first.returncode == 1, first.stdout + first.stderr
    subprocess.run(["sh", "-c", "echo theirs > README.md && touch go"], cwd=git_repo,
                   check=True)
    records, result = _walk_traced(orch, git_repo, tmp_path / "walks.jsonl", "resume",
                                   "--retry-failed")
    assert result.returncode == 0, result.stdout + result.stderr
    finished = _finished(git_repo)
    assert finished["T002"]["diffstat"]["paths"] == ["b.txt"]
    shown = git(git_repo, "show", f"{finished['T002']['diffstat']['before']}:README.md")
    assert shown == "theirs\n"


def test_a_checkpoint_commits_the_tasks_work_and_names_the_edit_made_while_halted(
        orch: OrchRunner, git_repo: Path) -> None:
    """Carried start trees leave a checkpoint's ownership as it was: the tasks' files and the
    plan are committed; what the user changed while the run was halted stays uncommitted and
    named, with a task after the resume whose start is carried from the previous end."""
    (git_repo / "plan.md").write_text(make_plan([("work", [
        shell_task("T001", "write a", "echo a > a.txt"),
        shell_task("T002", "needs go", "test -f go\necho b > b.txt"),
        shell_task("T003", "write c", "echo c > c.txt"),
        shell_task("T004", "write d", "echo d > d.txt")])]))
    commit_all(git_repo)
    first = orch("run", "plan.md", "--yes", cwd=git_repo)
    assert first.returncode == 1, first.stdout + first.stderr
    (git_repo / "notes.txt").write_text("mine\n")
    (git_repo / "go").write_text("")
    out = orch("resume", "--retry-failed", "--yes", cwd=git_repo)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    assert ("checkpoint phase-1 leaves uncommitted what no task of phase 1 changed (changed "
            "outside orch since the run's baseline): go, notes.txt") in text
    assert "also outside orch" not in text
    committed = git(git_repo, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(committed) == ["a.txt", "b.txt", "c.txt", "d.txt", "plan.md"]
    assert sorted(git(git_repo, "status", "--porcelain").splitlines()) == [
        "?? go", "?? notes.txt"]
    finished = _finished(git_repo)
    assert _tree_diff(git_repo, finished["T003"]["diffstat"]["after"],
                      finished["T004"]["diffstat"]["before"]) == ["plan.md"]


def _git_tree(repo: Path) -> str:
    """The tree git itself writes for the working tree (``add -A`` on a copy of the index)."""
    slow = WorkTree.open(repo, in_process=False)
    assert slow is not None
    tree = slow.snapshot()
    assert tree is not None
    return tree


def test_a_carried_tree_is_the_tree_a_walk_writes_when_only_the_written_files_changed(
        git_repo: Path) -> None:
    (git_repo / ".gitignore").write_text("*.log\n")
    (git_repo / "plan.md").write_text("- [ ] T001\n- [ ] T002\n")
    (git_repo / "gone.txt").write_text("x\n")
    commit_all(git_repo)
    worktree = WorkTree.open(git_repo)
    assert worktree is not None
    first = worktree.snapshot()
    assert first is not None and worktree.in_process
    plan = git_repo / "plan.md"
    plan.write_text("- [X] T001\n- [ ] T002\n")  # the mark: same size, maybe the same tick
    (git_repo / "new.txt").write_text("new\n")
    (git_repo / "x.log").write_text("ignored\n")
    (git_repo / "gone.txt").unlink()
    (git_repo / ".specify" / "orch").mkdir(parents=True)
    (git_repo / ".specify" / "orch" / "state.json").write_text("{}\n")
    written = [plan, git_repo / "new.txt", git_repo / "x.log", git_repo / "gone.txt",
               git_repo / ".specify" / "orch" / "state.json", git_repo.parent / "elsewhere"]
    carried = worktree.carry(first, written)
    assert carried == _git_tree(git_repo)
    assert worktree.changed_paths(first, carried) == ["gone.txt", "new.txt", "plan.md"]
    assert worktree.changed_paths(first, carried) == worktree.diff(first, carried).paths
    assert worktree.carry(first, [plan]) is None  # the index holds ``carried`` now, not first

    again = worktree.snapshot()
    assert again == carried
    git(git_repo, "add", "new.txt")  # the real index changed on disk: only a walk can tell
    assert worktree.carry(again, [plan]) is None
    third = worktree.snapshot()
    assert third == _git_tree(git_repo)
    index_stat = os.stat(git_repo / ".git" / "index")
    commit = git(git_repo, "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "moved").strip()
    git(git_repo, "update-ref", "HEAD", commit)  # HEAD moved, the index kept: a commit's hooks
    assert os.stat(git_repo / ".git" / "index").st_mtime_ns == index_stat.st_mtime_ns
    assert worktree.carry(third, [plan]) is None


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
def test_no_format_s_mark_is_measured_as_the_next_task_s_change(
        fmt: Format, orch: OrchRunner, git_repo: Path, tmp_path: Path) -> None:
    """Each marker reports what it wrote (a Claudio status file it creates included), so the
    carried start tree holds the first task's mark and the second task measures only its own
    file, with one walk per task."""
    fmt.write(git_repo, "echo b > b.log")
    commit_all(git_repo)
    records, result = _walk_traced(orch, git_repo, tmp_path / "walks.jsonl",
                                   "run", fmt.plan, "--commit", "none")
    assert result.returncode == 0, result.stdout + result.stderr
    finished = _finished(git_repo)
    first, second = (finished[run_id(t)]["diffstat"] for t in fmt.ids)
    assert (first["paths"], second["paths"]) == (["a.log"], ["b.log"])
    assert fmt.mark_of(git_repo, fmt.ids[0]) == fmt.done
    between = _tree_diff(git_repo, first["after"], second["before"])
    assert between and not {"a.log", "b.log"} & set(between)  # the mark, carried
    assert sum(r["op"] == "walk" for r in records) == 3


def test_what_a_task_s_verify_command_writes_is_not_the_next_task_s_change(
        orch: OrchRunner, git_repo: Path, tmp_path: Path) -> None:
    """A task's verify commands run after its end snapshot and may write files (a build, a
    report): the next task's start is walked then, so their output is nobody's, as before."""
    tasks = [shell_task("T001", "write a", "echo a > a.txt", verify=["echo v > report.txt"]),
             shell_task("T002", "write b", "echo b > b.txt"),
             shell_task("T003", "write c", "echo c > c.txt")]
    (git_repo / "plan.md").write_text(make_plan([("work", tasks)]))
    commit_all(git_repo)
    records, result = _walk_traced(orch, git_repo, tmp_path / "walks.jsonl",
                                   "run", "plan.md", "--commit", "none")
    assert result.returncode == 0, result.stdout + result.stderr
    finished = _finished(git_repo)
    assert [finished[t]["diffstat"]["paths"] for t in ("T001", "T002", "T003")] == [
        ["a.txt"], ["b.txt"], ["c.txt"]]
    assert (git_repo / "report.txt").read_text() == "v\n"
    assert sum(r["op"] == "walk" for r in records) == 5  # T002's start walked, T003's carried
