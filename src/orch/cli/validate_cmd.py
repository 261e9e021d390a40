"""`orch validate`: Parse and check a plan."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("validate")(command)


def command(ctx: typer.Context) -> None:
    """Parse and check a plan."""
    with cli_errors(ctx):
        raise OrchError("`orch validate` is not implemented yet")
