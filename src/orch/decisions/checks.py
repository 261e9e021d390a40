"""Run a phase's ``**Target**`` commands, compare the numbers they print (docs/decisions.md)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from orch.domain.plan import Target
from orch.proc import run_shell

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


class TargetResult(BaseModel):
    """One target's outcome: the number measured (None when none was printed) and whether met."""

    name: str
    op: str
    bound: float
    command: str
    value: float | None = None
    met: bool = False
    error: str | None = None


def last_number(output: str) -> float | None:
    """The last number printed: a benchmark's summary line comes last."""
    found = _NUMBER.findall(output)
    return float(found[-1]) if found else None


def run_target(target: Target, cwd: Path, log_path: Path | None = None) -> TargetResult:
    """Run the target's command and compare the last number it printed with the bound."""
    result = run_shell(target.command, cwd=cwd, log_path=log_path)
    base = TargetResult(name=target.name, op=target.op, bound=target.bound, command=target.command)
    if not result.ok:
        return base.model_copy(update={"error": f"exit {result.returncode}: {result.tail[-200:]}"})
    value = last_number(result.tail)
    if value is None:
        return base.model_copy(update={"error": "the command printed no number"})
    return base.model_copy(update={"value": value, "met": target.met(value)})
