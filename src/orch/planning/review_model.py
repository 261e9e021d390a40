"""The model half of ``orch review``: the checklist items that need judgement.

The model gets the plan with line numbers, the bounded repository context and the checklist,
and must answer through the ``submit_review`` tool (or, from a CLI adapter, one strict JSON
block of the same shape). Its findings join the offline ones; an unreadable reply is an error.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from orch.planning.drafter import ToolClient
from orch.planning.findings import (
    CHECKLIST,
    ChecklistItem,
    Finding,
    Severity,
    Status,
    plan_lines,
)
from orch.planning.structured import read_reply

REVIEW_TOOL: dict[str, Any] = {
    "name": "submit_review",
    "description": "Submit the review of the implementation plan.",
    "input_schema": {
        "type": "object",
        "required": ["findings", "checklist"],
        "properties": {
            "findings": {"type": "array", "items": {
                "type": "object", "required": ["line", "severity", "message"],
                "properties": {
                    "line": {"type": "integer", "description": "1-based plan line"},
                    "severity": {"type": "string", "enum": ["blocking", "warning", "info"]},
                    "rule": {"type": "string", "enum": list(CHECKLIST) + ["risks", "other"]},
                    "message": {"type": "string"},
                    "hint": {"type": "string"},
                }}},
            "checklist": {"type": "array", "items": {
                "type": "object", "required": ["key", "status"],
                "properties": {
                    "key": {"type": "string", "enum": list(CHECKLIST)},
                    "status": {"type": "string", "enum": ["met", "partial", "missing"]},
                    "note": {"type": "string"},
                }}},
        },
    },
}

REVIEW_SYSTEM = """\
You are a principal engineer reviewing an implementation plan before coding agents execute it. \
Review it against this checklist: """ + "; ".join(
    f"{key} ({item})" for key, item in CHECKLIST.items()) + """. Also look for risks without a \
mitigation and assumptions the plan leaves unstated. Report each problem as a finding on the \
plan line it concerns (lines are numbered in the plan you get), with severity `blocking` only \
when running the plan as written would likely produce wrong or unverifiable work. Give every \
checklist item a status. Answer only by calling the submit_review tool."""


class _ModelFinding(BaseModel):
    model_config = ConfigDict(extra="ignore")

    line: int
    severity: Severity
    rule: str = "other"
    message: str = Field(min_length=1)
    hint: str | None = None


class _ModelItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: Literal["service-interactions", "data-flow", "error-scenarios", "testing-strategy",
                 "performance", "architecture-alignment", "reviewable-chunks"]
    status: Status
    note: str = ""


class _ModelReview(BaseModel):
    model_config = ConfigDict(extra="ignore")

    findings: list[_ModelFinding]
    checklist: list[_ModelItem] = Field(min_length=1)
    """At least one verdict: an empty checklist and no findings would be an empty review."""


def model_review(text: str, context: str, client: ToolClient,
                 ) -> tuple[list[Finding], dict[str, ChecklistItem]]:
    """The model's findings (lines clamped to the plan) and checklist verdicts by key."""
    numbered = "\n".join(f"{number:4d}  {line}" for number, line in
                         enumerate(plan_lines(text), 1))
    prompt = (f"# Plan (line-numbered)\n\n{numbered}\n\n# Repository context\n\n{context}\n\n"
              "Review the plan now.")
    reply = client.use_tool(REVIEW_SYSTEM, [{"role": "user", "content": prompt}], REVIEW_TOOL)
    review = read_reply(_ModelReview, reply.arguments, reply.text, what="review")
    last = max(len(plan_lines(text)), 1)
    findings = [Finding(line=min(max(found.line, 1), last), severity=found.severity,
                        rule=f"model:{found.rule}", message=found.message, hint=found.hint)
                for found in review.findings]
    verdicts: dict[str, ChecklistItem] = {
        item.key: ChecklistItem(key=item.key, item=CHECKLIST[item.key], status=item.status,
                                note=item.note)
        for item in review.checklist}
    return findings, verdicts
