"""Shared by `orch run` and `orch resume` (imported lazily): reporter choice, exit codes."""

from __future__ import annotations

import sys

import typer

from orch.cli.common import error_line
from orch.domain.status import RunStatus
from orch.reporting.base import Reporter
from orch.reporting.factory import make_reporter
from orch.reporting.summary import next_step_hint
from orch.runner.session import ReporterFactory, RunOutcome
from orch.store.layout import Layout

EXIT_BY_STATUS: dict[RunStatus, int] = {
    RunStatus.COMPLETED: 0, RunStatus.FAILED: 1, RunStatus.BUDGET_EXCEEDED: 3,
    RunStatus.INTERRUPTED: 130, RunStatus.AWAITING_DECISION: 4}
"""The exit code of a run that ended in each state (docs/state.md); any other state exits 1."""


def make_reporter_factory(json_output: bool) -> ReporterFactory:
    """A factory the session calls once the run id is known."""

    def factory(layout: Layout, run_id: str) -> Reporter:
        return make_reporter(
            "json" if json_output else "auto",
            stream=sys.stdout,
            status_path=layout.status_md(run_id),
        )

    return factory


def finish(outcome: RunOutcome) -> None:
    """Print the one-line verdict of a halted run and exit with its code (0 when completed)."""
    if outcome.nothing_to_do:
        print(f"orch: {outcome.nothing_to_do}", file=sys.stderr)
        return
    status = outcome.status.value
    code = EXIT_BY_STATUS.get(outcome.status, 1)
    if code:
        hint = next_step_hint(outcome.state) if outcome.state is not None else None
        why = outcome.error if outcome.error and outcome.error != status else None
        error_line(f"run {outcome.run_id} {status}" + (f": {why}" if why else ""), hint)
        raise typer.Exit(code)
