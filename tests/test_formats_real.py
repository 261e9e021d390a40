"""Other formats as their tools write them (fixtures under tests/fixtures/formats, written from
each tool's documentation): a tagged Taskmaster file with cross-level dependencies, a Claudio
tree with `taskN_name/` folders and `- **Status**:` lines, openspec groups. Each runs end to end
with the shell agent, and `git diff` shows only its marks, written in the format's own way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from conftest import OrchRunner, commit_all, git

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"


def copy_fixture(name: str, repo: Path) -> None:
    shutil.copytree(FIXTURES / name, repo, dirs_exist_ok=True)
    commit_all(repo)
    git(repo, "tag", "plan-added")


def validated(orch: OrchRunner, repo: Path, *args: str) -> dict[str, Any]:
    done = orch("validate", "--json", *args, cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def tasks_of(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for phase in data["phases"] for t in phase["tasks"]}


def diff_lines(repo: Path, path: str) -> tuple[list[str], list[str]]:
    """(removed, added) lines of ``path`` since the fixture was committed (new files too)."""
    git(repo, "add", "-N", "--", path)
    diff = git(repo, "diff", "--unified=0", "plan-added", "--", path)
    lines = diff.splitlines()
    removed = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    return removed, added


def run_ok(orch: OrchRunner, repo: Path, *args: str) -> str:
    done = orch("run", *args, "--yes", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout + done.stderr


def test_taskmaster_tags_and_cross_level_dependencies(orch: OrchRunner, git_repo: Path) -> None:
    copy_fixture("taskmaster", git_repo)
    plan = ".taskmaster/tasks/tasks.json"
    tasks = tasks_of(validated(orch, git_repo, plan))
    # A subtask's `2` is a sibling when there is one, else the tag's top-level task 2.
    assert tasks["4.1"]["depends_on"] == ["3"]
    assert tasks["4.2"]["depends_on"] == ["4.1"]
    assert tasks["feature-login:2.1"]["depends_on"] == ["feature-login:1"]
    assert tasks["5"]["status"] == "skipped" and tasks["1"]["status"] == "done"
    run_ok(orch, git_repo, plan)
    assert (git_repo / "api.md").read_text() == "/health\nexample\n"
    assert (git_repo / "cookie.txt").is_file()
    assert not (git_repo / "setup.log").exists() and not (git_repo / "never.txt").exists()
    removed, added = diff_lines(git_repo, plan)
    assert len(added) == 8  # 2, 3, 4, 4.1, 4.2 and the three login tasks
    assert [line.replace('"pending"', '"done"') for line in removed] == added


def test_taskmaster_subtask_dependency_naming_nothing_names_both_readings(
    orch: OrchRunner, tmp_path: Path
) -> None:
    sub = {"id": 1, "title": "Sub", "dependencies": [7], "status": "pending"}
    data = {"tasks": [{"id": 1, "title": "Top", "status": "pending", "subtasks": [sub]}]}
    (tmp_path / "tasks.json").write_text(json.dumps(data, indent=2))
    done = orch("validate", "tasks.json", cwd=tmp_path)
    assert done.returncode == 2
    assert "no sibling subtask 1.7 and no task 7" in done.stderr, done.stderr


def test_taskmaster_tags_each_holding_a_bare_list(orch: OrchRunner, tmp_path: Path) -> None:
    data = {
        "master": [{"id": 1, "title": "One", "status": "done", "dependencies": []}],
        "feature": [{"id": 1, "title": "Two", "status": "pending", "dependencies": []}],
    }
    (tmp_path / "tasks.json").write_text(json.dumps(data, indent=2))
    found = validated(orch, tmp_path, "tasks.json")
    assert [(p["title"], [t["id"] for t in p["tasks"]]) for p in found["phases"]] == [
        ("master", ["1"]),
        ("feature", ["feature:1"]),
    ]


def test_taskmaster_duplicate_ids_both_run_and_each_gets_its_own_mark(
    orch: OrchRunner, git_repo: Path
) -> None:
    """Two tasks `2`: a warning names both lines, both run, and the one that failed keeps its
    status: the done mark of the one that ran never lands on the other."""

    def task(number: int, script: str) -> dict[str, Any]:
        return {"id": number, "title": script, "status": "pending", "dependencies": [],
                "details": f"```bash\n{script}\n```"}  # fmt: skip

    data = {"tasks": [task(1, "echo one > one.txt"), task(2, "echo first > first.txt"),
                      task(2, "echo second > second.txt; exit 1")]}  # fmt: skip
    (git_repo / "tasks.json").write_text(json.dumps(data, indent=2) + "\n")
    commit_all(git_repo)
    git(git_repo, "tag", "plan-added")
    found = validated(orch, git_repo, "tasks.json")
    assert list(tasks_of(found)) == ["1", "2", "2#2"]
    assert any("duplicate task ID 2" in w["message"] for w in found["warnings"])
    strict = orch("validate", "--strict", "tasks.json", cwd=git_repo)
    assert strict.returncode == 2 and "error: tasks.json:" in strict.stderr, strict.stderr
    done = orch("run", "tasks.json", "--yes", cwd=git_repo)
    assert done.returncode != 0 and (git_repo / "second.txt").is_file()
    written = json.loads((git_repo / "tasks.json").read_text())["tasks"]
    assert [t["status"] for t in written] == ["done", "done", "pending"]


def test_claudio_tree_as_claudio_writes_it(orch: OrchRunner, git_repo: Path) -> None:
    copy_fixture("claudio", git_repo)
    tasks = tasks_of(validated(orch, git_repo, ".claudio"))
    assert list(tasks) == ["1.1", "1.2", "2.1", "2.2"]  # `Task 1.1` is 1.1, not 1.1.1
    assert [tasks[t]["status"] for t in tasks] == ["pending", "pending", "pending", "done"]
    assert tasks["1.1"].get("priority") == 8 and tasks["2.1"].get("priority") == 2
    run_ok(orch, git_repo, ".claudio")
    assert not (git_repo / "farewell.txt").exists()  # Completed in its status file
    skeleton = ".claudio/phase1/task1_project_skeleton/status.md"
    assert diff_lines(git_repo, skeleton) == (["- **Status**: Not Started"],
                                              ["- **Status**: Completed"])  # fmt: skip
    # Tasks with no status file get one, where the tree keeps them, in Claudio's shape.
    config = git_repo / ".claudio/phase1/task2_configuration/status.md"
    greeting = git_repo / ".claudio/phase2/task1_greeting/status.md"
    assert "- **Status**: Completed\n" in config.read_text()
    assert "# Task Status: Greeting" in greeting.read_text()
    assert diff_lines(git_repo, ".claudio/phase1/tasks.md") == ([], [])
    again = tasks_of(validated(orch, git_repo, ".claudio"))
    assert {t["status"] for t in again.values()} == {"done"}
    outputs = ("skeleton.txt", "config.txt", "greeting.txt")
    for name in outputs:
        (git_repo / name).unlink()
    commit_all(git_repo, "remove output")
    run_ok(orch, git_repo, ".claudio")
    assert not any((git_repo / name).exists() for name in outputs)  # the second run repeats none


def test_claudio_phase_file_alone_reads_word_priorities(orch: OrchRunner, git_repo: Path) -> None:
    text = (FIXTURES / "claudio" / ".claudio" / "phase1" / "tasks.md").read_text()
    text += "\n### Task 1.3: Harden\n- **Priority**: SHOWSTOPPER\n"
    (git_repo / "phase1.md").write_text(text)
    tasks = tasks_of(validated(orch, git_repo, "phase1.md"))
    assert [(t, tasks[t].get("priority")) for t in tasks] == [("1.1", 8), ("1.2", 5), ("1.3", 0)]
    assert tasks["1.3"]["labels"] == ["priority:showstopper"]  # off the scale: a label


def test_claudio_duplicate_task_numbers_are_named(orch: OrchRunner, tmp_path: Path) -> None:
    tree = tmp_path / ".claudio" / "phase1"
    tree.mkdir(parents=True)
    (tree / "tasks.md").write_text(
        "# Phase 1: One\n\n### Task 1: First\n\n```bash\ntrue\n```\n\n"
        "### Task 1.1: Again\n\n```bash\ntrue\n```\n"
    )
    found = validated(orch, tmp_path, ".claudio")
    assert list(tasks_of(found)) == ["1.1", "1.1#2"]
    assert any("duplicate task ID 1.1" in w["message"] for w in found["warnings"])


def test_openspec_groups_are_phases(orch: OrchRunner, git_repo: Path) -> None:
    copy_fixture("openspec", git_repo)
    found = validated(orch, git_repo, "tasks.md")
    assert [(p["id"], p["title"], [t["id"] for t in p["tasks"]]) for p in found["phases"]] == [
        ("1", "Implementation", ["1.1", "1.2", "1.3"]),
        ("2", "Testing", ["2.1"]),
    ]
    run_ok(orch, git_repo, "tasks.md")
    assert (git_repo / "tested.txt").is_file()
    removed, added = diff_lines(git_repo, "tasks.md")
    assert len(added) == 3 and [line.replace("[ ]", "[X]", 1) for line in removed] == added


def test_claudio_named_phase_folders(orch: OrchRunner, git_repo: Path) -> None:
    """`phase1_foundation/` holds phase 1 as `phase1/` does; a status file made for one of its
    tasks goes into that folder."""
    phase = git_repo / ".claudio" / "phase1_foundation"
    phase.mkdir(parents=True)
    (phase / "tasks.md").write_text("# Phase 1: Foundation\n\n### Task 1: Start\n\n"
                                    "```bash\necho start > start.txt\n```\n")  # fmt: skip
    commit_all(git_repo)
    run_ok(orch, git_repo, ".claudio")
    made = phase / "task1_start" / "status.md"
    assert "- **Status**: Completed" in made.read_text()
