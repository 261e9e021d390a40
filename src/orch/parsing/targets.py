"""``**Target**: name < number: `cmd``` lines: a command printing a number (docs/decisions.md)."""

from __future__ import annotations

import re

from orch.domain.plan import Target
from orch.parsing.metadata import commands

_TARGET = re.compile(
    r"^\s*`?(?P<name>[A-Za-z_][\w.\-]*)`?\s*(?P<op><=|>=|<|>)\s*(?P<bound>-?\d+(?:\.\d+)?)\s*"
    r"(?::|—|-|,)?\s*(?P<rest>.*)$",
    re.DOTALL,
)

TARGET_HINT = "write a target as **Target**: p95_ms < 50: `python bench.py --p95`"


def parse_target(value: str) -> Target | None:
    """The target of a ``**Target**`` value, or None when it does not have that shape."""
    match = _TARGET.match(value)
    if match is None:
        return None
    found = commands(match.group("rest"))
    if len(found) != 1:
        return None
    return Target.model_construct(
        name=match.group("name"),
        op=match.group("op"),
        bound=float(match.group("bound")),
        command=found[0],
    )
