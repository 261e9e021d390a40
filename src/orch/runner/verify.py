"""orch's own verification: a task's ``verify`` commands and a phase's gate commands.

Every command runs under ``bash -e -o pipefail``, so ``cmd | tail`` fails when ``cmd`` does. Each
one leaves a :class:`~orch.domain.state.CheckRecord`: its exit code, duration and the sha256 of
its (redacted) output, which also goes to the task's log.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from orch.domain.events import CheckRecord
from orch.proc import run_argv


@dataclass
class CheckOutcome:
    """The result of running a list of checks until the first failure."""

    ok: bool
    failed_command: str | None = None
    returncode: int | None = None
    tail: str = ""
    timed_out: bool = False
    interrupted: bool = False
    reason: str | None = None
    """Set when the failure is not a command's (e.g. the agent itself failed)."""
    evidence: list[CheckRecord] = field(default_factory=list)

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
    commands: list[str],
    *,
    cwd: Path,
    log_path: Path | None,
    timeout_s: float | None,
    kind: str = "verify",
    ok_codes: frozenset[int] = frozenset({0}),
) -> CheckOutcome:
    """Run each command in order; stop at the first that fails."""
    evidence: list[CheckRecord] = []
    for command in commands:
        record, tail, timed_out, interrupted = run_check(
            command, cwd=cwd, log_path=log_path, timeout_s=timeout_s, kind=kind,
            ok_codes=ok_codes,
        )
        evidence.append(record)
        if not record.ok:
            return CheckOutcome(
                ok=False,
                failed_command=command,
                returncode=record.exit_code,
                tail=tail,
                timed_out=timed_out,
                interrupted=interrupted,
                evidence=evidence,
            )
    return CheckOutcome(ok=True, evidence=evidence)


def run_check(
    command: str,
    *,
    cwd: Path,
    log_path: Path | None,
    timeout_s: float | None,
    kind: str,
    ok_codes: frozenset[int] = frozenset({0}),
) -> tuple[CheckRecord, str, bool, bool]:
    """Run one check; its record, output tail, and whether it timed out or was interrupted."""
    with tempfile.TemporaryDirectory(prefix="orch-check-") as tmp:
        own_log = Path(tmp) / "out.log"
        result = run_argv(["bash", "-e", "-o", "pipefail", "-c", command], cwd=cwd,
                          log_path=own_log, timeout_s=timeout_s, display=command)
        output = own_log.read_bytes() if own_log.exists() else b""
    if log_path is not None:
        with open(log_path, "ab") as log:
            log.write(output)
    ok = (result.returncode in ok_codes and not result.timed_out
          and not result.interrupted)
    record = CheckRecord(
        kind=kind,
        command=command,
        exit_code=result.returncode,
        duration_s=round(result.duration_s, 3),
        output_sha256=hashlib.sha256(output).hexdigest(),
        ok=ok,
    )
    return record, result.tail, result.timed_out, result.interrupted
