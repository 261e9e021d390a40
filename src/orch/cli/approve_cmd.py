"""`orch approve` and `orch revise`: a person's decision on a waiting phase (docs/decisions.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from orch.cli.common import RunArgument, cli_errors, cli_state

PhaseArgument = Annotated[str, typer.Argument(help="The phase that awaits a decision.")]


def register(app: typer.Typer) -> None:
    app.command("approve")(approve_command)
    app.command("revise")(revise_command)


def approve_command(
    ctx: typer.Context,
    phase: PhaseArgument,
    run: RunArgument = None,
    note: Annotated[str | None, typer.Option("--note", help="Why; kept in the journal.")] = None,
) -> None:
    """Accept a phase that awaits a decision; `orch resume` then goes on."""
    with cli_errors(ctx):
        from orch.decisions.record import approve
        from orch.store.layout import Layout
        from orch.store.runs import resolve_run_id

        layout = Layout(cli_state(ctx).project_dir)
        run_id = resolve_run_id(layout, run)
        approve(layout, run_id, phase, note)
        print(f"Phase {phase} of run {run_id} approved. Continue with `orch resume`.")


def revise_command(
    ctx: typer.Context,
    phase: PhaseArgument,
    run: RunArgument = None,
    feedback: Annotated[str, typer.Option("--feedback", help="What to change.")] = "",
    tasks: Annotated[str | None, typer.Option(
        "--tasks", help="Comma-separated task IDs to redo (default: all of the phase).")] = None,
) -> None:
    """Send a phase back to its tasks with feedback; `orch resume` re-runs them."""
    with cli_errors(ctx):
        from orch.decisions.record import revise
        from orch.errors import UsageError
        from orch.store.layout import Layout
        from orch.store.runs import resolve_run_id

        if not feedback.strip():
            raise UsageError("orch revise needs --feedback TEXT",
                             hint="say what the tasks should change")
        layout = Layout(cli_state(ctx).project_dir)
        run_id = resolve_run_id(layout, run)
        wanted = [t.strip() for t in tasks.split(",") if t.strip()] if tasks else None
        reset = revise(layout, run_id, phase, feedback, wanted)
        print(f"Phase {phase} of run {run_id}: {', '.join(reset)} back to pending with your "
              "feedback. Continue with `orch resume`.")
