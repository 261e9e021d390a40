"""One ``orch plan`` invocation, without the CLI: choose the mode, draft, check, write.

The order matters for safety and cost: the target is checked for overwriting *before* any model
call, and nothing is written at the target unless the draft passed the same checks
``orch validate`` makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orch.adapters.roles import known_role_names
from orch.config import OrchConfig, load_config
from orch.errors import ConfigError, UsageError
from orch.planning.checking import Checked, check_text
from orch.planning.context import CONFIG_PATH, configured_roles, gather_context
from orch.planning.drafter import (
    AnthropicClient,
    DraftError,
    ModelClient,
    draft_with_model,
    model_available,
    model_name,
)
from orch.planning.output import (
    default_target,
    display_path,
    ensure_writable,
    save_failed_draft,
    summary_lines,
    write_plan,
)


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
    client: ModelClient | None = None,
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
        checked, how = _model_draft(request, config, roles, known_roles, source, client)
    else:
        checked, how = _offline_draft(request, roles, known_roles, source)
    if not checked.ok:
        draft, errors = save_failed_draft(target, checked.text, checked.errors, source)
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


def _offline_draft(request: PlanRequest, roles: dict[str, str], known_roles: set[str],
                   source: str) -> tuple[Checked, str]:
    from orch.planning.offline import choose_pattern, draft_offline
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
        plan = draft_offline(request.goal, tooling, roles=roles, default_agent=request.agent,
                             pattern=pattern)
        how = f"offline, pattern: {pattern}"
    return check_text(render_plan(plan), source, known_roles), how


def _model_draft(request: PlanRequest, config: OrchConfig, roles: dict[str, str],
                 known_roles: set[str], source: str,
                 client: ModelClient | None) -> tuple[Checked, str]:
    role_model = config.agents[request.agent].model if request.agent in config.agents else None
    model = model_name(role_model, config.model)
    context = gather_context(request.project_dir, spec_path=request.spec_path, roles=roles)
    goal = request.goal or f"Implement the feature specified in {context.spec_path}."
    outcome = draft_with_model(goal, context.to_prompt(), client or AnthropicClient(model),
                               source=source, known_roles=known_roles,
                               default_agent=request.agent)
    repairs = outcome.requests - 1
    how = f"drafted by {model}" + (f", {repairs} repair round(s)" if repairs else "")
    return outcome.checked, how
