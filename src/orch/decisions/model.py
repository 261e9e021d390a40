"""The structured decision a reviewer returns, and its strict reading (docs/decisions.md).

A review that cannot be read is never an approval: :func:`read_decision` turns it into an
``ESCALATE`` decision carrying the reason.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Verdict(StrEnum):
    """The four decisions of the seed matrix."""

    APPROVE = "APPROVE"
    CONDITIONAL = "CONDITIONAL"
    REVISE = "REVISE"
    ESCALATE = "ESCALATE"


class Criterion(BaseModel):
    """One acceptance criterion judged met or not, with the evidence for it."""

    model_config = ConfigDict(extra="forbid")

    criterion: str
    met: bool
    evidence: str = ""


class Issue(BaseModel):
    """A problem the reviewer found."""

    model_config = ConfigDict(extra="forbid")

    severity: Literal["critical", "high", "medium", "low"]
    description: str
    task: str | None = None


class Decision(BaseModel):
    """A phase decision: what was decided, by whom, and what goes to the next phase."""

    model_config = ConfigDict(extra="forbid")

    decision: Verdict
    criteria: list[Criterion] = Field(default_factory=list)
    issues: list[Issue] = Field(default_factory=list)
    recommendations: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    """For CONDITIONAL: what the next phases must honour."""
    tasks: list[str] = Field(default_factory=list)
    """For REVISE: the tasks to re-run; empty means every task of the phase."""
    next_phase_context: str = ""
    reason: str = ""
    decided_by: str = "reviewer"


DECISION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "decision": {"type": "string", "enum": [v.value for v in Verdict]},
        "criteria": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "criterion": {"type": "string"},
                    "met": {"type": "boolean"},
                    "evidence": {"type": "string"},
                },
                "required": ["criterion", "met"],
            },
        },
        "issues": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "severity": {"type": "string", "enum": ["critical", "high", "medium", "low"]},
                    "description": {"type": "string"},
                    "task": {"type": "string"},
                },
                "required": ["severity", "description"],
            },
        },
        "recommendations": {"type": "array", "items": {"type": "string"}},
        "conditions": {"type": "array", "items": {"type": "string"}},
        "tasks": {"type": "array", "items": {"type": "string"}},
        "next_phase_context": {"type": "string"},
        "reason": {"type": "string"},
    },
    "required": ["decision"],
}
"""The ``submit_decision`` tool's input schema, also shown to CLI reviewers."""

_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL)


def escalate(reason: str, decided_by: str = "orch") -> Decision:
    """An ESCALATE decision with ``reason``: what an unreadable review becomes."""
    return Decision(decision=Verdict.ESCALATE, reason=reason, decided_by=decided_by)


def decision_from_dict(data: object, decided_by: str = "reviewer") -> Decision:
    """Validate a decision object strictly; ESCALATE with the reason when it does not fit."""
    if not isinstance(data, dict):
        return escalate(f"unreadable review: expected a JSON object, got {type(data).__name__}")
    try:
        found = Decision.model_validate({**data, "decided_by": decided_by})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "decision"
        return escalate(f"unreadable review: {where}: {first['msg']}")
    if found.decision is Verdict.CONDITIONAL and not found.conditions:
        return escalate("unreadable review: CONDITIONAL without conditions")
    return found


def read_decision(text: str, decided_by: str = "reviewer") -> Decision:
    """The decision in a CLI reviewer's output: exactly one JSON block, strictly validated.

    The block is a fenced ```json block, or the whole output when it is one JSON object.
    Zero or several blocks, bad JSON or a bad shape: ESCALATE with the reason.
    """
    blocks = _FENCE.findall(text)
    if not blocks and text.strip().startswith("{"):
        blocks = [text.strip()]
    if len(blocks) != 1:
        how = "no" if not blocks else f"{len(blocks)}"
        return escalate(f"unreadable review: {how} JSON decision blocks in the output (need one)")
    try:
        data = json.loads(blocks[0], object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        return escalate(f"unreadable review: invalid JSON: {exc.msg} at line {exc.lineno}")
    except DuplicateKey as exc:
        return escalate(f"unreadable review: the key {exc.key!r} appears twice in one object")
    return decision_from_dict(data, decided_by)


class DuplicateKey(ValueError):
    """A JSON object names the same key twice: which value was meant cannot be known."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found
