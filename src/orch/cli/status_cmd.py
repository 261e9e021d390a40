"""`orch status`: the state of a run — every task's status, attempts, times, cost, error;
what each worker lane and the merge queue are doing; branches kept with unintegrated work."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orch.cli.common import JsonOption, RunArgument, cli_errors, cli_state

if TYPE_CHECKING:
    from orch.domain.state import RunState


def register(app: typer.Typer) -> None:
    app.command("status")(command)


def command(
    ctx: typer.Context,
    run: RunArgument = None,
    json_output: JsonOption = False,
    watch: Annotated[bool, typer.Option(
        "--watch", help="Follow a run going on elsewhere (read-only, no lock) until it stops.")
    ] = False,
    interval: Annotated[float, typer.Option(
        "--interval", help="Seconds between refreshes with --watch.", min=0.05)] = 1.0,
) -> None:
    """Show the state of the latest (or a given) run."""
    with cli_errors(ctx):
        if watch:
            _watch(ctx, run, json_output, interval)
            return
        import json

        from orch.cli.views import status_document
        from orch.store.layout import Layout
        from orch.store.runs import as_shown, current_run_id, load_run, resolve_run_id

        layout = Layout(cli_state(ctx).project_dir)
        if run is None and current_run_id(layout) is None:
            _no_run_yet(cli_state(ctx).project_dir)
        state = as_shown(layout, load_run(layout, resolve_run_id(layout, run)))
        kept, superseded = _kept_branches(cli_state(ctx).project_dir, state)
        if json_output:
            document = status_document(state)
            document.update(kept_branches=kept, superseded_branches=superseded)
            print(json.dumps(document, indent=2))
            return
        from orch.reporting.status_view import render_status

        render_status(state, kept_branches=kept, superseded_branches=superseded)


def _no_run_yet(project_dir: Path) -> None:
    """No run to show: say so, naming the plan `orch run` with no PLAN would take."""
    from orch.discovery import find_default_plan
    from orch.errors import OrchError, StateError

    try:
        plan, why = find_default_plan(project_dir)
    except OrchError:
        raise StateError("no orch run in this project yet",
                         hint="start one with `orch run PLAN`") from None
    shown = plan.relative_to(project_dir) if plan.is_relative_to(project_dir) else plan
    raise StateError("no orch run in this project yet",
                     hint=f"start one with `orch run`; it would run {shown} ({why})")


def _kept_branches(project_dir: Path, state: RunState) -> tuple[list[str], list[str]]:
    """The ``orch/<run>/<task>`` branches of this run: those whose work is not in the run, and
    those of tasks that ran again alone and are done (their work is in the run by that re-run)."""
    from orch.domain.status import TaskStatus
    from orch.vcs.worktrees import kept_branches

    prefix = f"orch/{state.run_id}/"
    kept: list[str] = []
    superseded: list[str] = []
    for branch in kept_branches(project_dir):
        if not branch.startswith(prefix):
            continue
        task = state.tasks.get(branch.removeprefix(prefix))
        done = task is not None and task.status is TaskStatus.DONE
        (superseded if done else kept).append(branch)
    return kept, superseded


def _watch(ctx: typer.Context, run: str | None, json_output: bool, interval: float) -> None:
    """Redraw the status each time the journal grows; JSON mode prints one document per change."""
    import json

    from orch.cli.views import status_document
    from orch.reporting.live import watch
    from orch.reporting.status_view import render_status
    from orch.store.layout import Layout
    from orch.store.runs import resolve_run_id

    layout = Layout(cli_state(ctx).project_dir)
    run_id = resolve_run_id(layout, run)
    if json_output:
        watch(layout, run_id, lambda s: print(json.dumps(status_document(s)), flush=True),
              interval_s=interval)
        return
    from rich.console import Console

    console = Console()

    def show(state: RunState) -> None:
        if console.is_terminal:
            console.clear()
        render_status(state, console)
        console.file.flush()

    watch(layout, run_id, show, interval_s=interval)
