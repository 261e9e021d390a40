"""Validation reports (docs/decisions.md): JSON against a schema kept here; markdown with criteria,
evidence and the counts of a real pytest run; a scripted CLI-style reviewer's JSON block."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import OrchRunner, commit_all, shell_task
from orch.decisions.model import Verdict, read_decision
from orch.reporting.testcounts import parse_counts

REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["run", "phase", "title", "decision", "decided_by", "criteria", "tests",
                 "targets", "gates", "cost_usd", "issues", "recommendations", "conditions",
                 "next_phase_context"],
    "properties": {
        "decision": {"type": "string", "pattern": "^(APPROVE|CONDITIONAL|REVISE|ESCALATE)"},
        "decided_by": {"type": "string"},
        "criteria": {"type": "array", "items": {
            "type": "object", "required": ["criterion", "met", "evidence"],
            "properties": {"criterion": {"type": "string"}, "met": {"type": "boolean"},
                           "evidence": {"type": "string"}}}},
        "tests": {"anyOf": [{"type": "null"}, {
            "type": "object", "required": ["runner", "passed", "failed"],
            "properties": {"passed": {"type": "integer"}, "failed": {"type": "integer"}}}]},
        "targets": {"type": "array", "items": {
            "type": "object", "required": ["name", "op", "bound", "value", "met"]}},
        "gates": {"type": "array", "items": {"type": "object", "required": ["command", "ok"]}},
        "cost_usd": {"type": "number"},
        "issues": {"type": "array", "items": {
            "type": "object", "required": ["severity", "description"]}},
        "recommendations": {"type": "array", "items": {"type": "string"}},
    },
}

DEMO_TESTS = """
import pytest

def test_one():
    assert 1 + 1 == 2

def test_two():
    assert "a" in "abc"

@pytest.mark.skip(reason="not yet")
def test_three():
    pass
"""

DECISION = {
    "decision": "APPROVE",
    "criteria": [{"criterion": "the tests pass", "met": True,
                  "evidence": "gate: 2 passed, 1 skipped"}],
    "issues": [{"severity": "low", "description": "test_three is skipped"}],
    "recommendations": ["un-skip test_three"],
    "next_phase_context": "the demo module is stable",
}


def test_report_of_a_real_pytest_gate_with_a_scripted_reviewer(
        git_repo: Path, orch: OrchRunner) -> None:
    (git_repo / "demo_tests").mkdir()
    (git_repo / "demo_tests" / "test_demo.py").write_text(DEMO_TESTS)
    (git_repo / "decision.md").write_text("Review done.\n```json\n" + json.dumps(DECISION)
                                          + "\n```\n")
    gate = f"{sys.executable} -m pytest -q -p no:cacheprovider demo_tests"
    plan = "\n".join(["# R", "", "## Phase 1: Tests", f"**Gate**: `{gate}`",
                      "**Review**: reviewer", "", "- [ ] the tests pass",
                      shell_task("T001", "Touch", "echo a > a.txt"), ""])
    (git_repo / "plan.md").write_text(plan)
    (git_repo / ".specify" / "orch").mkdir(parents=True)
    (git_repo / ".specify" / "orch" / "config.yaml").write_text(
        "agents:\n  reviewer:\n    adapter: shell\n    prompt: test -s \"$ORCH_REVIEW_FILE\" "
        "&& cat decision.md\n")
    commit_all(git_repo)
    out = orch("run", "plan.md", "--yes", cwd=git_repo)
    assert out.returncode == 0, out.stdout + out.stderr
    reports = next((git_repo / ".specify" / "orch" / "runs").iterdir()) / "reports"
    data = json.loads((reports / "phase-1.json").read_text())
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["decision"] == "APPROVE" and data["decided_by"] == "reviewer:reviewer"
    assert data["tests"]["passed"] == 2 and data["tests"]["skipped"] == 1
    md = (reports / "phase-1.md").read_text()
    assert "- [x] the tests pass — gate: 2 passed, 1 skipped" in md
    assert "Tests (pytest): 2 passed, 0 failed, 1 skipped" in md
    assert "[low] test_three is skipped" in md and "the demo module is stable" in md


@pytest.mark.parametrize("output, why", [
    ("no block here", "no JSON decision blocks"),
    ("```json\n{\"decision\": \"APPROVE\"}\n```\n```json\n{}\n```", "2 JSON decision blocks"),
    ("```json\n{\"decision\": \"APPROVE\",}\n```", "invalid JSON"),
    ("```json\n{\"decision\": \"SHIP IT\"}\n```", "decision"),
    ("```json\n{\"decision\": \"APPROVE\", \"extra\": 1}\n```", "extra"),
    ("```json\n{\"decision\": \"CONDITIONAL\"}\n```", "without conditions"),
    ("```json\n[1, 2]\n```", "expected a JSON object"),
])
def test_unreadable_cli_review_is_escalate_never_approve(output: str, why: str) -> None:
    decision = read_decision(output)
    assert decision.decision is Verdict.ESCALATE
    assert decision.reason.startswith("unreadable review") and why in decision.reason


def test_readable_cli_review() -> None:
    decision = read_decision("```json\n" + json.dumps(DECISION) + "\n```", "reviewer:x")
    assert decision.decision is Verdict.APPROVE and decision.decided_by == "reviewer:x"


@pytest.mark.parametrize("output, expected", [
    ("..F.\n==== 1 failed, 3 passed, 2 skipped in 0.12s ====", ("pytest", 3, 1, 2)),
    ("Tests:       1 failed, 4 passed, 5 total", ("jest", 4, 1, 0)),
    ("test result: ok. 7 passed; 0 failed; 1 ignored; 0 measured", ("cargo", 7, 0, 1)),
    ("--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\nFAIL", ("go", 1, 1, 0)),
    ('<?xml version="1.0"?><testsuite tests="5" failures="1" errors="0" skipped="1">'
     "</testsuite>", ("junit", 3, 1, 1)),
])
def test_counts_from_runner_output(output: str, expected: tuple[str, int, int, int]) -> None:
    found = parse_counts(output)
    assert found is not None
    assert (found.runner, found.passed, found.failed, found.skipped) == expected


def test_coverage_is_read_where_reported() -> None:
    found = parse_counts("TOTAL      120     12    90%\n===== 4 passed in 1.0s =====")
    assert found is not None and found.coverage_pct == 90
    assert parse_counts("nothing to see") is None
