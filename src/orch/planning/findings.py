"""What ``orch review`` reports: findings with a plan line and a severity, and the checklist.

A finding is ``blocking`` (the plan should not run as written: exit 1), a ``warning`` (worth
fixing) or ``info``. The checklist is the planning seed's: each item is ``met``, ``missing``,
``partial`` or ``unknown`` (the offline review cannot judge it; a model review can).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

Severity = Literal["blocking", "warning", "info"]
Status = Literal["met", "partial", "missing", "unknown"]
SEVERITY_ORDER = {"blocking": 0, "warning": 1, "info": 2}
FOLD_AFTER = 3

CHECKLIST: dict[str, str] = {
    "service-interactions": "All service interactions defined",
    "data-flow": "Data flow clear",
    "error-scenarios": "Error scenarios addressed",
    "testing-strategy": "Testing strategy outlined",
    "performance": "Performance considered",
    "architecture-alignment": "Alignment with the existing architecture verified",
    "reviewable-chunks": "Work broken into reviewable chunks",
}
"""Checklist key -> the item as a drafted plan's ``## Quality checklist`` writes it."""


_NEWLINE = re.compile(r"\r\n?|\n")


def plan_lines(text: str) -> list[str]:
    """``text`` split into lines as the plan parser numbers them (markdown-it ends a line at
    ``\n``, ``\r\n`` or ``\r`` only; ``str.splitlines`` also splits at U+2028, form feeds
    and more, which would shift every later finding's line)."""
    return _NEWLINE.split(text.removesuffix("\n").removesuffix("\r"))


class Finding(BaseModel):
    """One problem in the plan, anchored to a 1-based line of the plan file."""

    line: int
    severity: Severity
    rule: str
    message: str
    hint: str | None = None


class ChecklistItem(BaseModel):
    """One checklist item's verdict."""

    key: str
    item: str
    status: Status
    note: str = ""


class ReviewReport(BaseModel):
    """A whole review: the plan reviewed, by whom, its findings and the checklist."""

    plan: str
    reviewer: str
    """``offline``, or ``offline + <model>`` when a model reviewed it too."""
    findings: list[Finding] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=list)

    @property
    def blocking(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "blocking")

    def sorted(self) -> ReviewReport:
        """The same report with findings in line order, most severe first on a line."""
        def key(f: Finding) -> tuple[int, int, str, str]:
            return (f.line, SEVERITY_ORDER[f.severity], f.rule, f.message)

        return self.model_copy(update={"findings": sorted(self.findings, key=key)})

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` document."""
        counts = {name: sum(1 for f in self.findings if f.severity == name)
                  for name in SEVERITY_ORDER}
        return {"ok": self.blocking == 0, "plan": self.plan, "reviewer": self.reviewer,
                "counts": counts,
                "findings": [finding.model_dump() for finding in self.findings],
                "checklist": [item.model_dump() for item in self.checklist]}

    def to_text(self) -> list[str]:
        """Human lines: ``plan.md:12: blocking: …`` per finding, then the checklist."""
        lines = self._finding_lines()
        lines.append("checklist:")
        marks = {"met": "x", "partial": "~", "missing": " ", "unknown": "?"}
        for item in self.checklist:
            note = f" \u2014 {item.note}" if item.note else ""
            lines.append(f"  [{marks[item.status]}] {item.item}{note}")
        counts = ", ".join(f"{sum(1 for f in self.findings if f.severity == name)} {name}"
                           for name in SEVERITY_ORDER)
        verdict = "blocking findings" if self.blocking else "no blocking findings"
        lines.append(f"{len(self.findings)} findings ({counts}): {verdict}")
        return lines

    def _finding_lines(self) -> list[str]:
        """One line per finding; past :data:`FOLD_AFTER` of one rule and severity, the rest
        fold into one line naming their plan lines (``--json`` lists every one)."""
        groups: dict[tuple[str, str], list[Finding]] = {}
        for finding in self.findings:
            groups.setdefault((finding.rule, finding.severity), []).append(finding)
        lines: list[str] = []
        for finding in self.findings:
            group = groups[(finding.rule, finding.severity)]
            index = next(at for at, item in enumerate(group) if item is finding)
            if index < FOLD_AFTER or len(group) == FOLD_AFTER + 1:
                hint = f" (hint: {finding.hint})" if finding.hint else ""
                lines.append(f"{self.plan}:{finding.line}: {finding.severity}: "
                             f"{finding.message}{hint}")
            elif index == FOLD_AFTER:
                rest = group[FOLD_AFTER:]
                shown = ", ".join(str(item.line) for item in rest[:10])
                more = ", …" if len(rest) > 10 else ""
                lines.append(f"{self.plan}:{finding.line}: {finding.severity}: {len(rest)} more "
                             f"like the above ({finding.rule}) at lines {shown}{more}")
        return lines
