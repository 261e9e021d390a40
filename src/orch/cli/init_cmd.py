"""`orch init`: Create .specify/orch/config.yaml and the ignore rules."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("init")(command)


def command(ctx: typer.Context) -> None:
    """Create .specify/orch/config.yaml and the ignore rules."""
    with cli_errors(ctx):
        raise OrchError("`orch init` is not implemented yet")
