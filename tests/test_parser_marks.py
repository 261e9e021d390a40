"""set_mark: flip exactly one checkbox character, leave every other byte alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.domain.plan import PlanMark
from orch.parsing.markdown import parse_plan
from orch.parsing.marks import set_mark

PLAN = (
    "# Plan\n\n## Phase 1: A\n\n"
    "- [ ] T001 first\n"
    "  - [ ] T001a nested\n"
    "* [x] T002 second\n"
    "> - [ ] T003 quoted\n"
    "1. [~] T004 ordered\n"
)


def changed_positions(before: str, after: str) -> list[int]:
    assert len(before) == len(after)
    return [index for index, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]


@pytest.mark.parametrize(
    ("line", "mark", "char"),
    [
        (5, PlanMark.DONE, "X"),
        (6, PlanMark.SKIPPED, "~"),
        (7, PlanMark.PENDING, " "),
        (8, PlanMark.DONE, "X"),
        (9, PlanMark.PENDING, " "),
    ],
)
def test_only_the_checkbox_changes(line: int, mark: PlanMark, char: str) -> None:
    after = set_mark(PLAN, line, mark)
    positions = changed_positions(PLAN, after)
    assert len(positions) == 1
    source_line = PLAN.split("\n")[line - 1]
    start = sum(len(text) + 1 for text in PLAN.split("\n")[: line - 1])
    assert positions[0] == start + source_line.index("[") + 1
    assert after[positions[0]] == char


def test_lines_come_from_the_parser() -> None:
    result = parse_plan(PLAN)
    text = PLAN
    for task in result.plan.tasks():
        text = set_mark(text, task.line, PlanMark.DONE)
    assert parse_plan(text).plan.tasks()[0].mark is PlanMark.DONE
    assert all(t.mark is PlanMark.DONE for t in parse_plan(text).plan.tasks())
    assert text.replace("[X]", "[ ]").replace("[x]", "[ ]").replace("[~]", "[ ]") == (
        PLAN.replace("[x]", "[ ]").replace("[~]", "[ ]")
    )


def test_crlf_and_bytes_are_preserved() -> None:
    text = "## Phase 1: A\r\n- [ ] T001 caf\u00e9 \u2014 d\u00e9j\u00e0\r\n- [ ] T002 b\r\n"
    after = set_mark(text, 2, PlanMark.DONE)
    assert after == text.replace("- [ ] T001", "- [X] T001")
    assert after.encode() == text.encode().replace(b"- [ ] T001", b"- [X] T001")
    last = set_mark(text, 3, PlanMark.SKIPPED)
    assert last.endswith("- [~] T002 b\r\n")


def test_done_stays_lowercase_x() -> None:
    assert set_mark(PLAN, 7, PlanMark.DONE) == PLAN


def test_last_line_without_newline() -> None:
    assert set_mark("- [ ] T001 a", 1, PlanMark.DONE) == "- [X] T001 a"


@pytest.mark.parametrize("line", [0, 1, 3, 99])
def test_not_a_checkbox_line(line: int) -> None:
    with pytest.raises(ValueError):
        set_mark(PLAN, line, PlanMark.DONE)


@pytest.mark.parametrize("marker", ["\u26d4", "-", "N/A", "", " x", "x ", "WIP", "\u2713"])
def test_unknown_marker_is_replaced_whole(marker: str) -> None:
    text = f"## Phase 1: A\n- [{marker}] T001 a\n- [ ] T002 b\n"
    assert set_mark(text, 2, PlanMark.DONE) == "## Phase 1: A\n- [X] T001 a\n- [ ] T002 b\n"


def test_write_back_counts_lines_like_the_parser(tmp_path: Path) -> None:
    """A lone CR ends a line for the parser (CommonMark); the marker must count it too, or
    finishing T003 ticks the box of the task on the line after it."""
    from orch.planfile import load_plan
    from orch.runner.planmarks import plan_marker

    plan = tmp_path / "tasks.md"
    before = (
        b"\xef\xbb\xbf# Tasks\r\n\r\n## Phase 1: A\r\n\r\n- [ ] T001 one\r\n"
        b"- [ ] T002 two\rwrapped by an old editor\r\n- [ ] T003 three\r\n\t- [ ] T004 four\r\n"
    )
    plan.write_bytes(before)
    tasks = {task.id: task for task in load_plan(plan).plan.tasks()}
    marker = plan_marker(plan, "markdown")
    assert marker is not None
    marker.mark(tasks["T003"], PlanMark.DONE)
    after = plan.read_bytes()
    assert after == before.replace(b"- [ ] T003", b"- [X] T003")


@pytest.mark.parametrize("marker", ["", " x", "WIP", "\u2713", "N/A"])
def test_orchs_own_mark_does_not_count_as_a_plan_change(marker: str) -> None:
    """orch replaces an odd marker with [X]; the run's plan digest must not see a change."""
    from orch.runner.session import plan_digest

    text = f"## Phase 1: A\n- [{marker}] T001 a\n"
    marked = set_mark(text, 2, PlanMark.DONE)
    assert plan_digest(marked.encode()) == plan_digest(text.encode())


def test_heading_task_ticks_only_the_criteria_the_parser_reads(tmp_path: Path) -> None:
    """Checkboxes in an HTML comment or a four-backtick fence under a heading task are not its
    criteria: finishing the task must not touch them."""
    from orch.planfile import load_plan
    from orch.runner.planmarks import plan_marker

    plan = tmp_path / "plan.md"
    before = (
        "# Plan\n\n## Phase 1: Build\n\n### Task 1.1: Write it\n\n"
        "- [ ] it exists\n\n<!--\n- [ ] an idea for later\n-->\n\n"
        "````markdown\n```\n- [ ] example in the docs\n```\n````\n\n"
        "  - [ ] nested criterion\n\n### Task 1.2: Next\n\n- [ ] untouched\n"
    )
    plan.write_text(before)
    task = load_plan(plan).plan.task("1.1")
    assert task.acceptance == ["it exists", "nested criterion"]
    marker = plan_marker(plan, "markdown")
    assert marker is not None
    marker.mark(task, PlanMark.DONE)
    expected = before.replace("- [ ] it exists", "- [X] it exists").replace(
        "- [ ] nested", "- [X] nested"
    )
    assert plan.read_text() == expected


def test_claudio_status_keeps_crlf() -> None:
    from orch.parsing.claudio import set_status

    before = "# Status\r\n- **Current Status**: Not Started\r\n- notes\r\n"
    after = set_status(before, PlanMark.DONE)
    assert after == before.replace("Not Started", "Completed")


def test_plan_edited_above_the_task_never_ticks_another(tmp_path: Path) -> None:
    """A line added above the tasks mid-run shifts them: finishing T003 must tick T003 (found
    again by a fresh parse), not T002, which now sits on T003's old line."""
    from orch.planfile import load_plan
    from orch.runner.planmarks import plan_marker

    plan = tmp_path / "tasks.md"
    plan.write_text("# P\n\n## Phase 1: A\n\n- [ ] T001 one\n- [ ] T002 two\n- [ ] T003 three\n")
    tasks = {task.id: task for task in load_plan(plan).plan.tasks()}
    marker = plan_marker(plan, "markdown")
    assert marker is not None
    marker.mark(tasks["T001"], PlanMark.DONE)
    edited = plan.read_text().replace("## Phase 1: A\n", "## Phase 1: A\nA note.\n")
    plan.write_text(edited)
    marker.mark(tasks["T003"], PlanMark.DONE)
    assert plan.read_text() == edited.replace("[ ] T003", "[X] T003")
    plan.write_text(edited.replace("- [ ] T002 two\n", ""))  # T002 removed: left alone
    marker.mark(tasks["T002"], PlanMark.DONE)
    assert "T002" not in plan.read_text()
