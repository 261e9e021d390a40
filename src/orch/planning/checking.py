"""The same checks ``orch validate`` makes, applied to a draft before it is ever written."""

from __future__ import annotations

from dataclasses import dataclass, field

from orch.config import OrchConfig
from orch.domain.plan import Diagnostic, Plan
from orch.parsing.review import review_plan
from orch.runner.plancheck import CheckPlanner, check_findings

CANNOT_FAIL = "cannot fail"
"""The words of the review finding for a check that cannot fail (parsing/review.py)."""


@dataclass
class Checked:
    """A draft's parsed plan with its errors (blocking) and warnings (parse + review)."""

    text: str
    plan: Plan
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_text(text: str, source: str, known_roles: set[str] | None = None) -> Checked:
    """Parse ``text`` with orch's parser, check its task graph, and review it.

    A draft with no task at all is an error too: there would be nothing to run. So is a check
    that cannot fail (docs/verification.md: ``orch plan`` never writes one), which ``orch
    validate`` only warns about: the repair loop sends it back to the model.
    """
    from orch.domain.graph import check_plan
    from orch.parsing.markdown import parse_plan

    result = parse_plan(text, source)
    diagnostics = [*result.errors, *result.warnings]
    if result.plan.phases:
        diagnostics += check_plan(result.plan)
    errors = _unique([item for item in diagnostics if item.severity == "error"])
    warnings = _unique([item for item in diagnostics if item.severity == "warning"])
    if not result.plan.tasks():
        errors.append(Diagnostic(
            line=1,
            message="the plan holds no tasks; write phases (`## Phase 1: Title`) with task "
                    "lines (`- [ ] T001 Title`) under them",
        ))
    checks = check_findings(result.plan, CheckPlanner(OrchConfig(), None))
    for item in [*review_plan(result.plan, known_roles), *checks.unverified]:
        if CANNOT_FAIL in item.message:
            errors.append(item.model_copy(update={"severity": "error"}))
        else:
            warnings.append(item)
    errors.sort(key=lambda item: item.line)
    return Checked(text=text, plan=result.plan, errors=errors, warnings=warnings)


def format_diagnostics(source: str, items: list[Diagnostic]) -> str:
    """``source:line: severity: message`` lines, as ``orch validate`` prints them."""
    return "\n".join(f"{source}:{item.line}: {item.severity}: {item.message}" for item in items)


def _unique(items: list[Diagnostic]) -> list[Diagnostic]:
    seen: dict[tuple[int, str], Diagnostic] = {}
    for item in items:
        seen.setdefault((item.line, item.message), item)
    return sorted(seen.values(), key=lambda item: item.line)
