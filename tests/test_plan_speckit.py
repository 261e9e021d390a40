"""`orch plan --from spec.md`: one phase per user story, P1 first, after setup + foundational."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import REPO_ROOT, OrchRunner
from orch.planning.speckit import parse_spec

EXAMPLE = REPO_ROOT / "examples" / "planning" / "bookmarks"
SPEC = "specs/001-bookmark-tags/spec.md"


def copy_example(tmp_path: Path) -> Path:
    project = tmp_path / "bookmarks"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".specify", "tasks.md"))
    return project


def test_parse_spec_reads_stories_priorities_entities_and_clarifications() -> None:
    spec = parse_spec((EXAMPLE / SPEC).read_text())
    assert spec.title == "Bookmark Tags"
    assert [(s.number, s.priority) for s in spec.stories] == [(1, 3), (2, 1), (3, 2)]
    assert [s.number for s in spec.by_priority()] == [2, 3, 1]
    assert all(len(story.scenarios) == 2 for story in spec.stories)
    assert spec.stories[1].scenarios[0].startswith("Given an empty store, When")
    assert [name for name, _ in spec.entities] == ["Tag", "Bookmark"]
    assert len(spec.edge_cases) == 2
    assert spec.clarifications == ["should renaming to an existing tag merge, or be refused?"]


def test_stories_in_code_blocks_and_comments_are_ignored() -> None:
    text = ("# Feature Specification: X\n\n<!--\n### User Story 9 - Hidden (Priority: P1)\n-->\n"
            "```\n### User Story 8 - Code (Priority: P1)\n```\n"
            "### User Story 1 - Real (Priority: P2)\n")
    assert [story.title for story in parse_spec(text).stories] == ["Real"]


def test_from_spec_gives_one_phase_per_story_in_priority_order(
    orch: OrchRunner, tmp_path: Path
) -> None:
    project = copy_example(tmp_path)
    result = orch("plan", "--offline", "--from", SPEC, cwd=project)
    assert result.returncode == 0, result.stderr
    tasks_md = project / "specs" / "001-bookmark-tags" / "tasks.md"
    assert tasks_md.is_file(), result.stdout
    assert "specs/001-bookmark-tags/tasks.md" in result.stdout

    checked = orch("validate", "--json", "--strict", str(tasks_md), cwd=project)
    assert checked.returncode == 0, checked.stderr
    data = json.loads(checked.stdout)
    titles = [phase["title"] for phase in data["phases"]]
    assert titles[0].startswith("Setup") and titles[1].startswith("Foundational")
    assert titles[2:5] == [
        "User Story 2 - Tag a bookmark (Priority: P1)",
        "User Story 3 - Filter bookmarks by tag (Priority: P2)",
        "User Story 1 - Rename a tag everywhere (Priority: P3)",
    ]
    assert titles[5].startswith("Polish") and len(titles) == 6
    story_tasks = data["phases"][2]["tasks"]
    assert all("US2" in task["labels"] or task.get("story") == "US2" for task in story_tasks)
    assert story_tasks[1]["depends_on"] == [story_tasks[0]["id"]]
    assert "pytest" in story_tasks[1]["verify"][0]
    text = tasks_md.read_text()
    assert "Needs clarification: should renaming" in text
    assert "- [ ] Given an empty store, When the user saves" in text

    again = orch("plan", "--offline", "--from", SPEC, cwd=project)
    assert again.returncode == 3 and "already exists" in again.stderr
