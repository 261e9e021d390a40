"""`orch hook stop|pre-tool`: the in-session gate an agent CLI runs (docs/verification.md)."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    # Every argument reaches orch.hook.main, which answers a bad one with exit 1: to an agent
    # CLI, Typer's usage exit 2 would mean "block the agent".
    app.command("hook", context_settings={"allow_extra_args": True,
                                          "ignore_unknown_options": True})(command)


def command(
    event: Annotated[list[str] | None, typer.Argument(
        help="The hook event: stop or pre-tool.", show_default=False)] = None,
) -> None:
    """Run an in-session gate for the agent CLI that called it (orch sets this up itself).

    Reads the hook event JSON on stdin and the task's gate from ORCH_HOOK_SPEC; prints the
    CLI's block/deny decision. Never exits 2: an internal failure exits 1 and never blocks."""
    from orch.hook import main

    raise typer.Exit(main(list(event or [])))
