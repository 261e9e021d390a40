"""Random markdown documents from a plan-like grammar: the parser and graph never raise."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orch.domain.graph import build_graph, check_plan, execution_order
from orch.domain.plan import PlanMark
from orch.parsing.markdown import parse_plan
from orch.parsing.marks import set_mark

pytestmark = pytest.mark.slow  # thousands of documents: in `pytest`, not in `pytest -m "not slow"`

ids = st.builds(
    lambda n, suffix: f"T{n:03d}{suffix}",
    st.integers(0, 30),
    st.sampled_from(["", "", "", "a", "b", "-TEST"]),
)
markers = st.lists(
    st.sampled_from(["[P]", "[US1]", "[US2]", "[P1]", "[FOUND]", "[M:H]", "(US3)", "[", "]"]),
    max_size=3,
).map(" ".join)
words = st.text(alphabet=st.sampled_from(list("abc xyz-:()[]`*_#<>|\\\"'~é—–\t")), max_size=30)
deps = st.one_of(
    st.just(""),
    st.builds(lambda a: f"(depends on {a})", ids),
    st.builds(lambda a, b: f"(depends on {a}, {b})", ids, ids),
    st.builds(lambda a, b: f"(after {a}-{b})", ids, ids),
    st.builds(lambda a, b: f"(depends: {a}–{b})", ids, ids),
    st.just("(depends on"),
)
boxes = st.sampled_from(["[ ]", "[x]", "[X]", "[~]", "[]", "[?]"])
bullets = st.sampled_from(["-", "*", "+", "1.", "  -", "    -", "\t-", ">  -"])
bold = st.sampled_from(["", "**"])


@st.composite
def task_line(draw: st.DrawFn) -> str:
    mark = draw(bold)
    task_id = draw(st.one_of(ids, st.just("")))
    line = (
        f"{draw(bullets)} {draw(boxes)} {mark}{task_id}{mark} {draw(markers)} "
        f"{draw(words)} {draw(deps)}"
    )
    meta = draw(
        st.lists(
            st.sampled_from(
                [
                    "  - verify: `pytest -q`",
                    "  - files: a.py, b.py",
                    "  - timeout: 10m",
                    "  - timeout: soon",
                    "  - retries: 2",
                    "  - retries: x",
                    "  - agent: dev",
                    "  - estimate: 1h30m",
                    "  - depends: T001, T003-T005",
                    "  - [ ] criterion",
                    "  ```sh\n  echo hi\n  ```",
                    "  ```python\n  x = 1\n  ```",
                    "  ```",
                    "    - [x] T009a nested",
                ]
            ),
            max_size=3,
        )
    )
    return "\n".join([line, *meta])


headings = st.builds(
    lambda level, prefix, kw, ident, rest: f"{'#' * level} {prefix}{kw}{ident}{rest}",
    st.integers(1, 5),
    st.sampled_from(["", "Final ", "Within ", "Parallel Example: ", "Setup "]),
    st.sampled_from(["Phase", "Milestone", "Stage", "Notes", "phase"]),
    st.sampled_from(["", " 1", " 2", " 3.2", " N", " 2", ":", " —", " Dependencies"]),
    words,
)
blocks = st.one_of(
    headings,
    task_line(),
    words,
    st.sampled_from(
        [
            "**Gate**: `make test`",
            "**Agent**: backend",
            "**Purpose**: why",
            "**Checkpoint**: ok",
            "```\n- [ ] T001 in fence\n```",
            "<!-- - [ ] T002 comment -->",
            "| - [ ] T003 | x |\n|---|---|\n| a | b |",
            "---",
            "> quote",
            "    - [ ] T004 code",
            "```",
            "<!--",
            "\ufeff",
            "\r\n",
            "",
        ]
    ),
)
documents = st.lists(blocks, max_size=25).map("\n".join)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(documents)
def test_random_documents_never_crash(text: str) -> None:
    result = parse_plan(text, "fuzz.md")
    assert not any("internal parser error" in error.message for error in result.errors), (
        result.errors
    )
    plan = result.plan
    check_plan(plan)
    order = execution_order(plan)
    assert sorted(order) == sorted(task.id for task in plan.tasks())
    assert len(set(order)) == len(order)
    build_graph(plan)
    lines = text.split("\n")
    for task in plan.tasks():
        if lines[task.line - 1].lstrip().startswith("#"):
            continue  # a heading task carries no checkbox
        assert set_mark(text, task.line, PlanMark.DONE).count("\n") == text.count("\n")


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    result = parse_plan(text)
    assert not any("internal parser error" in error.message for error in result.errors)
    execution_order(result.plan)


def test_deeply_nested_quotes_read_without_internal_error() -> None:
    """Thousands of nested `>` quotes overflow a recursive walk of the syntax tree: the parser
    falls back to the reference reader, so the plan still reads (no internal parser error)."""
    text = "# X\n\n## Phase 1: A\n\n- [ ] T001 First\n\n" + ">" * 5000 + " quoted\n"
    result = parse_plan(text)
    assert not [error for error in result.errors if "internal" in error.message]
    assert [task.id for phase in result.plan.phases for task in phase.tasks] == ["T001"]
