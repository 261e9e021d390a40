"""The pure parts of phase decisions: plan metadata, the matrix, target comparison."""

from __future__ import annotations

import pytest

from orch.decisions.checks import last_number
from orch.decisions.matrix import apply_matrix
from orch.decisions.model import Decision, Issue, Verdict
from orch.parsing.markdown import parse_plan

PLAN = """# P

## Phase 1: Core
**Gate**: `pytest -q`
**Target**: p95_ms < 50: `python bench.py --p95`
**Target**: `coverage` >= 80.5 — `cov.sh`
**Review**: code-reviewer
**Approve**: human

- [ ] the API answers
- [ ] T001 Build it
  - [ ] it builds
"""


def test_phase_metadata_is_parsed() -> None:
    result = parse_plan(PLAN)
    assert result.ok, result.errors
    phase = result.plan.phases[0]
    assert [(t.name, t.op, t.bound, t.command) for t in phase.targets] == [
        ("p95_ms", "<", 50.0, "python bench.py --p95"), ("coverage", ">=", 80.5, "cov.sh")]
    assert phase.review == "code-reviewer" and phase.approve == "human"
    assert phase.criteria() == ["the API answers", "it builds"]
    assert phase.gates == ["pytest -q"]


@pytest.mark.parametrize("line, message", [
    ("**Target**: fast: `bench.sh`", "cannot read target"),
    ("**Target**: p95 < 50", "cannot read target"),
    ("**Approve**: robot", "**Approve** takes `human`"),
])
def test_bad_metadata_is_a_plan_error(line: str, message: str) -> None:
    result = parse_plan(f"# P\n\n## Phase 1: A\n{line}\n\n- [ ] T001 Do\n")
    assert not result.ok and message in result.errors[0].message
    assert result.errors[0].line == 3


@pytest.mark.parametrize("op, value, met", [
    ("<", 49.9, True), ("<", 50, False), ("<=", 50, True), (">", 50, False), (">=", 50, True)])
def test_target_comparison(op: str, value: float, met: bool) -> None:
    result = parse_plan(f"# P\n\n## Phase 1: A\n**Target**: x {op} 50: `b`\n\n- [ ] T001 Do\n")
    assert result.plan.phases[0].targets[0].met(value) is met


def test_last_number_printed_is_the_value() -> None:
    assert last_number("run 1 of 3\np95: 41.5 ms\n") == 41.5
    assert last_number("no numbers") is None


def _d(verdict: Verdict, **extra: object) -> Decision:
    return Decision.model_validate({"decision": verdict, **extra})


def test_matrix() -> None:
    tasks = ["T1", "T2"]
    approve = apply_matrix(_d(Verdict.APPROVE), phase_tasks=tasks, checks_ok=True,
                           revisions_done=0)
    assert approve.checkpoint and not approve.await_decision
    capped = apply_matrix(_d(Verdict.APPROVE), phase_tasks=tasks, checks_ok=False,
                          revisions_done=0)
    assert capped.decision.decision is Verdict.REVISE and capped.reset_tasks == tasks
    named = apply_matrix(_d(Verdict.REVISE, tasks=["T2", "T2"], issues=[
        Issue(severity="high", description="no tests")]), phase_tasks=tasks, checks_ok=True,
        revisions_done=1)
    assert named.reset_tasks == ["T2"] and "[high] no tests" in named.feedback
    over = apply_matrix(_d(Verdict.REVISE), phase_tasks=tasks, checks_ok=True,
                        revisions_done=2, max_revisions=2)
    assert over.decision.decision is Verdict.ESCALATE and over.await_decision
    human = apply_matrix(_d(Verdict.CONDITIONAL, conditions=["c"]), phase_tasks=tasks,
                         checks_ok=True, revisions_done=0, human=True)
    assert human.await_decision and not human.checkpoint
    person = apply_matrix(_d(Verdict.APPROVE, decided_by="human"), phase_tasks=tasks,
                          checks_ok=True, revisions_done=0, human=True)
    assert person.checkpoint
