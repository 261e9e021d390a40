"""`orch graph`: show a plan's execution order and dependencies."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from orch.cli.common import cli_errors
from orch.cli.validate_cmd import PlanArgument, check, print_diagnostics
from orch.errors import PlanError


class GraphFormat(StrEnum):
    """Output formats of ``orch graph``."""

    text = "text"
    mermaid = "mermaid"
    dot = "dot"
    json = "json"


FormatOption = Annotated[
    GraphFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]


def register(app: typer.Typer) -> None:
    app.command("graph")(command)


def command(
    ctx: typer.Context, plan: PlanArgument, format: FormatOption = GraphFormat.text
) -> None:
    """Show a plan's execution order and dependencies (text, Mermaid, Graphviz dot or JSON)."""
    with cli_errors(ctx):
        result = check(Path(plan), strict=False, review=False)
        if not result.ok:
            result.warnings = []
            print_diagnostics(result, str(plan))
            raise typer.Exit(PlanError.exit_code)
        from orch.domain.graph import execution_order
        from orch.parsing import render

        order = execution_order(result.plan)
        if format is GraphFormat.mermaid:
            sys.stdout.write(render.render_mermaid(result.plan))
        elif format is GraphFormat.dot:
            sys.stdout.write(render.render_dot(result.plan))
        elif format is GraphFormat.json:
            data = render.graph_data(result.plan, order)
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(render.render_text(result.plan, order))
