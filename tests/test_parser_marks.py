"""set_mark: flip exactly one checkbox character, leave every other byte alone."""

from __future__ import annotations

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


@pytest.mark.parametrize("marker", ["\u26d4", "-", "N/A"])
def test_unknown_marker_is_replaced_whole(marker: str) -> None:
    text = f"## Phase 1: A\n- [{marker}] T001 a\n- [ ] T002 b\n"
    assert set_mark(text, 2, PlanMark.DONE) == "## Phase 1: A\n- [X] T001 a\n- [ ] T002 b\n"
