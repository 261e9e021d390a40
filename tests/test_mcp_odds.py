"""MCP odds and ends (issue 27, item 9): cancel twice, cancel inside a range task, strict
priority, a clean limit error, and refusals that cite only what was written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mcp import Client

from conftest import make_plan, shell_task
from test_mcp import data, project, text, with_server


def calls(repo: Path, steps: list[tuple[str, dict[str, Any]]]) -> list[tuple[bool, Any]]:
    """Each tool call in turn on one server: (is_error, structured content or text)."""

    async def script(client: Client) -> list[tuple[bool, Any]]:
        answers: list[tuple[bool, Any]] = []
        for name, arguments in steps:
            result = await client.call_tool(name, arguments)
            answers.append((True, text(result)) if result.is_error else (False, data(result)))
        return answers

    return with_server(repo, script, "--plan", "plan.md")


def test_cancelling_a_skipped_task_again_lists_it_as_already_skipped(git_repo: Path) -> None:
    repo = project(git_repo, make_plan([("Work", [
        shell_task("T001", "Base", "true"),
        shell_task("T002", "Top", "true", deps="T001"),
    ])]))
    first, second = calls(repo, [("task_cancel", {"task_id": "T001"}),
                                 ("task_cancel", {"task_id": "T001"})])
    assert first == (False, {"cancelled": ["T001", "T002"], "already": [], "run": None})
    assert second == (False, {"cancelled": [], "already": ["T001", "T002"], "run": None})


def test_cancel_of_an_id_inside_a_range_task_cancels_the_range_task(git_repo: Path) -> None:
    repo = project(git_repo, make_plan([("Work", [
        shell_task("T001", "Alone", "true"),
        shell_task("T002-T004", "Three in one", "true"),
        shell_task("T005", "After", "true", deps="T003"),
    ])]))
    [(is_error, answer)] = calls(repo, [("task_cancel", {"task_id": "T003"})])
    assert not is_error, answer
    assert answer["cancelled"] == ["T002-T004", "T005"]
    assert "- [~] T002-T004 Three in one" in (repo / "plan.md").read_text()


def test_enqueue_and_list_refuse_bad_numbers_cleanly(git_repo: Path) -> None:
    repo = project(git_repo, make_plan([("Work", [shell_task("T001", "Alone", "true")])]))
    before = (repo / "plan.md").read_bytes()
    answers = calls(repo, [
        ("task_enqueue", {"description": "x", "priority": True}),
        ("task_list", {"limit": 0}),
        ("task_enqueue", {"description": "needs a ghost", "prerequisites": ["T999"]}),
    ])
    assert answers[0][0], answers[0]
    assert answers[1][0], answers[1]
    assert answers[1][1].endswith("error: limit 0 is out of range\nhint: use 1 to 500")
    assert "validation error" not in answers[1][1]
    refused = answers[2]
    assert refused[0] and "unknown task T999" in refused[1], refused
    assert "T002" not in refused[1] and not re.search(r"plan\.md:\d", refused[1]), refused
    assert (repo / "plan.md").read_bytes() == before
