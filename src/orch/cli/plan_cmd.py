"""`orch plan`: Draft a phased, verifiable plan for a goal."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("plan")(command)


def command(ctx: typer.Context) -> None:
    """Draft a phased, verifiable plan for a goal."""
    with cli_errors(ctx):
        raise OrchError("`orch plan` is not implemented yet")
