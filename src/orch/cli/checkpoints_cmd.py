"""`orch checkpoints`: List the git checkpoints of a run."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("checkpoints")(command)


def command(ctx: typer.Context) -> None:
    """List the git checkpoints of a run."""
    with cli_errors(ctx):
        raise OrchError("`orch checkpoints` is not implemented yet")
