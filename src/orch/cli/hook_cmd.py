"""`orch hook stop|pre-tool`: the in-session gate an agent CLI runs (docs/verification.md)."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("hook")(command)


def command(
    event: Annotated[str, typer.Argument(help="The hook event: stop or pre-tool.")],
) -> None:
    """Run an in-session gate for the agent CLI that called it (orch sets this up itself).

    Reads the hook event JSON on stdin and the task's gate from ORCH_HOOK_SPEC; prints the
    CLI's block/deny decision. Never exits 2: an internal failure exits 1 and never blocks."""
    from orch.hook import main

    raise typer.Exit(main([event]))
