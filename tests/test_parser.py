"""The plan grammar (docs/plan-format.md), rule by rule, on small hand-written plans."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.domain.plan import ParseResult, PlanMark, Task
from orch.parsing.markdown import parse_plan

FIXTURES = Path(__file__).parent / "fixtures" / "plans"


def parse(text: str, **kwargs: bool) -> ParseResult:
    return parse_plan(text, "plan.md", **kwargs)


def ids(result: ParseResult) -> list[str]:
    return [task.id for task in result.plan.tasks()]


def task(result: ParseResult, task_id: str) -> Task:
    return result.plan.task(task_id)


def test_native_fixture_fields() -> None:
    result = parse_plan((FIXTURES / "native.md").read_text(), "native.md")
    assert result.ok, result.errors
    plan = result.plan
    assert plan.title == "Native orch plan"
    assert [(p.id, p.title, p.line) for p in plan.phases] == [
        ("1", "Data model", 5),
        ("2", "API", 25),
    ]
    first, second = plan.phases
    assert first.gates == ["pytest -q tests/models"]
    assert first.agent == "backend-developer"
    assert first.description == "the tables everything else needs."
    assert second.gates == ["pytest -q tests/api", "ruff check src"]
    assert ids(result) == ["T001", "T002", "T003", "T004", "T005"]
    t1 = task(result, "T001")
    assert (t1.line, t1.mark, t1.parallel, t1.phase_id) == (11, PlanMark.PENDING, True, "1")
    assert t1.files == ["src/models/user.py", "tests/test_user.py"]
    assert t1.verify == ["pytest -q tests/test_user.py"]
    assert (t1.timeout_s, t1.retries, t1.estimate_s) == (600, 2, 1800)
    assert t1.acceptance == ["the model has an email field"]
    assert t1.agent == "backend-developer"  # the phase's default agent
    t2 = task(result, "T002")
    assert (t2.mark, t2.story, t2.agent) == (PlanMark.DONE, "US1", "db-specialist")
    assert t2.commands == ["touch src/models/order.py"]
    t3 = task(result, "T003")
    assert (t3.mark, t3.title, t3.depends_on) == (PlanMark.SKIPPED, "Seed fixtures", ["T001"])
    t4 = task(result, "T004")
    assert t4.title == "Orders endpoint"
    assert t4.labels == ["P1"] and not t4.parallel
    assert t4.depends_on == ["T002", "T003", "T001"]
    assert task(result, "T005").verify == [
        "pytest -q tests/api/test_users.py",
        "curl -fsS localhost:8000/health",
    ]
    assert "Risks" in plan.sections


def test_speckit_fixture() -> None:
    result = parse_plan((FIXTURES / "speckit.md").read_text(), "speckit.md")
    assert result.ok, result.errors
    assert [p.id for p in result.plan.phases] == ["3.1", "3.2", "3.3"]
    assert ids(result) == ["T001", "T002", "T003", "T004", "T004a", "T005"]
    assert task(result, "T005").depends_on == ["T003", "T004"]  # T004a sorts after T004
    assert "contract tests" in result.plan.phases[2].description
    assert any("Within Phase 3.3" in w.message for w in result.warnings)


@pytest.mark.parametrize(
    ("heading", "phase_id", "title"),
    [
        (
            "## Phase 2: Foundational (Blocking Prerequisites)",
            "2",
            "Foundational (Blocking Prerequisites)",
        ),
        ("## Phase 3.2: Tests First (TDD)", "3.2", "Tests First (TDD)"),
        ("## Phase N: Polish", "N", "Polish"),
        ("## Final Phase: Polish", "1", "Polish"),
        ("### Milestone 4 — Production", "4", "Production"),
        ("#### Stage 7 - Ship", "7", "Ship"),
        ("## Phase 1", "1", "Phase 1"),
    ],
)
def test_phase_headings(heading: str, phase_id: str, title: str) -> None:
    result = parse(f"# T\n\n{heading}\n\n- [ ] T001 Do it\n")
    assert [(p.id, p.title) for p in result.plan.phases] == [(phase_id, title)]


@pytest.mark.parametrize(
    "heading",
    [
        "### Setup Phase Validation",
        "### Phase Dependencies",
        "## Parallel Example: Phase 2 tasks",
        "## Dependencies & Execution Order",
    ],
)
def test_not_phase_headings(heading: str) -> None:
    text = (
        f"# T\n\n## Phase 1: Real\n\n- [ ] T001 Real task\n\n{heading}\n\n- [ ] T002 Not a task\n"
    )
    result = parse(text)
    if heading.startswith("###"):
        # a non-phase sub-heading stays inside the phase: its tasks belong to phase 1
        assert ids(result) == ["T001", "T002"]
        assert [p.id for p in result.plan.phases] == ["1"]
    elif "Example" in heading:
        # an example section shows tasks; it holds none
        assert ids(result) == ["T001"]
        assert [p.id for p in result.plan.phases] == ["1"]
    else:
        # a new ID outside the phases is new work: its section becomes a phase, with a warning
        assert ids(result) == ["T001", "T002"]
        assert [(p.id, p.title) for p in result.plan.phases] == [
            ("1", "Real"), ("2", heading.lstrip("# "))
        ]
        assert any("is not a phase heading" in w.message for w in result.warnings)


def test_phase_runs_until_same_level_heading() -> None:
    text = (
        "# T\n## Phase 1: A\n- [ ] T001 a\n### Details\n- [ ] T002 b\n"
        "## Notes\n- [ ] T002 reference only\n## Phase 2: B\n- [ ] T004 d\n"
    )
    result = parse(text)
    assert [[t.id for t in p.tasks] for p in result.plan.phases] == [["T001", "T002"], ["T004"]]


def test_empty_phase_dropped_with_warning() -> None:
    text = (
        "# T\n## Phase 1: A\n- [ ] T001 a\n## Phase 2: Nothing here\n"
        "No tasks.\n## Phase 3: C\n- [ ] T002 c\n"
    )
    result = parse(text)
    assert [p.id for p in result.plan.phases] == ["1", "3"]
    assert [w.line for w in result.warnings] == [4]
    assert "Phase 2: Nothing here" in result.warnings[0].message


def test_phase_with_gate_only_is_kept() -> None:
    result = parse("# T\n## Phase 1: A\n- [ ] T001 a\n## Phase 2: Check\n**Gate**: `make test`\n")
    assert [(p.id, p.gates) for p in result.plan.phases] == [("1", []), ("2", ["make test"])]


def test_positional_and_duplicate_phase_ids() -> None:
    text = (
        "# T\n## Phase 2: A\n- [ ] T001 a\n## Final Phase: B\n- [ ] T002 b\n"
        "## Phase 2: C\n- [ ] T003 c\n"
    )
    result = parse(text)
    assert [p.id for p in result.plan.phases] == ["2", "P2", "P3"]


def test_no_phase_headings_sections_become_phases() -> None:
    text = (
        "# Plan\n\n## Backend\n\n- [ ] T001 a\n\n## Notes\n\nprose\n\n## Frontend\n\n- [ ] T002 b\n"
    )
    result = parse(text)
    assert [(p.id, p.title) for p in result.plan.phases] == [("1", "Backend"), ("2", "Frontend")]


def test_no_headings_at_all_is_one_phase() -> None:
    result = parse("- [ ] T001 a\n- [x] T002 b\n")
    assert len(result.plan.phases) == 1
    assert ids(result) == ["T001", "T002"]


def test_idless_plan_gets_generated_ids() -> None:
    text = (
        "# T\n## Phase 1: A\n- [ ] First\n  - [ ] criterion\n"
        "- [x] Second\n## Phase 2: B\n- [ ] Third\n"
    )
    result = parse(text)
    assert ids(result) == ["P1.1", "P1.2", "P2.1"]
    assert task(result, "P1.1").acceptance == ["criterion"]
    assert task(result, "P1.2").mark is PlanMark.DONE


def test_idless_checkboxes_are_acceptance_criteria_when_ids_exist() -> None:
    text = (
        "# T\n## Phase 1: A\n- [ ] phase-level criterion\n- [ ] T001 a\n- [ ] criterion of T001\n"
        "### Checks\n- [ ] after a heading: phase-level\n"
    )
    result = parse(text)
    assert ids(result) == ["T001"]
    assert task(result, "T001").acceptance == ["criterion of T001"]
    assert "phase-level criterion" in result.plan.phases[0].description
    assert "after a heading: phase-level" in result.plan.phases[0].description


def test_task_ids_and_markers() -> None:
    text = (
        "## Phase 1: A\n"
        "- [ ] T1000 [P] [US2] [Backend] Big id\n"
        "- [ ] T004a [P1] Priority is not parallel\n"
        "- [ ] **T005**: Bold id\n"
        "- [ ] **T006 (US3)**: Bold id with story, label at end [P]\n"
        "- [ ] T005-TEST [TEST] Suffixed id\n"
    )
    result = parse(text)
    assert ids(result) == ["T1000", "T004a", "T005", "T006", "T005-TEST"]
    big = task(result, "T1000")
    assert (big.parallel, big.story, big.labels, big.title) == (True, "US2", ["Backend"], "Big id")
    prio = task(result, "T004a")
    assert (prio.parallel, prio.labels) == (False, ["P1"])
    assert task(result, "T005").title == "Bold id"
    bold = task(result, "T006")
    assert (bold.story, bold.parallel, bold.title) == (
        "US3",
        True,
        "Bold id with story, label at end",
    )
    assert task(result, "T005-TEST").labels == ["TEST"]


def test_statuses() -> None:
    result = parse("## Phase 1: A\n- [ ] T001 a\n- [x] T002 b\n- [X] T003 c\n- [~] T004 d\n")
    assert [t.mark for t in result.plan.tasks()] == [
        PlanMark.PENDING,
        PlanMark.DONE,
        PlanMark.DONE,
        PlanMark.SKIPPED,
    ]


def test_nested_id_items_are_tasks() -> None:
    text = (
        "## Phase 1: A\n- [X] T033 parent\n  - [X] T033a child\n"
        "    - [ ] T033b grandchild\n- [ ] T034 next\n"
    )
    result = parse(text)
    assert ids(result) == ["T033", "T033a", "T033b", "T034"]
    assert [t.line for t in result.plan.tasks()] == [2, 3, 4, 5]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- [ ] T009 x (depends on T001, T002)", ["T001", "T002"]),
        ("- [ ] T009 x (depends: T003)", ["T003"]),
        ("- [ ] T009 x (after T003)", ["T003"]),
        ("- [ ] T009 x (depends on T001-T003)", ["T001", "T002", "T002a", "T003"]),
        ("- [ ] T009 x (depends on T001–T003)", ["T001", "T002", "T002a", "T003"]),
        ("- [ ] T009 x\n  - depends: T001, T003", ["T001", "T003"]),
    ],
)
def test_dependency_forms(line: str, expected: list[str]) -> None:
    text = "## Phase 1: A\n- [ ] T001 a\n- [ ] T002 b\n- [ ] T002a c\n- [ ] T003 d\n" + line + "\n"
    result = parse(text)
    found = task(result, "T009")
    assert found.depends_on == expected
    assert found.title == "x"


def test_range_with_missing_endpoint_keeps_it_for_the_graph_check() -> None:
    result = parse("## Phase 1: A\n- [ ] T001 a\n- [ ] T002 b (depends on T001-T005)\n")
    assert task(result, "T002").depends_on == ["T001", "T005"]


def test_metadata_errors_carry_lines() -> None:
    text = "## Phase 1: A\n- [ ] T001 a\n  - timeout: soon\n  - retries: x\n  - estimate: 3 weeks\n"
    result = parse(text)
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "T001: timeout: 'soon' is not a duration"),
        (4, "T001: retries: 'x' is not a whole number"),
        (5, "T001: estimate: '3 weeks' is not a duration"),
    ]
    assert all(e.hint for e in result.errors)


def test_fences_under_a_task() -> None:
    text = (
        "## Phase 1: A\n- [ ] T001 a\n  ```bash\n  make build\n  ```\n  ```\n  make test\n  ```\n"
        "  ```python\n  print('not a command')\n  ```\n"
    )
    found = task(parse(text), "T001")
    assert found.commands == ["make build", "make test"]
    assert "print('not a command')" in found.description


def test_code_comments_and_tables_never_make_tasks() -> None:
    text = (
        "## Phase 1: A\n- [ ] T001 real\n\n```\n- [ ] T002 in a fence\n```\n\n"
        "    - [ ] T003 indented code\n\n<!-- - [ ] T004 comment -->\n\n"
        "| - [ ] T005 | cell |\n|---|---|\n| - [ ] T006 | cell |\n"
    )
    assert ids(parse(text)) == ["T001"]


def test_references_outside_phases_are_not_tasks() -> None:
    text = "# T\n## Phase 1: A\n- [ ] T001 a\n## Validation Checks\n- [X] T001 a\n- [X] T002 b\n"
    result = parse(text)
    # T001 refers to a task; T002 names none, so it is new work: its section becomes a phase
    assert ids(result) == ["T001", "T002"]
    assert result.plan.task("T002").phase_id == "2"
    assert [(w.line, "'Validation Checks' is not a phase heading" in w.message)
            for w in result.warnings] == [(4, True)]


def test_duplicate_ids_warn_and_rename() -> None:
    text = (
        "## Phase 1: A\n- [ ] T001 a\n- [ ] T001 b\n- [ ] T001 c\n- [ ] T002 d (depends on T001)\n"
    )
    result = parse(text)
    assert ids(result) == ["T001", "T001#2", "T001#3", "T002"]
    assert result.ok
    assert [w.line for w in result.warnings] == [3, 4]
    assert "lines 2 and 3" in result.warnings[0].message
    assert task(result, "T002").depends_on == ["T001"]
    strict = parse(text, strict=True)
    assert not strict.ok and [e.line for e in strict.errors] == [3, 4]


def test_no_tasks_is_an_error() -> None:
    result = parse("# Just a title\n\nSome prose.\n")
    assert not result.ok
    assert result.errors[0].message == "no tasks found in the plan"


def test_multiline_task_text_and_crlf() -> None:
    text = (
        "## Phase 1: A\r\n- [ ] T001 Title line\r\n"
        "  continued description\r\n  verify: `make check`\r\n"
    )
    found = task(parse(text), "T001")
    assert found.title == "Title line"
    assert found.description == "continued description"
    assert found.verify == ["make check"]


def test_ordered_list_and_star_bullets() -> None:
    result = parse("## Phase 1: A\n1. [ ] T001 a\n2. [x] T002 b\n* [ ] T003 c\n+ [ ] T004 d\n")
    assert ids(result) == ["T001", "T002", "T003", "T004"]


def test_parse_never_raises_on_odd_input() -> None:
    for text in ["", "\x00\x01", "- [", "## Phase", "- [ ] T1 (depends on", "```\n- [ ] T1"]:
        result = parse(text)
        assert not any("internal parser error" in e.message for e in result.errors)


def test_misplaced_id_is_flagged() -> None:
    result = parse("## Phase 1: A\n- [ ] T001 a\n- [ ] [P] T002 id after the marker\n")
    assert ids(result) == ["T001"]
    assert [w.line for w in result.warnings] == [3]
    assert "the task ID must come first" in result.warnings[0].message


def test_fast_task_construction_equals_pydantics() -> None:
    from orch.parsing.markdown import construct_task

    values = {"id": "T001", "title": "x", "phase_id": "1", "line": 3, "labels": ["a"]}
    fast, slow = construct_task(**dict(values)), Task.model_construct(**values)
    assert fast == slow and fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.model_copy(update={"title": "y"}).title == "y"


def test_a_line_of_many_brackets_parses() -> None:
    """50,000 `[a]` runs ending in `]` made the trailing-label search quadratic: this test hung
    for minutes before the fix. Trailing labels are still read."""
    text = "## Phase 1: A\n- [ ] T001 x " + "[a] " * 50000 + "b]\n- [ ] T002 y [P] [US1]\n"
    tasks = parse_plan(text).plan.tasks()
    assert [t.id for t in tasks] == ["T001", "T002"]
    assert tasks[1].parallel and tasks[1].story == "US1" and tasks[1].title == "y"
