"""Validation reports ``runs/<id>/reports/phase-<id>.md`` and ``.json`` (docs/decisions.md).

Sections: summary (phase, time, decision, who decided), acceptance criteria with status and
evidence, quality metrics (tests, coverage, targets, gates, duration, cost), issues with severity,
recommendations, and the context handed to the next phase.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from orch.decisions.checks import TargetResult
from orch.decisions.model import Criterion, Decision
from orch.reporting.testcounts import TestCounts, parse_counts
from orch.store.atomic import atomic_write_text

if TYPE_CHECKING:
    from orch.decisions.matrix import Effect
    from orch.decisions.step import GateInfo
    from orch.domain.plan import Phase
    from orch.domain.state import PhaseState, RunState


class GateResult(BaseModel):
    """One gate command's outcome."""

    command: str
    ok: bool
    tail: str = ""


class PhaseReport(BaseModel):
    """Everything one decided phase's report holds; ``.json`` is this model dumped."""

    run: str
    phase: str
    title: str
    started: str | None = None
    ended: str | None = None
    decision: str
    decided_by: str
    reason: str = ""
    revision: int = 0
    criteria: list[Criterion] = Field(default_factory=list)
    tests: TestCounts | None = None
    targets: list[TargetResult] = Field(default_factory=list)
    gates: list[GateResult] = Field(default_factory=list)
    duration_s: float | None = None
    cost_usd: float = 0.0
    """The phase's tasks and its reviews together."""
    review_cost_usd: float = 0.0
    """What the phase's reviewer calls cost, every round (part of ``cost_usd``)."""
    tasks: list[dict[str, Any]] = Field(default_factory=list)
    issues: list[dict[str, Any]] = Field(default_factory=list)
    recommendations: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    next_phase_context: str = ""


def criteria_with_status(criteria: list[str], decision: Decision) -> list[Criterion]:
    """Every plan criterion with the reviewer's judgement, 'not judged' when it gave none."""
    judged: dict[str, Criterion | None] = {
        item.criterion.strip().lower(): item for item in decision.criteria}
    out = [judged.pop(text.strip().lower(), None) or
           Criterion(criterion=text, met=False, evidence="not judged by the reviewer")
           for text in criteria]
    return [*out, *(item for item in judged.values() if item is not None)]


def markdown(report: PhaseReport) -> str:
    """The report as markdown, for a person."""
    lines = [f"# Phase {report.phase} — {report.title}", "",
             "## Summary", "",
             f"- Decision: **{report.decision}** by {report.decided_by}"
             + (f" (revision round {report.revision})" if report.revision else ""),
             f"- Time: {report.started or '?'} → {report.ended or '?'}"]
    if report.reason:
        lines.append(f"- Reason: {report.reason}")
    lines += ["", "## Acceptance criteria", ""]
    lines += [f"- [{'x' if c.met else ' '}] {c.criterion} — {c.evidence or 'no evidence'}"
              for c in report.criteria] or ["- (none in the plan)"]
    lines += ["", "## Quality metrics", ""]
    if report.tests is not None:
        t = report.tests
        lines.append(f"- Tests ({t.runner}): {t.passed} passed, {t.failed} failed, "
                     f"{t.skipped} skipped")
        if t.coverage_pct is not None:
            lines.append(f"- Coverage: {t.coverage_pct:g}%")
    for target in report.targets:
        value = "no value" if target.value is None else f"{target.value:g}"
        state = "met" if target.met else f"NOT met{': ' + target.error if target.error else ''}"
        lines.append(f"- Target {target.name} {target.op} {target.bound:g}: {value} ({state})")
    lines += [f"- Gate `{g.command}`: {'passed' if g.ok else 'FAILED'}" for g in report.gates]
    if report.duration_s is not None:
        lines.append(f"- Duration: {report.duration_s:.1f}s")
    review = (f" (review ${report.review_cost_usd:.4f})" if report.review_cost_usd else "")
    lines.append(f"- Cost: ${report.cost_usd:.4f}{review}")
    lines += ["", "## Issues", ""]
    lines += [f"- [{i.get('severity', '?')}] {i.get('description', '')}" for i in report.issues] \
        or ["- none"]
    lines += ["", "## Recommendations", ""]
    lines += [f"- {r}" for r in report.recommendations] or ["- none"]
    lines += ["", "## Context for the next phase", ""]
    lines += [f"- Condition: {c}" for c in report.conditions]
    lines.append(report.next_phase_context or "(none)")
    return "\n".join(lines) + "\n"


def write_report(report: PhaseReport, reports_dir: Path) -> Path:
    """Write ``phase-<id>.md`` and ``.json``; returns the markdown path."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    md_path = reports_dir / f"phase-{report.phase}.md"
    atomic_write_text(reports_dir / f"phase-{report.phase}.json",
                      report.model_dump_json(indent=2) + "\n")
    atomic_write_text(md_path, markdown(report))
    return md_path


def phase_report(phase: Phase, phase_state: PhaseState, run: RunState, gate: GateInfo,
                 targets: list[TargetResult], effect: Effect, review_cost: float) -> PhaseReport:
    """The report of a decided phase, rendered from what the decision step returned."""
    decision = effect.decision
    verdict = decision.decision.value
    if effect.await_decision and verdict != "ESCALATE":
        verdict = f"{verdict} (awaiting human approval)"
    tasks = [run.tasks[t] for t in phase_state.tasks if t in run.tasks]
    return PhaseReport(
        run=run.run_id, phase=phase.id, title=phase.title, started=phase_state.started,
        ended=datetime.now(UTC).isoformat(timespec="seconds"), decision=verdict,
        decided_by=decision.decided_by, reason=decision.reason,
        revision=phase_state.revisions,
        criteria=criteria_with_status(phase.criteria(), decision),
        tests=parse_counts(gate.tail), targets=targets,
        gates=[GateResult(command=c, ok=gate.ok, tail=gate.tail[-2000:]) for c in gate.commands],
        cost_usd=round(sum(t.cost_usd for t in tasks) + phase_state.review_cost_usd
                       + review_cost, 6),
        review_cost_usd=round(phase_state.review_cost_usd + review_cost, 6),
        tasks=[{"id": t.id, "status": t.status.value, "attempts": t.attempts, "agent": t.agent}
               for t in tasks],
        issues=[i.model_dump() for i in decision.issues],
        recommendations=decision.recommendations, conditions=effect.conditions,
        next_phase_context=decision.next_phase_context)
