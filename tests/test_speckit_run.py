"""spec-kit interop: `orch run` finds the current feature's tasks.md and flips only `[X]` marks."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all, git

TASKS_MD = """\
# Tasks: Greeting Service

**Input**: Design documents from `/specs/001-greeting/`

## Format: `[ID] [P?] [Story] Description`

- **[P]**: Can run in parallel (different files, no dependencies)

## Phase 1: Setup (Shared Infrastructure)

**Purpose**: Project initialization

- [X] T001 Create project structure per implementation plan
- [ ] T002 [P] Create src/ directory
  ```bash
  mkdir -p src
  ```

---

## Phase 2: User Story 1 - Greet a user (Priority: P1) 🎯 MVP

**Goal**: A greeting file exists

- [ ] T003 [US1] Write the greeting in src/hello.txt
  ```bash
  echo "hello" > src/hello.txt
  ```
  - verify: `grep -q hello src/hello.txt`
  - [ ] The greeting is friendly (acceptance criterion, not a task)
- [ ] T004 [P] [US1] Write the farewell in src/bye.txt
  ```bash
  echo "bye" > src/bye.txt
  ```

**Checkpoint**: User Story 1 is functional

## Dependencies & Execution Order

- Setup (Phase 1) before User Story 1 (Phase 2)

## Validation Checks

- [ ] T003 greeting written
"""


def test_current_feature_tasks_md_is_run_and_only_task_marks_flip(
    git_repo: Path, orch: OrchRunner
) -> None:
    feature = git_repo / "specs" / "001-greeting"
    feature.mkdir(parents=True)
    (feature / "tasks.md").write_text(TASKS_MD)
    (git_repo / "specs" / "000-old").mkdir()
    (git_repo / "specs" / "000-old" / "tasks.md").write_text(
        "# Old\n\n## Phase 1: X\n\n- [ ] T001 old\n"
    )
    commit_all(git_repo)
    result = orch("run", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert "specs/001-greeting/tasks.md" in result.stderr
    assert (git_repo / "src" / "hello.txt").read_text() == "hello\n"

    after = (feature / "tasks.md").read_text()
    changed = [
        (old, new)
        for old, new in zip(TASKS_MD.splitlines(), after.splitlines(), strict=True)
        if old != new
    ]
    assert changed == [
        ("- [ ] T002 [P] Create src/ directory", "- [X] T002 [P] Create src/ directory"),
        (
            "- [ ] T003 [US1] Write the greeting in src/hello.txt",
            "- [X] T003 [US1] Write the greeting in src/hello.txt",
        ),
        (
            "- [ ] T004 [P] [US1] Write the farewell in src/bye.txt",
            "- [X] T004 [P] [US1] Write the farewell in src/bye.txt",
        ),
    ]
    assert len(after) == len(TASKS_MD)
    diff = git(git_repo, "diff", "HEAD~2", "--", "specs/001-greeting/tasks.md")
    flipped = [
        line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")
    ]
    assert len(flipped) == 3 and all("- [X] T00" in line for line in flipped)

    doc = json.loads(orch("status", "--json", cwd=git_repo).stdout)
    statuses = {t["id"]: t["status"] for t in doc["tasks"]}
    assert statuses == {"T001": "done", "T002": "done", "T003": "done", "T004": "done"}


def test_feature_json_points_at_the_feature(git_repo: Path, orch: OrchRunner) -> None:
    for name in ("001-first", "002-second"):
        (git_repo / "specs" / name).mkdir(parents=True)
        (git_repo / "specs" / name / "tasks.md").write_text(
            f"# {name}\n\n## Phase 1: Only\n\n- [ ] T001 Say {name}\n"
            f"  ```sh\n  echo {name} > which.txt\n  ```\n"
        )
    (git_repo / ".specify").mkdir()
    (git_repo / ".specify" / "feature.json").write_text('{"feature_directory": "specs/001-first"}')
    commit_all(git_repo)
    result = orch("run", "--commit", "none", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    assert (git_repo / "which.txt").read_text() == "001-first\n"
    assert ".specify/feature.json" in result.stderr


def test_no_plan_and_no_feature_is_a_clean_error(git_repo: Path, orch: OrchRunner) -> None:
    result = orch("run", cwd=git_repo)
    assert result.returncode == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: no plan given and none found (no spec-kit tasks.md")
    assert result.stderr.splitlines()[1].startswith("hint: ")
