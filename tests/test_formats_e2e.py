"""Other plan formats end to end: `orch run` with shell tasks in a real git repository, and the
plan's progress written back in the format's own way — `git diff` shows only the marks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all, git

KIRO = """\
# Implementation Plan

- [x] 1. Set up the project
  - Create the directories
  - _Requirements: 1.1_

- [ ] 2. Implement the models
  - [ ] 2.1 Create the interfaces
    ```sh
    echo interfaces > interfaces.txt
    ```
    - _Requirements: 2.1, 3.3_
  - [x]* 2.2 Write unit tests (optional)
  - [ ]* 2.3 Write the optional docs
    ```sh
    echo docs > docs.txt
    ```
  ```sh
  echo models > models.txt
  ```
"""

PLAIN = """\
# PHASE 1: Foundation

- [x] Initialise the repository
- [ ] Write the config
  ```sh
  echo config > config.txt
  ```

# PHASE 2: Features

- [ ] Add the feature
  ```sh
  echo feature > feature.txt
  ```
"""


HEADINGS = """\
# Heading tasks

## Phase 1: Build

### Task 1.1: Write the greeting
```sh
echo hello > greeting.txt
```
- [ ] greeting.txt exists
- [x] it says hello

### Task 1.2: Sign it
```bash
# a comment line is no heading
echo "- [ ] not a criterion" >> greeting.txt
```
- [ ] signed
"""


def taskmaster() -> str:
    def task(number: int, status: str, deps: list[int], subtasks: list[object]) -> object:
        return {
            "id": number,
            "title": f"Task {number}",
            "description": "Do the thing.",
            "details": f"Steps:\n```bash\necho {number} > task{number}.txt\n```\n",
            "testStrategy": "Check the file.",
            "priority": "high",
            "dependencies": deps,
            "status": status,
            "subtasks": subtasks,
        }

    sub = {
        "id": 1,
        "title": "Sub-task",
        "description": "A part",
        "dependencies": [],
        "details": "```sh\necho sub > sub.txt\n```",
        "status": "pending",
    }
    tasks = [task(1, "done", [], []), task(2, "pending", [1], [sub]), task(3, "pending", [2], [])]
    return json.dumps({"master": {"tasks": tasks, "metadata": {"created": "x"}}}, indent=2) + "\n"


CLAUDIO = {
    "plan.md": "# Implementation Plan\n\n- **Phase 1**: Foundation\n",
    "phase1/tasks.md": (
        "# Phase 1: Foundation\n\n## Task Breakdown\n\n### Task 1: Skeleton\n"
        "**Objective**: a layout.\n\n```bash\necho skeleton > skeleton.txt\n```\n\n"
        "### Task 2: Config\n\n```bash\necho config > config.txt\n```\n\n"
        "## Success Criteria\n- [ ] it builds\n- [ ] it runs\n"
    ),
    "phase1/task1-skeleton/status.md": "# Status\n- **Current Status**: Not Started\n",
    "phase1/task2-config/status.md": "# Status\n\n- **Current Status**: In Progress\n- notes\n",
}


def changed_lines(repo: Path, path: str) -> list[tuple[str, str]]:
    """(new, old) pairs of the lines ``path`` changed since the plan was committed."""
    diff = git(repo, "diff", "--unified=0", "plan-added", "--", path)
    lines = diff.splitlines()
    removed = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    assert len(removed) == len(added), diff
    return list(zip(added, removed, strict=True))


def run(orch: OrchRunner, repo: Path, plan: str) -> None:
    git(repo, "tag", "plan-added")
    done = orch("run", plan, "--yes", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_kiro_tasks_md(orch: OrchRunner, git_repo: Path) -> None:
    (git_repo / "tasks.md").write_text(KIRO)
    commit_all(git_repo)
    data = json.loads(orch("validate", "--json", "tasks.md", cwd=git_repo).stdout)
    tasks = {t["id"]: t for phase in data["phases"] for t in phase["tasks"]}
    assert list(tasks) == ["1", "2", "2.1", "2.2", "2.3"]
    assert tasks["2.2"]["labels"] == ["optional"] and tasks["2.2"]["status"] == "done"
    assert tasks["2"]["depends_on"] == ["2.1", "2.2", "2.3"]
    run(orch, git_repo, "tasks.md")
    assert (git_repo / "interfaces.txt").is_file() and (git_repo / "models.txt").is_file()
    pairs = changed_lines(git_repo, "tasks.md")
    assert len(pairs) == 3  # 2, 2.1 and 2.3 ran
    assert all(old.replace("[ ]", "[X]", 1) == new for new, old in pairs)


def test_plain_phase_checklist(orch: OrchRunner, git_repo: Path) -> None:
    (git_repo / "PLAN.md").write_text(PLAIN)
    commit_all(git_repo)
    data = json.loads(orch("validate", "--json", "PLAN.md", cwd=git_repo).stdout)
    assert [(p["id"], len(p["tasks"])) for p in data["phases"]] == [("1", 2), ("2", 1)]
    run(orch, git_repo, "PLAN.md")
    pairs = changed_lines(git_repo, "PLAN.md")
    assert len(pairs) == 2
    assert all(old.replace("[ ]", "[X]", 1) == new for new, old in pairs)


def test_heading_tasks_tick_their_criteria(orch: OrchRunner, git_repo: Path) -> None:
    (git_repo / "plan.md").write_text(HEADINGS)
    commit_all(git_repo)
    run(orch, git_repo, "plan.md")
    pairs = changed_lines(git_repo, "plan.md")
    assert [new for new, _ in pairs] == ["- [X] greeting.txt exists", "- [X] signed"]
    assert all(old.replace("[ ]", "[X]", 1) == new for new, old in pairs)
    data = json.loads(orch("validate", "--json", "plan.md", cwd=git_repo).stdout)
    assert data["done_count"] == 2  # read back: every criterion ticked


def test_taskmaster_tasks_json(orch: OrchRunner, git_repo: Path) -> None:
    path = git_repo / ".taskmaster" / "tasks" / "tasks.json"
    path.parent.mkdir(parents=True)
    path.write_text(taskmaster())
    commit_all(git_repo)
    plan = ".taskmaster/tasks/tasks.json"
    data = json.loads(orch("validate", "--json", plan, cwd=git_repo).stdout)
    tasks = {t["id"]: t for phase in data["phases"] for t in phase["tasks"]}
    assert list(tasks) == ["1", "2", "2.1", "3"]
    assert tasks["2"]["depends_on"] == ["1", "2.1"] and tasks["1"]["status"] == "done"
    assert tasks["2"]["labels"] == ["priority:high"]
    assert tasks["2"].get("priority", 8) == 8
    run(orch, git_repo, plan)
    assert (git_repo / "sub.txt").is_file() and (git_repo / "task3.txt").is_file()
    pairs = changed_lines(git_repo, plan)
    assert sorted(new.strip().rstrip(",") for new, _ in pairs) == ['"status": "done"'] * 3
    assert all(old.replace('"pending"', '"done"') == new for new, old in pairs)


def test_claudio_tree(orch: OrchRunner, git_repo: Path) -> None:
    for name, text in CLAUDIO.items():
        path = git_repo / ".claudio" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    commit_all(git_repo)
    data = json.loads(orch("validate", "--json", ".claudio", cwd=git_repo).stdout)
    assert [(p["id"], [t["id"] for t in p["tasks"]]) for p in data["phases"]] == [
        ("1", ["1.1", "1.2"])
    ]
    run(orch, git_repo, ".claudio")
    assert (git_repo / "config.txt").read_text() == "config\n"
    for status in ("phase1/task1-skeleton/status.md", "phase1/task2-config/status.md"):
        pairs = changed_lines(git_repo, f".claudio/{status}")
        assert [new for new, _ in pairs] == ["- **Current Status**: Completed"]
    assert changed_lines(git_repo, ".claudio/phase1/tasks.md") == []


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("info.json", '{"attempts": 1, "history": []}\n', "JSON without a Taskmaster task list"),
        ("config.yaml", "name: x\nversion: 2\nsteps: 3\n", "this file is YAML"),
    ],
)
def test_unreadable_format_is_named(
    orch: OrchRunner, tmp_path: Path, name: str, text: str, says: str
) -> None:
    (tmp_path / name).write_text(text)
    done = orch("validate", name, cwd=tmp_path)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and says in errors[0], done.stderr
    assert "hint: orch reads markdown plans" in done.stderr


def test_taskmaster_tags_reuse_ids_and_bom(orch: OrchRunner, git_repo: Path) -> None:
    """Every tag numbers its tasks from 1: the second tag's `1` is a task of its own (not a
    duplicate of master's `1`), and a byte-order mark is kept and read past."""

    def task(number: int, status: str, deps: list[int], name: str) -> object:
        details = f"```sh\necho {name} > {name}.txt\n```"
        return {"id": number, "title": name, "status": status, "dependencies": deps,
                "details": details}  # fmt: skip

    data = {
        "master": {"tasks": [task(1, "done", [], "m1"), task(2, "pending", [1], "m2")]},
        "feature-login": {"tasks": [task(1, "pending", [], "f1"), task(2, "review", [1], "f2")]},
    }
    path = git_repo / "tasks.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(data, indent=2).encode() + b"\n")
    commit_all(git_repo)
    found = json.loads(orch("validate", "--json", "tasks.json", cwd=git_repo).stdout)
    tasks = {t["id"]: t for phase in found["phases"] for t in phase["tasks"]}
    assert list(tasks) == ["1", "2", "feature-login:1", "feature-login:2"]
    assert tasks["feature-login:2"]["depends_on"] == ["feature-login:1"]
    run(orch, git_repo, "tasks.json")
    assert all((git_repo / f"{name}.txt").is_file() for name in ("m2", "f1", "f2"))
    assert not (git_repo / "m1.txt").exists()
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    pairs = changed_lines(git_repo, "tasks.json")
    assert [new.strip() for new, _ in pairs] == ['"status": "done",'] * 3


KIRO_IN_PROGRESS = """\
# Implementation Plan

- [-] 1. Build the models
  - [x] 1.1 Create the interfaces
  - [-] 1.2 Add validation
    ```sh
    echo valid > valid.txt
    ```
  ```sh
  echo models > models.txt
  ```
- [ ] Checkpoint - ensure all tests pass
"""


def test_kiro_in_progress_tasks_run(orch: OrchRunner, git_repo: Path) -> None:
    """Kiro writes `[-]` for a task in progress: it is not done, so orch runs it; an unnumbered
    checkbox is named, not silently dropped."""
    (git_repo / "tasks.md").write_text(KIRO_IN_PROGRESS)
    commit_all(git_repo)
    data = json.loads(orch("validate", "--json", "tasks.md", cwd=git_repo).stdout)
    tasks = {t["id"]: t["status"] for phase in data["phases"] for t in phase["tasks"]}
    assert tasks == {"1": "pending", "1.1": "done", "1.2": "pending"}
    assert any(w["line"] == 12 and "no task number" in w["message"] for w in data["warnings"])
    run(orch, git_repo, "tasks.md")
    assert (git_repo / "valid.txt").is_file() and (git_repo / "models.txt").is_file()
    pairs = changed_lines(git_repo, "tasks.md")
    assert len(pairs) == 2 and all(old.replace("[-]", "[X]", 1) == new for new, old in pairs)


NUMBERED_PHASES = """\
# Plan

## Phase 1: Setup

**Gate**: `test -f setup.txt`

- [ ] 1. Install the dependencies
  ```sh
  echo setup > setup.txt
  ```

## Phase 2: Build

- [ ] 2. Build it
  - [ ] 2.1 Compile
"""


def test_numbered_tasks_under_phase_headings_keep_phases_and_gates(
    orch: OrchRunner, git_repo: Path
) -> None:
    """Kiro-style numbered checkboxes under `## Phase N:` headings: the phases and their gates
    are kept (read as Kiro, the whole plan used to become one phase and the gate vanished)."""
    (git_repo / "plan.md").write_text(NUMBERED_PHASES)
    commit_all(git_repo)
    data = json.loads(orch("validate", "--json", "plan.md", cwd=git_repo).stdout)
    phases = [(p["id"], p["gates"], [t["id"] for t in p["tasks"]]) for p in data["phases"]]
    assert phases == [("1", ["test -f setup.txt"], ["1"]), ("2", [], ["2", "2.1"])]
