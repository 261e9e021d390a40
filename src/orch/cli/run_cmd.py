"""`orch run`: Run a plan."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("run")(command)


def command(ctx: typer.Context) -> None:
    """Run a plan."""
    with cli_errors(ctx):
        raise OrchError("`orch run` is not implemented yet")
