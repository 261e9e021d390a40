"""Task lines as real plans write them (docs/plan-format.md, "Tasks").

``fixtures/plans/shapes.md`` holds one line of each shape; the walk below checks the promise on
it: every list item, heading or table row whose text starts with a task-ID-shaped token is a
task, a reference to one, or a warning at its line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import OrchRunner
from orch.domain.plan import Diagnostic, ParseResult, PlanMark
from orch.parsing.fold import fold, folded_lines, kind
from orch.parsing.markdown import parse_plan
from orch.parsing.phases import phase_heading

SHAPES = Path(__file__).parent / "fixtures" / "plans" / "shapes.md"
# After a list marker, checkbox, heading marks, a table's pipe, done marks, bold or strikes:
# a token of the ID shapes (T…, or 1-4 capitals and digits, or another tool's SC-001).
_LEAD = re.compile(
    r"^\s*(?:#{1,6}\s+|\|\s*|[-*+]\s*(?:\[[^\]]*\])?)?[\s\u2705\u2714\u2611\ufe0f*~（(]*"
)
_ID_TOKEN = re.compile(r"(?:T-?[A-Z]{0,4}\d|[A-Z]{1,4}-?\d\d)[\w.-]*")


@pytest.fixture(scope="module")
def shapes() -> ParseResult:
    return parse_plan(SHAPES.read_text(encoding="utf-8"), "shapes.md")


def test_every_id_line_is_a_task_a_reference_or_a_warning(shapes: ParseResult) -> None:
    tasks = {task.line: task for task in shapes.plan.tasks()}
    ids = {task.id for task in shapes.plan.tasks()}
    warned = {warning.line for warning in shapes.warnings}
    checked = 0
    for number, line in enumerate(SHAPES.read_text(encoding="utf-8").splitlines(), start=1):
        token = _ID_TOKEN.match(line[_LEAD.match(line).end() :])  # type: ignore[union-attr]
        if token is None or line.startswith("# "):
            continue
        checked += 1
        name = token.group(0).rstrip("*~:.")
        assert number in tasks or number in warned or name in ids, (number, line)
    assert checked == 31  # every ID-shaped line of the fixture was looked at


def test_each_shape_reads_as_written(shapes: ParseResult) -> None:
    got = {task.line: (task.id, task.mark) for task in shapes.plan.tasks()}
    pending, done, skipped = PlanMark.PENDING, PlanMark.DONE, PlanMark.SKIPPED
    assert got == {
        5: ("T001", pending),
        6: ("T-HF01", pending),
        7: ("T-SB04", pending),
        8: ("T022.5", pending),
        9: ("T001a", pending),
        10: ("T158-1", pending),
        11: ("DB001", pending),
        12: ("DB002", pending),
        13: ("M001", pending),
        14: ("M002", done),
        15: ("H264", pending),
        16: ("T002", done),  # ✅ right after the ID
        17: ("T003", done),  # ✔️ after a bold ID
        18: ("T004", skipped),  # whole title struck
        19: ("T005", skipped),  # ID struck
        26: ("P001", done),  # ✅ before a heading task's ID
        30: ("P002", pending),
        36: ("T026-T027", pending),  # a range heading is one task
        38: ("T028", done),  # ✅ at the end of a heading task
        40: ("T029", skipped),  # struck heading title
        44: ("T030", pending),
        48: ("T031", pending),
        54: ("T5.1", done),  # table rows, status column
        55: ("T5.2", pending),
        56: ("T5.3", skipped),
        65: ("T-HF02", pending),  # new work after the phases
    }
    assert shapes.errors == []


def test_phases_lettered_localized_and_promoted(shapes: ParseResult) -> None:
    phases = [(phase.id, phase.title) for phase in shapes.plan.phases]
    assert phases == [
        ("1", "ID shapes"),
        ("2", "Heading tasks with another prefix"),
        ("2A", "Lettered phase with heading tasks"),
        ("3b", "lower-case word, lettered number"),
        ("4", "A localized phase word"),
        ("5", "Tasks as table rows"),
        ("7", "Hotfix"),
    ]
    by_line = {warning.line: warning.message for warning in shapes.warnings}
    assert by_line[63] == (
        "section 'Hotfix' is not a phase heading, but it holds new tasks (T-HF02): read as phase 7"
    )


def test_warnings_say_why(shapes: ParseResult) -> None:
    by_line = {warning.line: warning.message for warning in shapes.warnings}
    assert "no other task uses the prefix H" in by_line[15]
    assert "T004 is struck through" in by_line[18]
    assert "'SC-001' is not a task ID" in by_line[21]
    assert "T074 has no checkbox" in by_line[22]
    assert "T099 is outside every phase" in by_line[61]
    # consistent prefixes, the example section's repeat and the reference are quiet
    assert not {11, 12, 13, 14, 60, 66} & set(by_line)
    assert not [w for w in shapes.warnings if "Example" in w.message or "phase 1" in w.message]


def test_dependency_inside_a_range_heading_resolves_to_it(shapes: ParseResult) -> None:
    assert shapes.plan.task("T030").depends_on == ["T026-T027"]
    assert shapes.plan.task("T5.2").depends_on == ["T5.1"]


def test_full_width_punctuation_after_the_box_is_a_checkbox(shapes: ParseResult) -> None:
    assert shapes.plan.task("T005").acceptance[0].startswith("（完了）Full-width")
    text = (
        "# 计划\n\n## Phase 1: 准备\n\n- [x]（可选）配置环境\n  - [ ] 安装依赖\n  - [ ] 配置变量\n"
        "- [ ]【必须】编写代码\n"
    )
    tasks = parse_plan(text).plan.tasks()
    assert [(t.id, t.title, t.mark, t.acceptance) for t in tasks] == [
        ("P1.1", "（可选）配置环境", PlanMark.DONE, ["安装依赖", "配置变量"]),
        ("P1.2", "【必须】编写代码", PlanMark.PENDING, []),
    ]


@pytest.mark.parametrize(
    ("heading", "phase_id", "title"),
    [
        ("Phase 2A: Backend", "2A", "Backend"),
        ("Phase 3b", "3b", "Phase 3b"),
        ("PHASE 4: Ship", "4", "Ship"),
        ("Fase 1: Configuración", "1", "Configuración"),
        ("Faza 2 - Testy", "2", "Testy"),
        ("Etapa 3: Entrega", "3", "Entrega"),
        ("Étape 2 : Tests", "2", "Tests"),
        ("Этап 1. Подготовка", "1", "Подготовка"),
        ("フェーズ1: 準備", "1", "準備"),
        ("阶段 2：开发", "2", "开发"),
        ("第3阶段：测试", "3", "测试"),
        ("第三阶段 发布", "3", "发布"),
        ("1단계: 설정", "1", "설정"),
        ("단계 2: 구현", "2", "구현"),
    ],
)
def test_phase_words_and_lettered_numbers(heading: str, phase_id: str, title: str) -> None:
    found = phase_heading(heading)
    assert found is not None and (found.explicit_id, found.title) == (phase_id, title)


@pytest.mark.parametrize(
    "heading",
    ["Parallel Example: Phase 1 (Setup)", "Example: Phase 2", "Example Phase 3: x", "Phases"],
)
def test_example_headings_are_not_phases(heading: str) -> None:
    assert phase_heading(heading) is None


def test_example_section_repeating_tasks_is_quiet() -> None:
    text = (
        "# Example app\n\n## Phase 1: Setup\n\n- [ ] T001 a\n- [ ] T002 [P] b\n\n"
        "## Parallel Example: Phase 1 (Setup)\n\n- [ ] T001 a\n- [ ] T002 [P] b\n\n"
        "### Phase 1 parallel tracks\n\n- T001 and T002 together\n\n"
        "## Phase 2: Core\n\n- [ ] T003 c\n\n### Phase 2 parallel example\n\n- T003 alone\n\n"
        "## Parallel Examples\n\n### Phase 1 (Setup)\n\n- T001 then T002\n"
    )
    result = parse_plan(text)
    assert [t.id for t in result.plan.tasks()] == ["T001", "T002", "T003"]
    assert [p.id for p in result.plan.phases] == ["1", "2"]
    assert result.warnings == []


def test_non_t_heading_phase_is_kept_and_a_dropped_phase_names_its_ids() -> None:
    text = "# P\n\n## Phase 1: Done work\n\n### ✅ P001: First\n\n### ✅ P002: Second\n"
    result = parse_plan(text)
    assert [(t.id, t.mark) for t in result.plan.tasks()] == [
        ("P001", PlanMark.DONE),
        ("P002", PlanMark.DONE),
    ]
    text = "# P\n\n## Phase 1: A\n\n- [ ] T001 a\n\n## Phase 2: Notes\n\nT050 and T051 later.\n"
    warnings = [w.message for w in parse_plan(text).warnings if w.line == 7]
    assert warnings == [
        "phase heading 'Phase 2: Notes' has no tasks and no gate; not kept; "
        "it names T050, none of them read as a task"
    ]


def test_consistent_prefix_is_quiet_and_a_prose_dependency_is_dropped() -> None:
    text = (
        "# P\n\n## Phase 1: A\n\n- [ ] D001 a\n- [ ] D002 b (depends on D001)\n"
        "- [ ] D003 c (after PR12 lands)\n"
    )
    result = parse_plan(text)
    assert result.errors == []
    assert result.plan.task("D002").depends_on == ["D001"]
    assert result.plan.task("D003").depends_on == []
    assert [w.message for w in result.warnings] == [
        "D003: PR12 in its dependencies names no task; ignored"
    ]


def test_headings_with_other_prefixes_outside_phase_headings_are_named() -> None:
    text = "# P\n\n## Work\n\n- [ ] T001 a\n\n### WP01: A work package\n"
    result = parse_plan(text)
    assert [t.id for t in result.plan.tasks()] == ["T001"]
    assert [(w.line, "WP01 has no checkbox" in w.message) for w in result.warnings] == [(7, True)]
    result = parse_plan("# P\n\n## Work\n\n### WP01: A work package\n\n### WP02: Another\n")
    assert result.plan.tasks() == []
    assert "names a task only under a phase heading" in result.warnings[0].message


TABLE_ONLY = """\
# Table plan

## Index

| ID | Task |
|----|------|
| T001 | First |
| T002 | Second |
| T003 | Third |
"""


def test_table_outside_phases_is_one_error_not_one_per_row() -> None:
    result = parse_plan(TABLE_ONLY)
    assert [e.message for e in result.errors] == ["no tasks found in the plan"]
    assert "lines 7-9" in (result.errors[0].hint or "")
    assert result.warnings == []


def test_table_that_cannot_be_read_is_one_error() -> None:
    text = "# P\n\n## Phase 1: A\n\n| ID |\n|----|\n| T001 |\n| T002 |\n"
    result = parse_plan(text)
    assert [(e.line, e.message) for e in result.errors] == [
        (5, "the table's rows start with task IDs but cannot be read as tasks: "
            "it has no column for the task titles after the ID column")
    ]
    assert result.warnings == []


def test_summary_table_beside_checkbox_tasks_refers_to_them() -> None:
    text = (
        "# P\n\n## Phase 1: A\n\n- [ ] T001 a\n\n## Phase 2: Summary\n\n"
        "| ID | Task | Status |\n|---|---|---|\n| T001 | a | Done |\n\n"
        "## Phase 3: B\n\n- [ ] T002 b\n"
    )
    result = parse_plan(text)
    assert [(t.id, t.mark) for t in result.plan.tasks()] == [
        ("T001", PlanMark.PENDING),
        ("T002", PlanMark.PENDING),
    ]


def test_odd_status_cell_is_named() -> None:
    text = (
        "# P\n\n## Phase 1: A\n\n| # | ID | Title | State |\n|-|-|-|-|\n"
        "| 1 | T1 | a | Frobbed |\n"
    )
    result = parse_plan(text)
    assert [(t.id, t.title, t.mark) for t in result.plan.tasks()] == [
        ("T1", "a", PlanMark.PENDING)
    ]
    assert result.warnings[0].message == (
        "T1: status 'Frobbed' is not one orch knows, read as pending"
    )


def test_kinds_fold_nested_parentheses_and_custom_keys() -> None:
    assert kind("phase 2 (Foundational (Blocking Prerequisites)) has no gate") == kind(
        "phase 3 (Polish) has no gate"
    )
    warnings = [
        Diagnostic(line=n, severity="warning", message=f"check {name} failed")
        for n, name in ((1, "lint"), (2, "types"), (3, "lint"))
    ]
    assert len(fold(warnings)) == 2
    assert len(fold(warnings, key=lambda d: d.message.split()[0])) == 1
    assert folded_lines(warnings, "p.md") == [
        "p.md:1: check lint failed (and 1 more like it: line 3)",
        "p.md:2: check types failed",
    ]
    assert len(folded_lines(warnings, "p.md", verbose=True)) == 3


def _many_warnings_plan(tasks: int = 200) -> str:
    """200 tasks in 10 phases with every kind of parse warning many times over."""
    lines = ["# Big plan", ""]
    per_phase = tasks // 10
    number = 0
    for phase in range(1, 11):
        lines += [f"## Phase {phase}: Part {phase} (of {10} (ten))", ""]
        for _ in range(per_phase):
            number += 1
            if number % 7 == 0:
                lines.append(f"- [⛔] T{number:03d} Blocked marker")
            elif number % 11 == 0:
                lines.append(f"- [ ] ~~T{number:03d} Old idea~~")
            else:
                lines.append(f"- [ ] T{number:03d} Task {number}")
        lines += [f"- T{900 + phase} a stray line", f"- [ ] SC-{phase:03d} criterion", ""]
    return "\n".join(lines) + "\n"


def test_validate_200_tasks_prints_few_warning_lines(orch: OrchRunner, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(_many_warnings_plan(), encoding="utf-8")
    folded = orch("validate", "plan.md", cwd=tmp_path)
    assert folded.returncode == 0, folded.stderr
    shown = [line for line in folded.stderr.splitlines() if line.startswith("warning:")]
    assert 4 <= len(shown) <= 10, shown
    data = json.loads(orch("validate", "--json", "plan.md", cwd=tmp_path).stdout)
    assert data["task_count"] == 200
    verbose = orch("validate", "--verbose", "plan.md", cwd=tmp_path)
    every = [line for line in verbose.stderr.splitlines() if line.startswith("warning:")]
    assert len(every) == len(data["warnings"]) > 200


def test_a_lone_prefix_in_a_plan_without_ids_is_a_plain_item() -> None:
    text = (
        "# P\n\n## Phase 1: A\n\n- [ ] Set up\n- [ ] ES2015 modules\n  - [ ] H264 nested\n"
        "- [ ] Ship\n\n### ES2015 support\n\n- [ ] Polyfills\n"
    )
    result = parse_plan(text)
    assert [(t.id, t.title, t.acceptance) for t in result.plan.tasks()] == [
        ("P1.1", "Set up", []),
        ("P1.2", "ES2015 modules", ["H264 nested"]),
        ("P1.3", "Ship", []),
        ("P1.4", "Polyfills", []),
    ]
    assert result.warnings == []


def test_table_without_its_separator_row_is_one_error() -> None:
    rows = "".join(f"| T1.{n} | Task {n} | Pending |\n" for n in range(1, 30))
    text = f"# P\n\n## Phase 1: A\n\n| ID | Task | Status |\n{rows}"
    result = parse_plan(text)
    assert [(e.line, e.message) for e in result.errors] == [
        (5, "the table's rows start with task IDs but cannot be read as tasks: "
            "its second line is not a `|---|---|` separator row"),
    ]
    assert result.warnings == []


TABLE_PLAN = (
    "# Table plan\r\n\r\n## Phase 1: Setup\r\n\r\n"
    "| ID | Task | Status |\r\n|----|------|--------|\r\n"
    "| T1.1 | First thing | ✅ Done |\r\n| T1.2 | Second thing |   Pending   |\r\n"
    "| T1.3 | Third | |\r\n"
)


def test_table_plan_runs_and_its_status_cells_are_written_back(
    git_repo: Path, orch: OrchRunner
) -> None:
    from conftest import commit_all

    (git_repo / "plan.md").write_bytes(TABLE_PLAN.encode("utf-8"))
    commit_all(git_repo)
    done = orch("run", "--agent", "shell", "plan.md", cwd=git_repo)
    assert done.returncode == 0, done.stderr
    expected = TABLE_PLAN.replace("|   Pending   |", "|   Done   |")
    expected = expected.replace("| Third | |", "| Third | Done |")
    assert (git_repo / "plan.md").read_bytes() == expected.encode("utf-8")


def test_outside_the_phases_headings_rows_and_bullets_must_name_tasks() -> None:
    text = (
        "# P\n\n## Phase 1: A\n\n- [ ] T001 a\n- [ ] T002 b\n\n## Summary\n\n"
        "| ID | Task |\n|---|---|\n| T001 | a |\n| T077 | stray row |\n\n"
        "- T001-T002 run in order\n- T078 a stray bullet\n"
    )
    result = parse_plan(text)
    assert [t.id for t in result.plan.tasks()] == ["T001", "T002"]
    assert [(w.line, w.message.split(": ", 1)[1]) for w in result.warnings] == [
        (13, "T077 is outside every phase"),
        (16, "T078 is outside every phase"),
    ]


def test_outside_the_phases_ranges_refer_and_other_schemes_are_named() -> None:
    text = (
        "# P\n\n## Phase 1: A\n\n- [ ] T001 a\n- [ ] T002 b\n\n## Validation Checklist\n\n"
        "- [x] T001-T002 all done\n- [ ] CHK001 Are the requirements clear?\n"
        "- [ ] CHK002 Are they testable?\n- [ ] T-HF01 A hotfix\n"
    )
    result = parse_plan(text)
    assert [(t.id, t.phase_id) for t in result.plan.tasks()] == [
        ("T001", "1"), ("T002", "1"), ("T-HF01", "2")
    ]
    by_line = {w.line: w.message for w in result.warnings}
    assert "CHK001 is outside every phase" in by_line[11]
    assert "CHK002 is outside every phase" in by_line[12]
    assert 10 not in by_line
