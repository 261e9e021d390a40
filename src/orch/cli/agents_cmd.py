"""`orch agents`: List agent roles and the adapter each resolves to."""

from __future__ import annotations

import typer

from orch.cli.common import cli_errors
from orch.errors import OrchError


def register(app: typer.Typer) -> None:
    app.command("agents")(command)


def command(ctx: typer.Context) -> None:
    """List agent roles and the adapter each resolves to."""
    with cli_errors(ctx):
        raise OrchError("`orch agents` is not implemented yet")
