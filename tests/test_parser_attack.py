"""Shapes found by attacking the parser with plans written from scratch
(``fixtures/plans/attack.md``): each line a human calls a task is one, or a warning names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import OrchRunner
from orch.domain.plan import ParseResult, PlanMark
from orch.parsing.markdown import parse_plan

ATTACK = Path(__file__).parent / "fixtures" / "plans" / "attack.md"


@pytest.fixture(scope="module")
def attack() -> ParseResult:
    return parse_plan(ATTACK.read_text(encoding="utf-8"), "attack.md")


def _line(text: str) -> int:
    lines = ATTACK.read_text(encoding="utf-8").split("\n")
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def test_ids_in_brackets_or_parentheses_are_task_ids(attack: ParseResult) -> None:
    tasks = {task.line: task for task in attack.plan.tasks()}
    first = tasks[_line("[T001]")]
    assert (first.id, first.title, first.parallel) == (
        "T001",
        "Bracketed ID, as the format line shows it",
        True,
    )
    second = tasks[_line("(T002)")]
    assert (second.id, second.title, second.mark) == ("T002", "Parenthesised ID", PlanMark.DONE)
    assert tasks[_line("[T003](#t003)")].id == "T003"
    assert _line("[US1] A story") not in tasks


def test_an_issue_number_where_the_id_goes_is_named(attack: ParseResult) -> None:
    line = _line("#12 An issue")
    assert any(w.line == line and "'#12'" in w.message for w in attack.warnings), attack.warnings


def test_numbered_task_table_with_a_status_column_is_tasks(attack: ParseResult) -> None:
    frontend = next(phase for phase in attack.plan.phases if phase.title == "Frontend")
    assert [(task.id, task.title, task.mark) for task in frontend.tasks] == [
        ("P2.1", "Build the shell", PlanMark.DONE),
        ("P2.2", "Build the login page", PlanMark.PENDING),
        ("P2.3", "Drop the old page", PlanMark.SKIPPED),
    ]
    data = next(phase for phase in attack.plan.phases if phase.title == "Data")
    assert [task.id for task in data.tasks] == ["T004"]  # a numbered file list is no task list


NUMBERED_PLAN = """# Plan

## Phase 1: Build

| # | Task | Status |
|---|------|--------|
| 1 | First | Pending |
| 2 | Second | Done |

```bash
true
```
"""


def test_numbered_table_plan_runs_and_writes_its_status_back(
    git_repo: Path, orch: OrchRunner
) -> None:
    from conftest import commit_all

    (git_repo / "plan.md").write_bytes(NUMBERED_PLAN.encode("utf-8"))
    commit_all(git_repo)
    done = orch("run", "--agent", "shell", "plan.md", cwd=git_repo)
    assert done.returncode == 0, done.stderr
    expected = NUMBERED_PLAN.replace("| 1 | First | Pending |", "| 1 | First | Done |")
    assert (git_repo / "plan.md").read_bytes() == expected.encode("utf-8")


def test_numbered_heading_beside_task_headings_is_a_task(attack: ParseResult) -> None:
    schema = next(phase for phase in attack.plan.phases if phase.title == "Schema")
    assert [(task.id, task.title, task.mark) for task in schema.tasks] == [
        ("4.1", "Create the schema", PlanMark.DONE),
        ("4.2", "Seed the data, numbered without the word Task", PlanMark.PENDING),
        ("4.3", "Index the tables", PlanMark.DONE),
    ]
    assert schema.tasks[1].acceptance == ["Seeds load"]


BOXLESS = Path(__file__).parent / "fixtures" / "plans" / "boxless.md"


def test_a_phase_without_checkboxes_reads_its_id_items_as_tasks() -> None:
    result = parse_plan(BOXLESS.read_text(encoding="utf-8"), "boxless.md")
    core = next(phase for phase in result.plan.phases if phase.title == "Core")
    assert [(t.id, t.title, t.mark) for t in core.tasks] == [
        ("T002", "Build the models", PlanMark.PENDING),
        ("T003", "Build the services", PlanMark.PENDING),
        ("T004", "Already finished", PlanMark.DONE),
        ("T005", "Dropped", PlanMark.SKIPPED),
    ]
    assert core.tasks[0].parallel and core.tasks[0].depends_on == ["T001"]
    assert core.tasks[1].files == ["src/services.py"]
    # a line repeating a checkbox task's ID refers to it; a recap phase of references is no phase
    assert [p.title for p in result.plan.phases] == ["Setup", "Core"]
    warned = {w.line for w in result.warnings if "has no checkbox: read as" in w.message}
    assert warned == {t.line for t in core.tasks}


def test_boxless_plan_validates(orch: OrchRunner, tmp_path: Path) -> None:
    plan = tmp_path / "plan.md"
    plan.write_text("# P\n\n## Phase 1: A\n\n- T001 One\n- ✅ T002 Two\n", encoding="utf-8")
    done = orch("validate", "--json", str(plan), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    import json

    tasks = json.loads(done.stdout)["phases"][0]["tasks"]
    assert [(t["id"], t["status"]) for t in tasks] == [("T001", "pending"), ("T002", "done")]


def test_openspec_check_mark_is_done_and_a_struck_title_is_skipped() -> None:
    from orch.parsing.kiro import parse_kiro

    path = Path(__file__).parent / "fixtures" / "plans" / "openspec_struck.md"
    result = parse_kiro(path.read_text(encoding="utf-8"), "tasks.md")
    assert [(t.id, t.title, t.mark) for t in result.plan.tasks()] == [
        ("1.1", "Add the dependency", PlanMark.DONE),
        ("1.2", "Create the config", PlanMark.DONE),
        ("2.1", "Write the handler", PlanMark.PENDING),
        ("2.2", "Keep the old endpoint", PlanMark.SKIPPED),
    ]
    assert sorted(w.line for w in result.warnings) == [4, 9]


def test_taskmaster_subtask_ids_written_whole_are_not_doubled() -> None:
    from orch.parsing.taskmaster import parse_taskmaster, set_status

    path = Path(__file__).parent / "fixtures" / "plans" / "taskmaster_whole_ids.json"
    text = path.read_text(encoding="utf-8")
    result = parse_taskmaster(text, "tasks.json")
    assert result.errors == []
    tasks = {t.id: t for t in result.plan.tasks()}
    assert sorted(tasks) == ["1", "2", "2.1", "2.2"]
    assert tasks["2.2"].depends_on == ["2.1"] and tasks["2.1"].mark is PlanMark.DONE
    written = set_status(text, "2.2", PlanMark.DONE)
    assert written == text.replace(
        '"Handlers", "status": "pending"', '"Handlers", "status": "done"'
    )


def test_item_indented_too_far_is_still_a_task(attack: ParseResult) -> None:
    from orch.parsing.marks import set_mark

    tasks = {task.id: task for task in attack.plan.tasks()}
    assert tasks["T011"].line == _line("T011 Read as a lazy line")
    assert tasks["T011"].title == "Read as a lazy line by markdown, still a task"
    assert tasks["T010"].title == "A task whose child is indented too far"
    text = ATTACK.read_text(encoding="utf-8")
    written = set_mark(text, tasks["T011"].line, PlanMark.DONE)
    assert written == text.replace("- [ ] T011", "- [X] T011")


def test_a_status_line_under_a_heading_task_gives_its_status(attack: ParseResult) -> None:
    phase = next(phase for phase in attack.plan.phases if phase.title == "Status lines")
    assert [(t.id, t.mark) for t in phase.tasks] == [
        ("T020", PlanMark.DONE),
        ("T021", PlanMark.PENDING),
        ("T022", PlanMark.SKIPPED),
        ("T023", PlanMark.DONE),
    ]


@pytest.mark.parametrize(
    ("status_text", "mark"),
    [
        ("# Task 2\n\n**Status:** ✅ Completed\n", PlanMark.DONE),
        ("# Task 3\n\n## Status\n\nSkipped\n", PlanMark.SKIPPED),
        ("# Task 4\n\n## Current Status\n\n- In progress\n", PlanMark.PENDING),
    ],
)
def test_claudio_status_with_a_symbol_or_under_a_heading(status_text: str, mark: PlanMark) -> None:
    from orch.parsing.claudio import set_status, status_mark

    assert status_mark(status_text) is mark
    flipped = PlanMark.PENDING if mark is not PlanMark.PENDING else PlanMark.DONE
    written = set_status(status_text, flipped)
    assert status_mark(written) is flipped
    assert written.count("Status") == status_text.count("Status")  # rewritten in place


@pytest.mark.parametrize(
    ("heading", "phase_id", "title"),
    [
        ("Phase One: Setup", "1", "Setup"),
        ("Phase Two - Build", "2", "Build"),
        ("Phase #3: Ship", "3", "Ship"),
        ("Phase4: Polish", "4", "Polish"),
    ],
)
def test_phase_number_words_hashes_and_glued_numbers(
    heading: str, phase_id: str, title: str
) -> None:
    from orch.parsing.phases import phase_heading

    found = phase_heading(heading)
    assert found is not None and (found.explicit_id, found.title) == (phase_id, title)


@pytest.mark.parametrize("heading", ["Phaser settings", "Phases overview", "Phase Onetime"])
def test_words_that_only_start_like_a_phase_are_not_phases(heading: str) -> None:
    from orch.parsing.phases import phase_heading

    assert phase_heading(heading) is None


def test_kiro_numbers_bold_struck_parenthesised_or_worded_are_tasks() -> None:
    from orch.parsing.kiro import parse_kiro

    path = Path(__file__).parent / "fixtures" / "plans" / "kiro_shapes.md"
    result = parse_kiro(path.read_text(encoding="utf-8"), "tasks.md")
    assert [(t.id, t.title, t.mark) for t in result.plan.tasks()] == [
        ("1", "Set up the project", PlanMark.PENDING),
        ("1.1", "Install the dependencies", PlanMark.PENDING),
        ("2", "Write the bold task", PlanMark.DONE),
        ("3", "Number with a parenthesis", PlanMark.PENDING),
        ("4", "Struck before the number", PlanMark.SKIPPED),
        ("5", "With the word Task", PlanMark.PENDING),
    ]
    assert [w.line for w in result.warnings] == [8]  # the struck one, named


def test_a_title_on_the_line_after_the_id_is_the_title(attack: ParseResult) -> None:
    tasks = {task.id: task for task in attack.plan.tasks()}
    assert tasks["T030"].title == "Its title on the next line"
    assert tasks["T031"].files == ["src/x.py"]
