"""Task metadata bullets (``- verify: `cmd```) and phase metadata lines (``**Gate**: `cmd```)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEY_VALUE = re.compile(
    r"^\s*(?:\*\*|__)?\s*([A-Za-z][A-Za-z _-]{0,20}?)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$",
    re.DOTALL,
)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)

TASK_KEYS = {
    "agent": "agent",
    "role": "agent",
    "verify": "verify",
    "verification": "verify",
    "files": "files",
    "file": "files",
    "timeout": "timeout",
    "retries": "retries",
    "retry": "retries",
    "estimate": "estimate",
    "priority": "priority",
    "strict": "strict",
    "depends": "depends",
    "depends on": "depends",
    "depends_on": "depends",
    "dependencies": "depends",
    "deps": "depends",
    "after": "depends",
}
"""Metadata keys a nested task bullet may use, mapped to their canonical name."""

PHASE_KEYS = {
    "gate": "gate",
    "gates": "gate",
    "agent": "agent",
    "purpose": "description",
    "goal": "description",
    "checkpoint": "description",
    "target": "target",
    "targets": "target",
    "review": "review",
    "reviewer": "review",
    "approve": "approve",
    "approval": "approve",
}
"""Phase metadata keys (bold or plain) mapped to their canonical name."""


@dataclass(slots=True)
class Field:
    """One ``key: value`` pair found in the plan."""

    key: str
    value: str
    line: int


def key_value(text: str, keys: dict[str, str], line: int) -> Field | None:
    """``key: value`` when ``text`` starts with one of ``keys`` (case-insensitive), else None."""
    match = _KEY_VALUE.match(text)
    if match is None:
        return None
    key = keys.get(" ".join(match.group(1).lower().replace("-", " ").split()))
    if key is None:
        return None
    value = match.group(2).strip()
    if value.endswith(("**", "__")):
        value = value[:-2].rstrip()
    return Field(key, value, line)


def commands(value: str) -> list[str]:
    """The code spans of ``value``, or the whole value when it has none."""
    spans = [span.strip() for _, span in _CODE_SPAN.findall(value) if span.strip()]
    if spans:
        return spans
    value = value.strip()
    return [value] if value else []


def plain(value: str) -> str:
    """``value`` without backticks around it."""
    spans = commands(value)
    return spans[0] if len(spans) == 1 else value.strip().strip("`").strip()


def split_list(value: str) -> list[str]:
    """``a, b`` / ```a`, `b``` -> ``["a", "b"]``."""
    items = [plain(part) for part in re.split(r"[,;]", value)]
    return [item for item in items if item]


def phase_fields(text: str, line: int) -> list[Field]:
    """Phase metadata in a paragraph, one field per source line that starts with a key."""
    fields: list[Field] = []
    for offset, source_line in enumerate(text.split("\n")):
        found = key_value(source_line, PHASE_KEYS, line + offset)
        if found is not None:
            fields.append(found)
        elif fields and fields[-1].key == "description" and source_line.strip():
            last = fields[-1]
            fields[-1] = Field(last.key, f"{last.value} {source_line.strip()}", last.line)
    return fields
