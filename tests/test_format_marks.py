"""Every format's marks: done, failed (no mark), skipped (`orch resume --skip`) and cancelled
(MCP `task_cancel`), each written in the format's own way, every other byte kept, and the next
run does not run a skipped task."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git
from test_mcp import call, data


@dataclass(frozen=True)
class Format:
    """A two-task plan in one format: task A writes a.log, task B runs ``script``."""

    name: str
    plan: str
    """What to pass to `orch run`."""
    write: Callable[[Path, str], None]
    ids: tuple[str, str]
    mark_of: Callable[[Path, str], str]
    """The mark task ``id`` has in the plan now, in the format's words."""
    done: str
    pending: str
    skipped: str


A = "echo a >> a.log"


def _markdown(repo: Path, script: str) -> None:
    (repo / "plan.md").write_text(
        "# Plan\n\n## Phase 1: Work\n\n"
        f"- [ ] T001 Write a\n  ```sh\n  {A}\n  ```\n"
        f"- [ ] T002 Write b\n  ```sh\n  {script}\n  ```\n"
    )


def _kiro(repo: Path, script: str) -> None:
    (repo / "tasks.md").write_text(
        "# Implementation Plan\n\n"
        f"- [ ] 1. Write a\n  ```sh\n  {A}\n  ```\n  - _Requirements: 1.1_\n\n"
        f"- [ ] 2. Write b\n  ```sh\n  {script}\n  ```\n"
    )


def _box(file: str) -> Callable[[Path, str], str]:
    def mark_of(repo: Path, task_id: str) -> str:
        line = next(
            line for line in (repo / file).read_text().splitlines() if f"] {task_id} " in line
        )
        return line.split("]")[0].split("[")[1]

    return mark_of


def _taskmaster(repo: Path, script: str) -> None:
    def task(number: int, title: str, command: str) -> object:
        details = f"```bash\n{command}\n```"
        return {"id": number, "title": title, "description": "", "status": "pending",
                "dependencies": [], "details": details, "subtasks": []}  # fmt: skip

    tasks = [task(1, "Write a", A), task(2, "Write b", script)]
    (repo / "tasks.json").write_text(json.dumps({"master": {"tasks": tasks}}, indent=2) + "\n")


def _taskmaster_mark(repo: Path, task_id: str) -> str:
    tasks = json.loads((repo / "tasks.json").read_text())["master"]["tasks"]
    return str(next(t["status"] for t in tasks if str(t["id"]) == task_id))


def _claudio(repo: Path, script: str) -> None:
    phase = repo / ".claudio" / "phase1"
    (phase / "task1_write_a").mkdir(parents=True)
    (phase / "tasks.md").write_text(
        "# Phase 1: Work\n\n## Task Breakdown\n\n"
        f"### Task 1: Write a\n\n```bash\n{A}\n```\n\n"
        f"### Task 2: Write b\n\n```bash\n{script}\n```\n"
    )
    (phase / "task1_write_a" / "status.md").write_text(
        "# Task Status: Write a\n\n## Overview\n- **Status**: Not Started\n- **Completion**: 0%\n"
    )


def _claudio_mark(repo: Path, task_id: str) -> str:
    number = task_id.split(".")[1]
    found = sorted((repo / ".claudio" / "phase1").glob(f"task{number}_*/status.md"))
    if not found:
        return "(no status file)"
    text = found[0].read_text()
    return next(line for line in text.splitlines() if "**Status**" in line).split(": ", 1)[1]


FORMATS = [
    Format("markdown", "plan.md", _markdown, ("T001", "T002"), _box("plan.md"), "X", " ", "~"),
    Format("kiro", "tasks.md", _kiro, ("1.", "2."), _box("tasks.md"), "X", " ", "~"),
    Format("taskmaster", "tasks.json", _taskmaster, ("1", "2"), _taskmaster_mark, "done",
           "pending", "cancelled"),  # fmt: skip
    Format("claudio", ".claudio", _claudio, ("1.1", "1.2"), _claudio_mark, "Completed",
           "(no status file)", "Skipped"),  # fmt: skip
]


def run_id(task_id: str) -> str:
    return task_id.rstrip(".")


def lines_run(repo: Path, name: str) -> int:
    path = repo / name
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
def test_failed_has_no_mark_and_resume_skip_writes_the_skip_mark(
    fmt: Format, orch: OrchRunner, git_repo: Path
) -> None:
    fmt.write(git_repo, "echo b >> b.log; exit 1")
    commit_all(git_repo)
    first, second = fmt.ids
    failed = orch("run", fmt.plan, "--yes", cwd=git_repo)
    assert failed.returncode != 0, failed.stdout + failed.stderr
    assert fmt.mark_of(git_repo, first) == fmt.done
    assert fmt.mark_of(git_repo, second) == fmt.pending  # failed: no mark
    skipped = orch("resume", "--skip", run_id(second), "--yes", cwd=git_repo)
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert fmt.mark_of(git_repo, second) == fmt.skipped
    assert fmt.mark_of(git_repo, first) == fmt.done
    attempts = lines_run(git_repo, "b.log")
    commit_all(git_repo, "after the resume") if git(git_repo, "status", "--porcelain") else None
    again = orch("run", fmt.plan, "--yes", cwd=git_repo)
    assert again.returncode == 0, again.stdout + again.stderr
    assert lines_run(git_repo, "b.log") == attempts  # the skipped task did not run again
    assert lines_run(git_repo, "a.log") == 1


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.name for f in FORMATS])
def test_task_cancel_writes_the_skip_mark_and_the_run_skips_it(
    fmt: Format, orch: OrchRunner, git_repo: Path
) -> None:
    fmt.write(git_repo, "echo b >> b.log")
    commit_all(git_repo)
    git(git_repo, "tag", "plan-added")
    first, second = fmt.ids
    result = data(call(git_repo, "task_cancel", {"task_id": run_id(second)}, "--plan", fmt.plan))
    assert result["cancelled"] == [run_id(second)]
    assert fmt.mark_of(git_repo, second) == fmt.skipped
    assert fmt.mark_of(git_repo, first) == fmt.pending or fmt.name == "claudio"
    diff = git(git_repo, "diff", "--unified=0", "plan-added")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    if fmt.name != "claudio":  # one line, the mark; nothing else (Claudio creates a file)
        assert len(changed) == 2, diff
    ran = orch("run", fmt.plan, "--yes", cwd=git_repo)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert lines_run(git_repo, "b.log") == 0 and lines_run(git_repo, "a.log") == 1
    assert fmt.mark_of(git_repo, first) == fmt.done
    assert fmt.mark_of(git_repo, second) == fmt.skipped
