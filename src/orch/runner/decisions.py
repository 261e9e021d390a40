"""The runner's side of phase decisions (docs/decisions.md): record the decision step's effect.

Called from :meth:`Runner._close_phase` once the gate ran, for phases with a Target, Review or
Approve line. The effect is journalled: ``phase_decision`` (decision, who, conditions), then
``phase_finished`` and a checkpoint (APPROVE/CONDITIONAL), ``task_reset`` with the findings
(REVISE), or run state ``awaiting_decision`` (ESCALATE, human approval).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from orch.decisions.reviewer import ReviewSetting
from orch.decisions.step import GateInfo, PhaseDecider
from orch.domain.events import EventType
from orch.domain.plan import Phase
from orch.domain.state import PhaseState, RunState
from orch.domain.status import NOTIFIED_RUN_STATUSES, RunStatus, TaskStatus
from orch.reporting.phase_report import phase_report, write_report

if TYPE_CHECKING:
    from orch.runner.host import RunHost


class PhaseOutcome(StrEnum):
    """How a phase's end goes on, when the run does not stop there."""

    NEXT = "next"
    """The phase is finished (or a selective run left it open): on to the next one."""
    REVISE = "revise"
    """A REVISE decision reset some of its tasks: run them, then decide again."""


def make_decider(runner: RunHost) -> PhaseDecider:
    """The decision step for this run: reports under ``runs/<id>/reports``."""
    layout = runner.recorder.layout
    run_id = runner.state.run_id
    config = runner.settings.config
    setting = ReviewSetting(meter=runner.ledger, timeout_s=runner.timeout(None),
                            prices=dict(config.prices))
    return PhaseDecider(
        project_dir=runner.project_dir, reports_dir=layout.run_dir(run_id) / "reports",
        logs_dir=layout.logs_dir(run_id), config=config,
        role_named=runner.resolver.role_named, model=config.model, setting=setting)


def conditions_context(state: RunState) -> str:
    """Conditions and context earlier phases' decisions hand to the agents of later phases."""
    lines: list[str] = []
    for phase in state.phases:
        if phase.conditions or phase.context:
            lines.append(f"Phase {phase.id} was decided {phase.decision} with:")
            lines += [f"- condition: {c}" for c in phase.conditions]
            if phase.context:
                lines.append(f"- context: {phase.context}")
    return "\n".join(lines)


def close_decided_phase(runner: RunHost, phase: Phase, phase_state: PhaseState,
                        gate: GateInfo, duration_s: float,
                        finished: dict[str, object] | None = None
                        ) -> RunStatus | PhaseOutcome:
    """Decide the phase and record the effect: how the phase ends, or the run's end status."""
    decider = make_decider(runner)
    step = decider.decide(phase, phase_state, runner.state, gate)
    if step.refused is not None:
        return runner.finish(RunStatus.BUDGET_EXCEEDED, step.refused)
    effect = step.effect
    decision = effect.decision
    usage = step.usage
    report = write_report(phase_report(phase, phase_state, runner.state, gate, step.targets,
                                       effect, step.cost_usd), decider.reports_dir)
    runner.record(EventType.PHASE_DECISION, phase=phase.id, data={
        "decision": decision.decision.value, "decided_by": decision.decided_by,
        "reason": decision.reason, "conditions": effect.conditions,
        "context": decision.next_phase_context, "awaiting": effect.await_decision,
        "targets": [t.model_dump() for t in step.targets],
        "report": str(report),
        "cost_usd": step.cost_usd,
        "input_tokens": usage.input_tokens if usage else 0,
        "output_tokens": usage.output_tokens if usage else 0,
    })
    runner.ledger.journalled(f"review-{phase.id}")
    shown = f"phase {phase.id} decided {decision.decision.value} by {decision.decided_by}"
    if decision.reason:
        shown += f": {decision.reason}"
    runner.note(shown + f" (report {report})", level="info")
    if effect.reset_tasks:
        for task_id in effect.reset_tasks:
            runner.record(EventType.TASK_RESET, task=task_id, data={
                "status": TaskStatus.PENDING.value, "reason": "revise",
                "feedback": effect.feedback})
        runner.recorder.snapshot()
        return PhaseOutcome.REVISE
    if effect.await_decision:
        why = decision.reason or ("the phase needs a person's approval"
                                  if decision.decision.value != "ESCALATE" else "escalated")
        return runner.finish(RunStatus.AWAITING_DECISION,
                              f"phase {phase.id} awaits a decision: {why}")
    runner.record(EventType.PHASE_FINISHED, phase=phase.id,
                   data={**(finished or {}), "ok": True, "duration_s": duration_s,
                         "decision": decision.decision.value})
    runner.recorder.barrier()  # run.json is written once the phase is checkpointed
    return PhaseOutcome.NEXT


def notify_end(runner: RunHost, status: RunStatus) -> None:
    """Tell the configured notifiers how the run ended; a failure is a warning note."""
    event = status.value if status in NOTIFIED_RUN_STATUSES else None
    config = runner.settings.config.notify
    if event is None or not (config.command or config.webhook):
        return
    from orch.notify import payload, send  # urllib, http.client and ssl: only when configured

    runner.recorder.barrier()  # the run's end is on disk before anyone is told of it
    try:
        reports = runner.recorder.layout.run_dir(runner.state.run_id) / "reports"
        found = sorted(reports.glob("phase-*.md"), key=lambda p: p.stat().st_mtime)
        report: Path | None = found[-1] if found else None
        send(config, payload(event, runner.state, report), runner.project_dir, runner.note)
    except Exception as exc:  # noqa: BLE001 - a notifier never fails the run
        runner.note(f"notify failed: {type(exc).__name__}: {exc}")
