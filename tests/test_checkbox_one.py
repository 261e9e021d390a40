"""One checkbox syntax: what the parser reads as a task's box is exactly what orch's plan marks
flip and what the plan digest ignores (issue 16, item 8)."""

from __future__ import annotations

import pytest

from orch.domain.plan import PlanMark
from orch.parsing.markdown import parse_plan
from orch.parsing.marks import set_mark
from orch.runner.session import plan_digest

MARKERS = [" ", "x", "X", "~", "-", "\u2713", "\u26d4", "N/A", "WIP", "DONE", "", " x",
           "\u00e9", "----", "a b", "TOOLONGWORD"]


def plan(marker: str) -> str:
    return f"# Plan\n\n## Phase 1: A\n\n> - [{marker}] T001 Do the thing\n- [ ] T002 Other\n"


@pytest.mark.parametrize("marker", MARKERS)
def test_parser_marks_and_digest_agree_on_the_box(marker: str) -> None:
    text = plan(marker)
    is_task = "T001" in [task.id for task in parse_plan(text).plan.tasks()]
    ignored = plan_digest(text.encode()) == plan_digest(plan(" ").encode())
    assert ignored == is_task, (marker, is_task)
    if is_task:
        marked = set_mark(text, 5, PlanMark.DONE)
        assert plan_digest(marked.encode()) == plan_digest(text.encode())
    else:
        with pytest.raises(ValueError):
            set_mark(text, 5, PlanMark.DONE)


def test_digest_keeps_undecodable_bytes_apart() -> None:
    base = plan(" ").encode()
    assert plan_digest(base + b"\xff\n") != plan_digest(base + b"\xfe\n")
    assert plan_digest(base.replace(b"[ ]", b"[x]") + b"\xff\n") == plan_digest(base + b"\xff\n")
