"""`orch log`: Show a task's log: prompt, transcript, commands and verification."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("log")(command)


def command(ctx: typer.Context) -> None:
    """Show a task's log: prompt, transcript, commands and verification."""
    with cli_errors(ctx):
        raise OrchError("`orch log` is not implemented yet")
