"""`orch runs`: List the runs of this project."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("runs")(command)


def command(ctx: typer.Context) -> None:
    """List the runs of this project."""
    with cli_errors(ctx):
        raise OrchError("`orch runs` is not implemented yet")
