"""The decision matrix of docs/decisions.md as a pure function: a decision in, the effect out."""

from __future__ import annotations

from dataclasses import dataclass, field

from orch.decisions.model import Decision, Verdict


@dataclass(frozen=True, slots=True)
class Effect:
    """What the runner does with a phase's decision."""

    decision: Decision
    checkpoint: bool = False
    """APPROVE / CONDITIONAL: checkpoint the phase and go on."""
    reset_tasks: list[str] = field(default_factory=list)
    """REVISE: these tasks go back to pending with ``feedback``."""
    feedback: str = ""
    await_decision: bool = False
    """ESCALATE or ``**Approve**: human``: run state awaiting_decision, exit 4."""
    conditions: list[str] = field(default_factory=list)


def cap(decision: Decision, checks_ok: bool) -> Decision:
    """A failed gate or target makes a decision at best REVISE (never APPROVE/CONDITIONAL)."""
    if checks_ok or decision.decision in (Verdict.REVISE, Verdict.ESCALATE):
        return decision
    reason = "a gate or target failed, so the phase cannot be approved"
    return _with(decision, Verdict.REVISE, reason)


def _with(decision: Decision, verdict: Verdict, reason: str) -> Decision:
    joined = "; ".join(filter(None, [decision.reason, reason]))
    return decision.model_copy(update={"decision": verdict, "reason": joined})


def feedback_of(decision: Decision) -> str:
    """The findings handed to re-run tasks: issues, unmet criteria, recommendations."""
    lines = [f"Phase review decided {decision.decision.value} ({decision.decided_by})."]
    if decision.reason:
        lines.append(f"Reason: {decision.reason}")
    lines += [f"- [{i.severity}] {i.description}" for i in decision.issues]
    lines += [f"- criterion not met: {c.criterion} ({c.evidence})"
              for c in decision.criteria if not c.met]
    lines += [f"- recommendation: {r}" for r in decision.recommendations]
    return "\n".join(lines)


def apply_matrix(
    decision: Decision,
    *,
    phase_tasks: list[str],
    checks_ok: bool,
    revisions_done: int,
    max_revisions: int = 2,
    human: bool = False,
) -> Effect:
    """The effect of ``decision`` on a phase whose gates/targets gave ``checks_ok``.

    ``revisions_done`` counts the REVISE rounds the phase already had; one more than
    ``max_revisions`` becomes ESCALATE, and so does a REVISE naming a task the phase does not
    have (the reviewer judged something else: re-running every task would be a guess).
    ``human`` (``**Approve**: human``) turns an approval into a wait for the person unless
    the person made it.
    """
    decision = cap(decision, checks_ok)
    verdict = decision.decision
    if verdict is Verdict.REVISE and revisions_done >= max_revisions:
        reason = f"still REVISE after {max_revisions} revision rounds"
        decision = _with(decision, Verdict.ESCALATE, reason)
        verdict = Verdict.ESCALATE
    unknown = [task for task in decision.tasks if task not in phase_tasks]
    if verdict is Verdict.REVISE and unknown:
        named = ", ".join(repr(task) for task in dict.fromkeys(unknown))
        decision = _with(decision, Verdict.ESCALATE,
                         f"REVISE names tasks that are not in this phase: {named}")
        verdict = Verdict.ESCALATE
    if verdict is Verdict.REVISE:
        named_tasks = list(dict.fromkeys(decision.tasks))
        return Effect(decision, reset_tasks=named_tasks or list(phase_tasks),
                      feedback=feedback_of(decision))
    if verdict is Verdict.ESCALATE:
        return Effect(decision, await_decision=True)
    if human and decision.decided_by != "human":
        return Effect(decision, await_decision=True, conditions=list(decision.conditions))
    return Effect(decision, checkpoint=True, conditions=list(decision.conditions))
