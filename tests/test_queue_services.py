"""The task-queue services without a server: batches, ids, where a new task's lines go."""

from __future__ import annotations

from pathlib import Path

import pytest

from orch.domain.graph import execution_batches
from orch.domain.plan import Plan
from orch.errors import PlanError, UsageError
from orch.parsing.markdown import parse_plan
from orch.services.cancel import cascade
from orch.services.enqueue import NewTask, enqueue, insert_task, next_task_id


def plan(text: str) -> Plan:
    result = parse_plan(text)
    assert result.ok, result.errors
    return result.plan


def batches(text: str, **kwargs: object) -> list[list[str]]:
    found = execution_batches(plan(text), **kwargs)  # type: ignore[arg-type]
    assert found.total_batches == len(found.batches)
    return [batch.tasks for batch in found.batches]


def test_batches_follow_dependency_layers_and_phase_barriers() -> None:
    text = (
        "## Phase 1: A\n- [ ] T001 [P] a\n- [ ] T002 [P] b (depends on T001)\n"
        "- [ ] T003 [P] c\n- [ ] T004 [P] d (depends on T002)\n"
        "## Phase 2: B\n- [ ] T005 [P] e\n- [ ] T006 [P] f\n"
    )
    assert batches(text) == [["T001", "T003"], ["T002"], ["T004"], ["T005", "T006"]]


def test_unmarked_tasks_run_alone_unless_parallel_all() -> None:
    text = "## Phase 1: A\n- [ ] T001 a\n- [ ] T002 [P] b\n- [ ] T003 c\n- [ ] T004 [P] d\n"
    assert batches(text) == [["T001"], ["T002", "T004"], ["T003"]]
    assert batches(text, parallel_all=True) == [["T001", "T002", "T003", "T004"]]


def test_done_and_skipped_tasks_are_satisfied_and_not_batched() -> None:
    text = (
        "## Phase 1: A\n- [X] T001 [P] a\n- [~] T002 [P] b\n"
        "- [ ] T003 [P] c (depends on T001)\n- [ ] T004 [P] d (depends on T002)\n"
    )
    found = execution_batches(plan(text))
    assert [b.tasks for b in found.batches] == [["T003", "T004"]]
    assert found.max_parallelism == 2
    assert execution_batches(plan("## Phase 1: A\n- [X] T001 a\n")).max_parallelism == 0


def test_overlapping_files_split_a_batch() -> None:
    text = (
        "## Phase 1: A\n- [ ] T001 [P] a\n  - files: x.py\n- [ ] T002 [P] b\n  - files: x.py\n"
        "- [ ] T003 [P] c\n  - files: y.py\n"
    )
    assert batches(text) == [["T001", "T003"], ["T002"]]


def test_next_id_continues_the_plans_style() -> None:
    assert next_task_id(plan("## Phase 1: A\n- [ ] T001 a\n- [ ] T009 b\n")) == "T010"
    assert next_task_id(plan("## Phase 1: A\n- [ ] T07 a\n- [ ] T004a b\n")) == "T08"
    with pytest.raises(PlanError):
        next_task_id(plan("## Phase 1: A\n- [ ] a\n- [ ] b\n"))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (  # CRLF kept, new lines use it too
            "# P\r\n## Phase 1: A\r\n- [ ] T001 a\r\n",
            "# P\r\n## Phase 1: A\r\n- [ ] T001 a\r\n- [ ] T002 new\r\n",
        ),
        (  # no newline at the end of the file
            "## Phase 1: A\n- [ ] T001 a",
            "## Phase 1: A\n- [ ] T001 a\n- [ ] T002 new\n",
        ),
        (  # after the whole last item, nested lines included, same bullet
            "## Phase 1: A\n* [ ] T001 a\n  - verify: `true`\n  * [ ] T001a sub\n\n## Notes\n",
            "## Phase 1: A\n* [ ] T001 a\n  - verify: `true`\n  * [ ] T001a sub\n"
            "* [ ] T002 new\n\n## Notes\n",
        ),
        (  # an ordered list continues its numbering
            "## Phase 1: A\n1. [ ] T001 a\n",
            "## Phase 1: A\n1. [ ] T001 a\n2. [ ] T002 new\n",
        ),
    ],
)
def test_insert_keeps_every_other_byte(source: str, expected: str) -> None:
    assert insert_task(source, plan(source), "T002", NewTask("new")) == expected


def test_enqueue_into_the_last_pending_phase(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text(
        "## Phase 1: A\n- [ ] T001 a\n## Phase 2: B\n- [ ] T002 b\n## Phase 3: C\n- [X] T003 c\n"
    )
    added = enqueue(path, NewTask("more", priority=2))
    assert (added.id, added.phase_id, added.priority) == ("T004", "2", 2)
    assert "- [ ] T002 b\n- [ ] T004 more\n  - priority: 2\n## Phase 3" in path.read_text()


def test_enqueue_refuses_a_multiline_description(tmp_path: Path) -> None:
    path = tmp_path / "plan.md"
    path.write_text("## Phase 1: A\n- [ ] T001 a\n")
    with pytest.raises(UsageError, match="one line"):
        enqueue(path, NewTask("two\nlines"))
    assert path.read_text() == "## Phase 1: A\n- [ ] T001 a\n"


def test_cascade_follows_dependents_transitively() -> None:
    text = (
        "## Phase 1: A\n- [ ] T001 a\n- [ ] T002 b (depends on T001)\n- [ ] T003 c\n"
        "## Phase 2: B\n- [ ] T004 d (depends on T002)\n- [ ] T005 e (depends on T003)\n"
    )
    assert cascade(plan(text), "T001") == ["T001", "T002", "T004"]


def test_enqueue_only_inserts_into_real_speckit_plans(corpus_dir: Path, tmp_path: Path) -> None:
    from difflib import SequenceMatcher

    from orch.planfile import load_plan

    checked = 0
    for source in sorted((corpus_dir / "speckit").glob("*.md")):
        path = tmp_path / source.name
        before = source.read_bytes()
        path.write_bytes(before)
        if not load_plan(path).ok:
            continue
        added = enqueue(path, NewTask("Added over MCP", priority=3))
        after = path.read_bytes()
        changes = SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
        assert {op for op, *_ in changes} == {"equal", "insert"}, source.name
        reparsed = load_plan(path)
        assert reparsed.ok, (source.name, reparsed.errors[:1])
        assert reparsed.plan.task(added.id).priority == 3
        checked += 1
    assert checked >= 10
