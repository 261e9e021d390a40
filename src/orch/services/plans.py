"""Plan files as the commands see them: checked, validated, and which plan a project means."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from orch.errors import OrchError, PlanError

if TYPE_CHECKING:
    from orch.domain.plan import ParseResult
    from orch.runner.plancheck import CheckPlanner


def check(
    plan_path: Path, *, strict: bool, review: bool, project_dir: Path | None = None,
    text: str | None = None,
) -> ParseResult:
    """:func:`checked`'s result alone."""
    return checked(plan_path, strict=strict, review=review, project_dir=project_dir,
                   text=text)[0]


def checked(
    plan_path: Path, *, strict: bool, review: bool, project_dir: Path | None = None,
    text: str | None = None,
) -> tuple[ParseResult, CheckPlanner | None]:
    """Load ``plan_path``, run the graph checks and (with ``review``) the plan review.

    With ``project_dir``, every ``agent:`` must name a known role or adapter (an error: a run
    must never discover that mid-way; the config is read only when the plan names one), and the
    review warns about ``agent:`` values that name
    an adapter rather than a configured role. Review findings are warnings, or errors with
    ``strict``. The check findings come from the run's own derivation
    (:func:`orch.runner.plancheck.check_findings`): with ``strict`` only a task the run would
    leave unverified is an error; what the run will check is a warning, never an error. Read
    problems raise PlanError; an invalid config raises ConfigError. ``text`` is the plan's text
    when the caller has read it already (:func:`read_project_plan`). Also returns the
    :func:`planner_for` ``project_dir`` the review used (``None`` without a review), so a
    caller that shows each task's checks does not detect the project's tooling again.
    """
    from orch.planfile import load_plan

    result = load_plan(plan_path, strict=strict, text=text)
    configured: set[str] | None = None
    planner: CheckPlanner | None = None
    # Only a named agent needs the roles; a plan naming none skips loading them (and YAML).
    named = any(p.agent for p in result.plan.phases) or any(t.agent for t in result.plan.tasks())
    if project_dir is not None and named:
        from orch.adapters.roles import configured_roles, role_diagnostics
        from orch.config import load_config
        from orch.store.layout import Layout

        config = load_config(Layout(project_dir).config)
        result.errors.extend(role_diagnostics(result.plan, config, project_dir))
        configured = set(configured_roles(config, project_dir))
    if review and result.plan.phases:
        from orch.parsing.review import review_plan
        from orch.runner.plancheck import check_findings

        unknown_lines = {d.line for d in result.errors}
        planner = planner_for(project_dir)
        checks = check_findings(result.plan, planner)
        for found in [*review_plan(result.plan, configured), *checks.unverified]:
            if found.line in unknown_lines and "agent" in found.message:
                continue  # already an error above
            severity = "error" if strict else "warning"
            moved = found.model_copy(update={"severity": severity})
            (result.errors if strict else result.warnings).append(moved)
        result.warnings.extend(checks.notes)  # what the run will do: never an error
    result.errors.sort(key=lambda d: d.line)
    result.warnings.sort(key=lambda d: d.line)
    return result, planner


def read_project_plan(project_dir: Path, path: str) -> tuple[Path, str]:
    """The plan a client names by a project-relative ``path``, and its text: confined to the
    project (no absolute path, no ``..``, symlinks resolved), a regular file (a FIFO is
    refused, never waited on), at most :data:`~orch.planfile.MAX_PLAN_BYTES`. A PlanError
    otherwise."""
    from orch.planfile import read_plan_text

    root = project_dir.resolve()
    if "\0" in path:
        raise PlanError("the path holds a NUL byte", hint="name a plan file in the project")
    given = Path(path)
    if given.is_absolute() or ".." in given.parts:
        raise PlanError(f"{path}: outside the project",
                        hint="name the plan by its path relative to the project")
    plan = project_dir / given
    try:
        if not plan.resolve().is_relative_to(root):
            raise PlanError(f"{path}: outside the project (a link out of it)",
                            hint="name a plan file inside the project")
        return plan, read_plan_text(plan, within=root)
    except OSError as exc:  # a name too long
        raise PlanError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except RuntimeError:  # pathlib's word for a loop of symbolic links
        raise PlanError(f"{path}: a loop of symbolic links") from None


def planner_for(project_dir: Path | None) -> CheckPlanner:
    """The checks a run in ``project_dir`` would make (its config, its detected test command);
    with no project, the defaults and no automatic gate."""
    from orch.config import OrchConfig, load_config
    from orch.runner.plancheck import CheckPlanner
    from orch.store.layout import Layout

    if project_dir is None:
        return CheckPlanner(OrchConfig(), None)
    return CheckPlanner.for_project(load_config(Layout(project_dir).config), project_dir)


def validation_document(result: ParseResult, source: str,
                        planner: CheckPlanner | None = None) -> dict[str, Any]:
    """What ``orch validate --json`` and the ``plan_validate`` tool return (docs/plan-format.md).

    With ``planner``, each phase carries its ``gate`` and each task its ``checks`` and whether
    the run would verify it (``checked``), as the run derives them."""
    from orch.domain.graph import execution_order
    from orch.parsing.report import plan_summary

    summary = plan_summary(result, execution_order(result.plan))
    summary["source"] = source
    if planner is not None:
        for phase, shown in zip(result.plan.phases, summary["phases"], strict=True):
            gate = planner.gate(phase)
            shown["gate"] = {"kind": gate.kind, "commands": gate.commands}
            for task, row in zip(phase.tasks, shown["tasks"], strict=True):
                checks = planner.checks(task, phase)
                row["checks"] = checks.describe()
                row["checked"] = checks.any
    return summary


def project_plan(project_dir: Path, explicit: Path | None = None) -> Path:
    """The plan a project-level command works on: ``explicit`` (relative to the project), else
    the plan of the latest run when that file still exists, else the plan ``orch run`` with no
    PLAN picks (:func:`orch.discovery.find_default_plan`)."""
    from orch.discovery import find_default_plan
    from orch.store.layout import Layout
    from orch.store.runs import current_run_id, load_run

    if explicit is not None:
        return explicit if explicit.is_absolute() else project_dir / explicit
    layout = Layout(project_dir)
    run_id = current_run_id(layout)
    if run_id is not None:
        try:
            candidate = project_dir / load_run(layout, run_id).plan_path
        except OrchError:
            candidate = None
        if candidate is not None and candidate.exists():  # a file, or a .claudio tree
            return candidate
    return find_default_plan(project_dir)[0]
