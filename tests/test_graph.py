"""Graph checks and execution order: unknown IDs, later phases, cycles, barriers."""

from __future__ import annotations

from orch.domain.graph import BARRIER_PREFIX, build_graph, check_plan, execution_order
from orch.domain.plan import Plan
from orch.parsing.markdown import parse_plan


def plan(text: str) -> Plan:
    result = parse_plan(text)
    assert result.ok, result.errors
    return result.plan


def test_cycle_path_is_reported_once_from_first_task() -> None:
    found = check_plan(
        plan(
            "## Phase 1: A\n- [ ] T001 a\n- [ ] T003 c (depends on T007)\n"
            "- [ ] T007 g (depends on T003)\n"
        )
    )
    assert [(d.line, d.message) for d in found] == [(3, "dependency cycle: T003 -> T007 -> T003")]


def test_longer_cycle_and_self_dependency() -> None:
    found = check_plan(
        plan(
            "## Phase 1: A\n- [ ] T001 a (depends on T003)\n- [ ] T002 b (depends on T001)\n"
            "- [ ] T003 c (depends on T002)\n- [ ] T004 d (depends on T004)\n"
        )
    )
    messages = [d.message for d in found]
    assert "dependency cycle: T001 -> T003 -> T002 -> T001" in messages
    assert "dependency cycle: T004 -> T004" in messages


def test_unknown_and_later_phase() -> None:
    found = check_plan(
        plan(
            "## Phase 1: A\n- [ ] T001 a (depends on T002)\n- [ ] T003 b (depends on T099)\n"
            "## Phase 2: B\n- [ ] T002 c (depends on T001)\n"
        )
    )
    assert [(d.line, d.message) for d in found] == [
        (2, "T001 (phase 1) depends on T002, which is in later phase 2"),
        (3, "T003 depends on unknown task T099"),
    ]
    assert all(d.hint for d in found)


def test_order_respects_deps_barriers_and_document_order() -> None:
    text = (
        "## Phase 1: A\n- [ ] T001 a (depends on T003)\n- [ ] T002 b\n- [ ] T003 c\n"
        "## Phase 2: B\n- [ ] T004 d\n- [ ] T005 e (depends on T001)\n"
    )
    assert execution_order(plan(text)) == ["T002", "T003", "T001", "T004", "T005"]


def test_order_never_raises_on_cycles() -> None:
    result = parse_plan(
        "## Phase 1: A\n- [ ] T001 a (depends on T002)\n- [ ] T002 b (depends on T001)\n"
    )
    assert sorted(execution_order(result.plan)) == ["T001", "T002"]


def test_build_graph_uses_barrier_nodes() -> None:
    graph = build_graph(
        plan(
            "## Phase 1: A\n- [ ] T001 a\n- [ ] T002 b (depends on T001)\n"
            "## Phase 2: B\n- [ ] T003 c\n"
        )
    )
    assert graph.has_edge("T001", "T002")
    assert graph.has_edge("T002", f"{BARRIER_PREFIX}1")
    assert not graph.has_edge("T001", f"{BARRIER_PREFIX}1")
    assert graph.has_edge(f"{BARRIER_PREFIX}1", "T003")
    assert graph.nodes["T003"]["phase"] == "2"


def big_plan(tasks: int, phases: int = 10) -> str:
    lines = []
    per = tasks // phases
    for phase in range(phases):
        lines.append(f"## Phase {phase + 1}: P")
        for index in range(per):
            number = phase * per + index + 1
            dep = f" (depends on T{number - 1:05d})" if index % 2 else ""
            lines.append(f"- [ ] T{number:05d} task{dep}")
    return "\n".join(lines) + "\n"


def test_order_and_check_handle_10k_tasks() -> None:
    # Speed is measured by bench/bench_validate.py, not asserted here.
    parsed = plan(big_plan(10_000))
    assert check_plan(parsed) == []
    order = execution_order(parsed)
    assert len(order) == 10_000 and order[:3] == ["T00001", "T00002", "T00003"]
