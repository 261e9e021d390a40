"""Plan review: quality warnings for ``orch validate`` (``--strict`` makes them errors).

Placeholder until the review rules land (issue 5)."""

from __future__ import annotations

from orch.domain.plan import Diagnostic, Plan


def review_plan(plan: Plan, known_roles: set[str] | None = None) -> list[Diagnostic]:
    """Quality warnings for ``plan``; ``known_roles`` are the role names configured."""
    return []
