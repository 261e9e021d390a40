"""`orch status`: the state of a run — every task's status, attempts, times, cost, error."""

from __future__ import annotations

import typer

from orch.cli.common import JsonOption, RunArgument, cli_errors, cli_state


def register(app: typer.Typer) -> None:
    app.command("status")(command)


def command(ctx: typer.Context, run: RunArgument = None, json_output: JsonOption = False) -> None:
    """Show the state of the latest (or a given) run."""
    with cli_errors(ctx):
        import json

        from orch.cli.views import as_shown, status_document
        from orch.store.layout import Layout
        from orch.store.runs import load_run, resolve_run_id

        layout = Layout(cli_state(ctx).project_dir)
        state = as_shown(layout, load_run(layout, resolve_run_id(layout, run)))
        if json_output:
            print(json.dumps(status_document(state), indent=2))
            return
        from orch.reporting.status_view import render_status

        render_status(state)
