"""Heading tasks (docs/plan-format.md): `### Task 2.1: …` are tasks, their checkboxes criteria."""

from __future__ import annotations

from orch.domain.plan import PlanMark
from orch.parsing.markdown import parse_plan

PLAN = """\
# Heading tasks

## Phase 1: Foundation

### Task 1.1: Create the project
**Objective**: a skeleton that builds.
- files: src/app.py
- [x] `src/app.py` exists
- [x] it imports cleanly

### Task 1.2: Add the config loader
- [x] loads YAML
- [ ] rejects unknown keys
- [ ] reports the line of an error

## Phase 2: Features

### T01 — Wire the CLI
```bash
echo wired > cli.txt
```
- [ ] `orch --help` works

#### Notes
- [ ] a phase-level criterion after a plain sub-heading

### Task 2.2: Document it
**Gate**: `make docs`
- verify: `test -f README.md`
- [ ] README has a usage section

## Success Criteria
- [ ] everything above works
- [ ] nobody is surprised
"""


def test_one_task_per_heading() -> None:
    result = parse_plan(PLAN, "plan.md")
    assert result.errors == []
    tasks = result.plan.tasks()
    assert [(t.id, t.title, t.line) for t in tasks] == [
        ("1.1", "Create the project", 5),
        ("1.2", "Add the config loader", 11),
        ("T01", "Wire the CLI", 18),
        ("2.2", "Document it", 27),
    ]
    assert [phase.id for phase in result.plan.phases] == ["1", "2"]


def test_checkboxes_are_acceptance_criteria() -> None:
    plan = parse_plan(PLAN).plan
    assert plan.task("1.1").acceptance == ["`src/app.py` exists", "it imports cleanly"]
    assert plan.task("1.2").acceptance == [
        "loads YAML",
        "rejects unknown keys",
        "reports the line of an error",
    ]
    assert plan.task("T01").acceptance == ["`orch --help` works"]
    assert "a phase-level criterion" in plan.phases[1].description


def test_status_and_metadata_under_the_heading() -> None:
    plan = parse_plan(PLAN).plan
    assert plan.task("1.1").mark is PlanMark.DONE  # every criterion checked
    assert plan.task("1.2").mark is PlanMark.PENDING
    assert plan.task("1.1").files == ["src/app.py"]
    assert "a skeleton that builds." in plan.task("1.1").description
    assert plan.task("T01").commands == ["echo wired > cli.txt"]
    assert plan.task("2.2").verify == ["test -f README.md"]
    assert plan.phases[1].gates == ["make docs"]


def test_success_criteria_section_is_not_a_phase() -> None:
    text = (
        "# Phase 1: X\n\n## Tasks\n\n### Task 1: Do it\n- [ ] done\n\n"
        "## Success Criteria\n- [ ] ok\n"
    )
    result = parse_plan(text)
    assert [t.id for t in result.plan.tasks()] == ["1"]
    assert [phase.title for phase in result.plan.phases] == ["X"]  # `# Phase 1:` is a phase
    assert "- ok" in result.plan.phases[0].description  # the checklist: phase criteria


def test_headings_in_a_phase_of_checkbox_tasks_are_sub_sections() -> None:
    text = "## Phase 1: A\n\n### T012-T015 tests in parallel\n- [ ] T012 a\n- [ ] T013 b\n"
    result = parse_plan(text)
    assert [t.id for t in result.plan.tasks()] == ["T012", "T013"]
    assert result.warnings == []
