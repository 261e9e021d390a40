"""`orch rollback`: Return code and run state to a checkpoint, saving everything first."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("rollback")(command)


def command(ctx: typer.Context) -> None:
    """Return code and run state to a checkpoint, saving everything first."""
    with cli_errors(ctx):
        raise OrchError("`orch rollback` is not implemented yet")
