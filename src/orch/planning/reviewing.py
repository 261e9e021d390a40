"""One ``orch review`` invocation, without the CLI: read, check, review offline, then by model.

The plan must parse and its task graph must be sound (else :class:`PlanError`, exit 2): a
review of a plan orch cannot read would be noise. The offline rules always apply; with a model
(``ANTHROPIC_API_KEY`` set, no ``--offline``) its judgement of the checklist is added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orch.errors import PlanError
from orch.planning.drafter import (
    AnthropicClient,
    ToolClient,
    model_available,
    model_name,
    planning_meter,
    spent_note,
)
from orch.planning.findings import ChecklistItem, ReviewReport
from orch.planning.output import display_path
from orch.planning.review_rules import offline_checklist, offline_findings


@dataclass
class ReviewRequest:
    """The options of ``orch review``; paths are absolute."""

    project_dir: Path
    plan_path: Path
    offline: bool = False
    max_cost: float | None = None
    """``--max-cost``: the review's model call never passes it."""


def run_review(request: ReviewRequest, *, notice: Callable[[str], None],
               client: ToolClient | None = None) -> ReviewReport:
    """Review the plan ``request`` names; ``notice`` gets one-line remarks."""
    from orch.planfile import load_plan, read_plan_text

    source = display_path(request.plan_path, request.project_dir)
    text = read_plan_text(request.plan_path)
    result = load_plan(request.plan_path, text=text)
    if result.errors:
        first = result.errors[0]
        raise PlanError(f"{source}:{first.line}: {first.message}",
                        hint=f"fix the plan first: orch validate {source}")
    plan = result.plan
    from orch.services.plans import planner_for

    findings = offline_findings(plan, text, planner_for(request.project_dir))
    checklist = offline_checklist(plan, findings)
    reviewer = "offline"
    use_model = not request.offline and (client is not None or model_available())
    if not request.offline and not use_model:
        notice("no model available (ANTHROPIC_API_KEY is not set): offline review only; "
               "pass --offline to skip this message")
    if use_model:
        from orch.config import load_config
        from orch.planning.context import CONFIG_PATH, configured_roles, gather_context
        from orch.planning.review_model import model_review

        config = load_config(request.project_dir / CONFIG_PATH)
        model = model_name(None, config.model)
        context = gather_context(request.project_dir,
                                 roles=configured_roles(request.project_dir, config))
        model_client = client or AnthropicClient(
            model, prices=config.prices,
            meter=planning_meter(config.budgets.run.max_cost_usd, request.max_cost))
        extra, verdicts = model_review(text, context.to_prompt(), model_client)
        findings += extra
        checklist = [_merge(item, verdicts.get(item.key)) for item in checklist]
        reviewer = f"offline + {model}{spent_note(model_client)}"
    return ReviewReport(plan=source, reviewer=reviewer, findings=findings,
                        checklist=checklist).sorted()


def _merge(offline: ChecklistItem, model: ChecklistItem | None) -> ChecklistItem:
    """A rule's ``missing`` stands; otherwise the model's verdict, where it gave one."""
    if model is None or offline.status == "missing":
        return offline
    return model
