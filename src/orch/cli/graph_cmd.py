"""`orch graph`: Show a plan's execution order and dependencies."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("graph")(command)


def command(ctx: typer.Context) -> None:
    """Show a plan's execution order and dependencies."""
    with cli_errors(ctx):
        raise OrchError("`orch graph` is not implemented yet")
