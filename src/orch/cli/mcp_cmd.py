"""`orch mcp`: serve the project's plan and runs as MCP tools over stdio (docs/mcp.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orch.cli.common import cli_errors, cli_state


def register(app: typer.Typer) -> None:
    app.command("mcp")(command)


def command(
    ctx: typer.Context,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Plan file to serve, relative to the project directory. Default: the latest "
            "run's plan, else the one `orch run` finds: the current spec-kit feature's "
            "tasks.md, else the project's Kiro spec, Taskmaster file or Claudio tree.",
        ),
    ] = None,
) -> None:
    """Serve the plan and its runs as task-queue MCP tools over stdio (for Claude Code and
    other MCP clients): task_list, task_get, task_queue_status, task_execution_plan,
    task_enqueue, task_cancel, plan_validate, run_status."""
    with cli_errors(ctx, interrupted_hint=None):
        from orch.mcp.front import serve

        state = cli_state(ctx)
        project_dir = state.project_dir
        # Relative to the project, not the working directory: an MCP client starts the server
        # from wherever it runs, and `-C DIR mcp --plan specs/…/tasks.md` must mean DIR's file.
        plan_path = None if plan is None else (project_dir / plan).resolve()
        try:
            serve(project_dir, plan_path, debug=state.debug)
        except ModuleNotFoundError as exc:  # raised by the import of the SDK server
            if exc.name != "mcp" and not (exc.name or "").startswith("mcp."):
                raise
            from orch.errors import ConfigError

            raise ConfigError(
                "`orch mcp` needs the MCP Python SDK (the `mcp` package), which is not installed",
                hint="reinstall orch, or `pip install 'mcp>=2,<3'`",
            ) from None
