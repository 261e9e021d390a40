"""Nothing vanishes (docs/plan-format.md): what looks like a task is one, or a warning says so.

One line of the micro-plan per construct seen in real spec-kit files; each line must come out as
the task below, or as a warning at that line. The tasks after the odd constructs must survive.
"""

from __future__ import annotations

import pytest

from orch.domain.plan import ParseResult, PlanMark
from orch.parsing.markdown import parse_plan

MICRO = """\
# Micro plan

## Phase 1: Odd shapes

- [ ] T001 Plain task
- [ ] T001A Upper-case suffix
- [ ] **T053B** Bold upper-case suffix
- [ ] T-001: Hyphenated ID
- [ ] T158-1 Sub-task ID
- [x] T005-T010 Range, done
- [~] T062-T067 DROPPED range
- [ ] ~~T092 Obsolete~~ OBSOLETE
- [x] ~~T003~~ struck ID
- [⛔] T070 Blocked marker
- [-] T071 Dash marker
- [N/A] T072 Not applicable
- [ ] T073 After the odd markers (depends on T007)
- T074 plain bullet without a checkbox
- [ ] SC-001 other-prefix item
- [ ] T075 Last task of the phase

## Phase 2: Still there

- [ ] T080 Next phase (depends on T064)
"""

# line: (id, status) for a task, or a fragment of the warning at that line
EXPECTED: dict[int, tuple[str, PlanMark] | str] = {
    5: ("T001", PlanMark.PENDING),
    6: ("T001A", PlanMark.PENDING),
    7: ("T053B", PlanMark.PENDING),
    8: ("T-001", PlanMark.PENDING),
    9: ("T158-1", PlanMark.PENDING),
    10: ("T005-T010", PlanMark.DONE),
    11: ("T062-T067", PlanMark.SKIPPED),
    12: ("T092", PlanMark.SKIPPED),
    13: ("T003", PlanMark.SKIPPED),
    14: ("T070", PlanMark.PENDING),
    15: ("T071", PlanMark.SKIPPED),
    16: ("T072", PlanMark.SKIPPED),
    17: ("T073", PlanMark.PENDING),
    18: "T074 has no checkbox",
    19: "'SC-001' is not a task ID",
    20: ("T075", PlanMark.PENDING),
    24: ("T080", PlanMark.PENDING),
}


def _assert_task_or_warning(result: ParseResult, line: int,
                            expected: tuple[str, PlanMark] | str) -> None:
    """Line ``line`` is the task ``expected`` (id, mark), or a warning containing it."""
    tasks = {task.line: task for task in result.plan.tasks()}
    if isinstance(expected, tuple):
        assert line in tasks, f"line {line} vanished"
        assert (tasks[line].id, tasks[line].mark) == expected
    else:
        assert line not in tasks
        messages = [w.message for w in result.warnings if w.line == line]
        assert any(expected in message for message in messages), messages


@pytest.fixture(scope="module")
def result() -> ParseResult:
    return parse_plan(MICRO, "micro.md")


@pytest.mark.parametrize("line", sorted(EXPECTED))
def test_every_line_is_a_task_or_a_warning(result: ParseResult, line: int) -> None:
    _assert_task_or_warning(result, line, EXPECTED[line])


def test_nothing_else_and_no_errors(result: ParseResult) -> None:
    assert result.errors == []
    task_lines = {task.line for task in result.plan.tasks()}
    assert task_lines == {line for line, value in EXPECTED.items() if isinstance(value, tuple)}
    assert [phase.id for phase in result.plan.phases] == ["1", "2"]


def test_odd_markers_and_strikes_are_named(result: ParseResult) -> None:
    by_line = {w.line: w.message for w in result.warnings}
    assert "unknown checkbox marker [⛔], read as pending" in by_line[14]
    assert "[-], read as skipped" in by_line[15]
    assert "[N/A], read as skipped" in by_line[16]
    assert "struck through" in by_line[12] and "struck through" in by_line[13]
    assert "Struck through" in result.plan.task("T092").description


def test_dependency_inside_a_range_resolves_to_the_range(result: ParseResult) -> None:
    assert result.plan.task("T073").depends_on == ["T005-T010"]
    assert result.plan.task("T080").depends_on == ["T062-T067"]


def test_en_dash_range_and_title_survive() -> None:
    found = parse_plan("## Phase 1: A\n- [x] T005 \u2013 T010 Batch of things\n").plan.tasks()
    assert [(t.id, t.title) for t in found] == [("T005-T010", "Batch of things")]


def test_new_id_outside_phases_is_new_work() -> None:
    text = "## Phase 1: A\n- [ ] T001 a\n\n## Notes\n- [X] T001 again\n- [ ] T099 stray\n"
    result = parse_plan(text)
    assert [t.id for t in result.plan.tasks()] == ["T001", "T099"]
    assert [(p.id, p.title) for p in result.plan.phases] == [("1", "A"), ("2", "Notes")]
    assert [(w.line, "holds new tasks (T099): read as phase 2" in w.message)
            for w in result.warnings] == [(4, True)]


TYPOS = """\
# Typos real people make

## Phase 1: Typos

- [] T101 Empty box
- [ x] T102 Padded done box
- [WIP] T103 Word marker
- [\u2713] T104 Check-mark marker
- [ ]T105 No space after the box
- [ ] `T106` Code-span ID
- [ ] t107 Lower-case ID
- [ ] [T108] Bracketed ID
- [ ] (T109) Parenthesised ID
- [ ] T110 Wrapped task
-[ ] T111 missing space after the dash, a lazy continuation line
- [ ] T112 After the typos

T113 A prose line that starts with an unknown ID
T101 and T102 are known: no warning for this line

| ID | Task |
|----|------|
| **T114** | A task written as a table row |
| T101 | A known task summarised: no warning |

- [ ] TXXX [P] The template's placeholder ID
- [x] [T115](#t115) Linked ID
- [ ] *T116* Italic ID
"""

TYPO_LINES: dict[int, tuple[str, PlanMark] | str] = {
    5: ("T101", PlanMark.PENDING),
    6: ("T102", PlanMark.DONE),
    7: ("T103", PlanMark.PENDING),
    8: ("T104", PlanMark.DONE),
    9: ("T105", PlanMark.PENDING),
    10: ("T106", PlanMark.PENDING),
    11: "'t107' is not a task ID",
    12: ("T108", PlanMark.PENDING),
    13: ("T109", PlanMark.PENDING),
    14: ("T110", PlanMark.PENDING),
    15: "T111 has no checkbox",
    16: ("T112", PlanMark.PENDING),
    18: "T113 has no checkbox",
    23: "T114 has no checkbox",
    26: "'TXXX' is not a task ID",
    27: ("T115", PlanMark.DONE),
    28: ("T116", PlanMark.PENDING),
}


@pytest.mark.parametrize("line", sorted(TYPO_LINES))
def test_typos_are_tasks_or_named(line: int) -> None:
    result = parse_plan(TYPOS, "typos.md")
    _assert_task_or_warning(result, line, TYPO_LINES[line])


def test_typo_markers_are_named_and_known_mentions_are_quiet() -> None:
    result = parse_plan(TYPOS, "typos.md")
    by_line = {w.line: w.message for w in result.warnings}
    assert "unknown checkbox marker [], read as pending" in by_line[5]
    assert "[ x], read as done" in by_line[6]
    assert "[WIP], read as pending" in by_line[7]
    assert "[\u2713], read as done" in by_line[8]
    assert 19 not in by_line and 9 not in by_line and 24 not in by_line
    assert {t.line for t in result.plan.tasks()} == {
        n for n, v in TYPO_LINES.items() if isinstance(v, tuple)
    }
