"""One ``orch plan`` invocation, without the CLI: choose the mode, draft, check, write.

The order matters for safety and cost: the target is checked for overwriting *before* any model
call, and nothing is written at the target unless the draft passed the same checks
``orch validate`` makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from orch.adapters.roles import known_role_names
from orch.config import OrchConfig, load_config
from orch.errors import BudgetExceededError, ConfigError, UsageError
from orch.planning.checking import Checked, check_text
from orch.planning.context import CONFIG_PATH, configured_roles, gather_context
from orch.planning.drafter import (
    AnthropicClient,
    DraftError,
    ModelClient,
    ToolClient,
    draft_with_model,
    model_available,
    model_name,
    planning_meter,
    spent_note,
)
from orch.planning.output import (
    default_target,
    display_path,
    ensure_writable,
    save_failed_draft,
    summary_lines,
    write_plan,
)
from orch.planning.questions import (
    Answer,
    Question,
    add_assumptions,
    answers_prompt,
    model_questions,
)


class AnyClient(ModelClient, ToolClient, Protocol):
    """A model that drafts in text and asks its questions through a tool."""


@dataclass
class PlanRequest:
    """The options of ``orch plan``; paths are absolute."""

    project_dir: Path
    goal: str = ""
    spec_path: Path | None = None
    target: Path | None = None
    agent: str | None = None
    offline: bool = False
    force: bool = False
    ask: bool | None = None
    """``--ask`` (True), ``--no-ask`` (False), or neither: ask when on a terminal with a model."""
    yes: bool = False
    """``--yes``: take every question's default answer."""
    max_cost: float | None = None
    """``--max-cost``: the model calls of this plan together never pass it."""
    interactive: bool = False
    """Whether stdin is a terminal."""


Asker = Callable[[int, int, Question], str]
"""Asks question ``n`` of ``total`` and returns the typed answer ("" for the default)."""


@dataclass
class PlanReport:
    """What was written and how, for the CLI to print."""

    target: Path
    how: str
    summary: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def run_plan(
    request: PlanRequest,
    *,
    notice: Callable[[str], None],
    client: AnyClient | None = None,
    asker: Asker | None = None,
) -> PlanReport:
    """Draft and write the plan ``request`` asks for; ``notice`` gets one-line remarks
    (e.g. that no model is available). Raises an ``OrchError`` on every refusal or failure."""
    project_dir = request.project_dir
    config = load_config(project_dir / CONFIG_PATH)
    roles = configured_roles(project_dir, config)
    known_roles = known_role_names(config, project_dir)
    if request.agent and request.agent not in known_roles:
        raise ConfigError(
            f"unknown agent role {request.agent!r}",
            hint=f"known roles: {', '.join(sorted(known_roles))}",
        )
    spec = request.spec_path
    if spec is not None and not spec.is_file():
        raise UsageError(f"{spec}: no such spec file", hint="pass the path of a spec.md")
    target = request.target or default_target(project_dir, request.goal or "plan", spec)
    source = display_path(target, project_dir)
    ensure_writable(target, force=request.force, shown=source)

    use_model = not request.offline and (client is not None or model_available())
    if not request.offline and not use_model:
        notice("no model available (ANTHROPIC_API_KEY is not set): drafting the plan offline; "
               "pass --offline to skip this message")
    if use_model:
        checked, how = _model_draft(request, config, roles, known_roles, target, client,
                                    _Clarifier(request, notice, asker))
    else:
        checked, how = _offline_draft(request, roles, known_roles, source,
                                      _Clarifier(request, notice, asker))
    if not checked.ok:
        draft, errors = save_failed_draft(target, checked.text, checked.errors, source,
                                          project_dir)
        raise DraftError(
            f"the drafted plan does not validate ({len(checked.errors)} error(s)); "
            f"nothing written at {source}",
            hint=f"the draft is in {display_path(draft, project_dir)}, its errors in "
                 f"{display_path(errors, project_dir)}; fix it and move it to {source}, "
                 "or run orch plan again",
        )
    write_plan(target, checked.text)
    warnings = [f"{source}:{item.line}: {item.message}" for item in checked.warnings]
    return PlanReport(target=target, how=how, summary=summary_lines(checked.plan),
                      warnings=warnings)


@dataclass
class _Clarifier:
    """Asks the clarifying questions, or takes their defaults, as the request says."""

    request: PlanRequest
    notice: Callable[[str], None]
    asker: Asker | None

    def wanted(self, use_model: bool) -> bool:
        """Whether questions are part of this run at all."""
        return self.request.ask is True or (self.request.ask is None and use_model)

    def answer(self, questions: list[Question], *, use_model: bool) -> list[Answer]:
        request = self.request
        asking = (self.asker is not None and not request.yes
                  and (request.ask is True or (use_model and request.interactive)))
        answers: list[Answer] = []
        for number, question in enumerate(questions, 1):
            typed = self.asker(number, len(questions), question).strip() if (
                asking and self.asker is not None) else ""
            answers.append(Answer(question=question, answer=typed or question.default,
                                  defaulted=not typed))
        if questions and not asking and self.wanted(use_model):
            why = "--yes" if request.yes else "no terminal"
            self.notice(f"{why}: took the default answer to {len(questions)} clarifying "
                        "question(s); they are written under ## Assumptions")
        return answers


def _offline_draft(request: PlanRequest, roles: dict[str, str], known_roles: set[str],
                   source: str, clarifier: _Clarifier) -> tuple[Checked, str]:
    from orch.planning.offline import choose_pattern, draft_offline
    from orch.planning.questions import offline_questions
    from orch.planning.render import render_plan
    from orch.planning.speckit import parse_spec, plan_from_spec
    from orch.planning.tooling import detect_tooling

    tooling = detect_tooling(request.project_dir)
    if request.spec_path is not None:
        spec = parse_spec(request.spec_path.read_text(encoding="utf-8", errors="replace"))
        plan = plan_from_spec(spec, tooling,
                              spec_path=display_path(request.spec_path, request.project_dir),
                              roles=roles, default_agent=request.agent)
        how = f"offline, from {len(spec.stories)} user stories"
    else:
        pattern = choose_pattern(request.goal)
        answers = None
        if clarifier.wanted(use_model=False):
            answers = clarifier.answer(offline_questions(pattern), use_model=False)
        plan = draft_offline(request.goal, tooling, roles=roles, default_agent=request.agent,
                             pattern=pattern, answers=answers)
        how = f"offline, pattern: {pattern}"
    return check_text(render_plan(plan), source, known_roles), how


def _model_draft(request: PlanRequest, config: OrchConfig, roles: dict[str, str],
                 known_roles: set[str], target: Path, client: AnyClient | None,
                 clarifier: _Clarifier) -> tuple[Checked, str]:
    source = display_path(target, request.project_dir)
    role_model = config.agents[request.agent].model if request.agent in config.agents else None
    model = model_name(role_model, config.model)
    context = gather_context(request.project_dir, spec_path=request.spec_path, roles=roles)
    goal = request.goal or f"Implement the feature specified in {context.spec_path}."
    model_client = client or AnthropicClient(
        model, prices=config.prices,
        meter=planning_meter(config.budgets.run.max_cost_usd, request.max_cost))
    answers: list[Answer] = []
    if clarifier.wanted(use_model=True):
        questions = model_questions(goal, context.to_prompt(), model_client)
        answers = clarifier.answer(questions, use_model=True)
    outcome = draft_with_model(goal, context.to_prompt(), model_client,
                               source=source, known_roles=known_roles,
                               default_agent=request.agent,
                               clarified=answers_prompt(answers) if answers else "")
    if outcome.stopped is not None:  # the cap stopped the repairs: keep the paid-for draft
        draft, errors = save_failed_draft(target, outcome.text, outcome.errors, source,
                                          request.project_dir)
        shown = display_path(draft, request.project_dir)
        raise BudgetExceededError(
            outcome.stopped.message,
            hint=f"the last draft is in {shown}, its errors in "
                 f"{display_path(errors, request.project_dir)}; raise --max-cost and run "
                 "orch plan again, or fix the draft by hand")
    repairs = outcome.requests - 1
    how = (f"drafted by {model}" + (f", {repairs} repair round(s)" if repairs else "")
           + spent_note(model_client))
    checked = outcome.checked
    if checked.ok and answers:
        checked = check_text(add_assumptions(checked.text, answers), source, known_roles)
    return checked, how
