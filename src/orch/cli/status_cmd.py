"""`orch status`: Show the state of a run."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("status")(command)


def command(ctx: typer.Context) -> None:
    """Show the state of a run."""
    with cli_errors(ctx):
        raise OrchError("`orch status` is not implemented yet")
