"""`orch resume`: Continue an interrupted or halted run."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("resume")(command)


def command(ctx: typer.Context) -> None:
    """Continue an interrupted or halted run."""
    with cli_errors(ctx):
        raise OrchError("`orch resume` is not implemented yet")
