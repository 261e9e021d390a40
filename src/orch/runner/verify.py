"""orch's own verification: a task's ``verify`` commands and a phase's ``Gate`` commands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orch.proc import run_shell


@dataclass
class CheckOutcome:
    """The result of running a list of commands until the first failure."""

    ok: bool
    failed_command: str | None = None
    returncode: int | None = None
    tail: str = ""
    timed_out: bool = False
    interrupted: bool = False
    reason: str | None = None
    """Set when the failure is not a command's (e.g. the agent itself failed)."""

    @property
    def error(self) -> str | None:
        if self.ok:
            return None
        if self.reason:
            return self.reason
        if self.interrupted:
            return "interrupted"
        why = "timed out" if self.timed_out else f"exit {self.returncode}"
        return f"verify failed: {self.failed_command} ({why})"


def run_checks(
    commands: list[str], *, cwd: Path, log_path: Path | None, timeout_s: float | None
) -> CheckOutcome:
    """Run each command in order; stop at the first that fails."""
    for command in commands:
        result = run_shell(command, cwd=cwd, log_path=log_path, timeout_s=timeout_s)
        if not result.ok:
            return CheckOutcome(
                ok=False,
                failed_command=command,
                returncode=result.returncode,
                tail=result.tail,
                timed_out=result.timed_out,
                interrupted=result.interrupted,
            )
    return CheckOutcome(ok=True)
