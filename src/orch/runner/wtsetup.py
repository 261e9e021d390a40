"""A parallel task's worktree made ready: config ``worktree: setup:``, and the warning at run
start about ignored files its worktree will lack (docs/parallel.md)."""

from __future__ import annotations

import time
from pathlib import Path

from orch.adapters.base import AgentResult, AgentStatus
from orch.config import OrchConfig
from orch.runner.executor import AttemptOutcome
from orch.runner.verify import CheckOutcome, run_checks
from orch.vcs.provision import Provision, unmentioned_ignored


def provision_of(config: OrchConfig) -> Provision:
    """The ``worktree:`` ``copy`` and ``link`` entries of the config."""
    return Provision(tuple(config.worktree.copy_paths), tuple(config.worktree.link))


def run_setup(command: str, *, cwd: Path, log_path: Path,
              timeout_s: float | None) -> AttemptOutcome | None:
    """Run the setup command in a new worktree; ``None`` when it passed, else the failed
    attempt's outcome, its error naming the command. Its output goes to the task's log."""
    started = time.monotonic()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"\n--- worktree setup: {command} ---\n")
    check = run_checks([command], cwd=cwd, log_path=log_path, timeout_s=timeout_s, kind="setup")
    if check.ok:
        return None
    why = ("interrupted" if check.interrupted else "timed out" if check.timed_out
           else f"exit {check.returncode}")
    error = f"worktree setup `{command}` failed ({why})"
    status = AgentStatus.INTERRUPTED if check.interrupted else AgentStatus.FAILED
    result = AgentResult(status=status, summary=check.tail[-4000:], error=error)
    failed = CheckOutcome(ok=False, failed_command=command, returncode=check.returncode,
                          tail=check.tail[-4000:], timed_out=check.timed_out,
                          interrupted=check.interrupted, reason=error)
    return AttemptOutcome(result, failed, round(time.monotonic() - started, 3))


def missing_ignored_warning(project_dir: Path, config: OrchConfig) -> str | None:
    """One line naming the common ignored paths (``.env``, ``node_modules``, ``.venv``,
    ``venv``) the project has and the ``worktree:`` config does not carry into worktrees."""
    missing = unmentioned_ignored(project_dir, provision_of(config))
    if not missing:
        return None
    return (f"parallel tasks run in git worktrees, which lack the ignored {', '.join(missing)} "
            "of your tree; hint: list what tasks need under `worktree: copy:` or "
            "`worktree: link:` in .specify/orch/config.yaml (docs/parallel.md)")
