"""The phase-end decision step (docs/decisions.md), called by the runner after a phase's gate.

Targets run, then the reviewer (``**Review**``) or the person (``**Approve**: human``) decides;
the matrix turns that into an :class:`Effect`; a validation report is written. The runner only
records the effect: checkpoint, reset tasks with feedback, or wait for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from orch.adapters.base import Role, Usage
from orch.config import OrchConfig
from orch.decisions.checks import TargetResult, run_target
from orch.decisions.matrix import Effect, apply_matrix
from orch.decisions.model import Decision, Verdict
from orch.decisions.reviewer import Review, ReviewSetting, review_structured, review_with_adapter
from orch.domain.plan import Phase
from orch.domain.state import PhaseState, RunState
from orch.vcs.changes import diff_to_head

MAX_DIFF_CHARS = 40_000


@dataclass
class GateInfo:
    """What the runner's gate step found."""

    ok: bool
    commands: list[str]
    tail: str = ""
    error: str | None = None


@dataclass
class StepResult:
    """The decision's effect and what it was decided on: values the runner records and
    :func:`orch.reporting.phase_report.phase_report` renders."""

    effect: Effect
    targets: list[TargetResult]
    cost_usd: float = 0.0
    """What the review's model calls cost (already settled on the meter; journal it)."""
    usage: Usage | None = None
    refused: str | None = None
    """The run's cost cap refused the review's call before it started: no decision, no
    report; the run stops ``budget_exceeded`` and the phase is decided on resume."""


class PhaseDecider:
    """Runs targets, asks the reviewer or the person, applies the matrix; returns values."""

    def __init__(self, *, project_dir: Path, reports_dir: Path, logs_dir: Path,
                 config: OrchConfig, role_named: Any, model: str | None = None,
                 setting: ReviewSetting | None = None) -> None:
        self.setting = setting or ReviewSetting(prices=dict(config.prices))
        self.project_dir = project_dir
        self.reports_dir = reports_dir
        self.logs_dir = logs_dir
        self.config = config
        self.role_named = role_named
        self.model = model

    def decide(self, phase: Phase, phase_state: PhaseState, run: RunState,
               gate: GateInfo) -> StepResult:
        """The phase's decision and its effect; never raises for a reviewer's failure."""
        targets = [run_target(t, self.project_dir, self.logs_dir / f"target-{phase.id}.log")
                   for t in phase.targets]
        checks_ok = gate.ok and all(t.met for t in targets)
        facts = self._facts(phase, run, gate, targets)
        review = self._decision(phase, phase_state, facts, checks_ok)
        effect = apply_matrix(
            review.decision, phase_tasks=list(phase_state.tasks), checks_ok=checks_ok,
            revisions_done=phase_state.revisions, max_revisions=self.config.max_revisions,
            human=phase.approve == "human")
        if review.refused is not None:
            return StepResult(effect, targets, refused=review.refused)
        return StepResult(effect, targets, review.cost_usd, review.usage)

    def _decision(self, phase: Phase, phase_state: PhaseState, facts: dict[str, Any],
                  checks_ok: bool) -> Review:
        human = phase_state.human_approval
        if human is not None:
            return Review(Decision(decision=Verdict(human.get("decision", "APPROVE")),
                                   decided_by="human", reason=str(human.get("note") or ""),
                                   conditions=list(human.get("conditions", []))))
        if phase.review:
            from orch.adapters.registry import get_adapter

            role: Role = self.role_named(phase.review)
            log = self.logs_dir / f"review-{phase.id}.log"
            setting = self.setting
            if role.max_cost_usd is not None or role.max_turns is not None:
                setting = replace(setting, budget=setting.budget.model_copy(update={
                    "max_cost_usd": role.max_cost_usd, "max_turns": role.max_turns}))
            if getattr(get_adapter(role.adapter), "structured_review", False):
                from orch.adapters.anthropic_settings import choose_model

                return review_structured(role, phase, facts,
                                         choose_model(role.model, self.model), setting)
            return review_with_adapter(role, phase, facts, self.project_dir, log, setting)
        verdict = Verdict.APPROVE if checks_ok else Verdict.REVISE
        return Review(Decision(decision=verdict, decided_by="orch",
                               reason="" if checks_ok else "a gate or target failed"))

    def _facts(self, phase: Phase, run: RunState, gate: GateInfo,
               targets: list[TargetResult]) -> dict[str, Any]:
        tasks = [{"id": t.id, "title": t.title, "status": run.tasks[t.id].status.value
                  if t.id in run.tasks else "not selected",
                  "summary": run.tasks[t.id].summary if t.id in run.tasks else None,
                  "files_changed": run.tasks[t.id].files_changed if t.id in run.tasks else []}
                 for t in phase.tasks]
        return {
            "phase": {"id": phase.id, "title": phase.title, "description": phase.description},
            "criteria": phase.criteria(),
            "tasks": tasks,
            "gate": {"ok": gate.ok, "commands": gate.commands, "error": gate.error,
                     "output_tail": gate.tail[-4000:]},
            "targets": [t.model_dump() for t in targets],
            "diff": diff_to_head(self.project_dir, MAX_DIFF_CHARS),
        }
