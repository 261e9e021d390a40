"""`orch graph`: show a plan's execution order and dependencies."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orch.cli.common import JsonOption, cli_errors, cli_state, plan_or_found
from orch.cli.validate_cmd import PlanArgument, check, print_diagnostics
from orch.errors import PlanError, UsageError

if TYPE_CHECKING:
    from orch.domain.graph import ExecutionPlan


class GraphFormat(StrEnum):
    """Output formats of ``orch graph``."""

    text = "text"
    mermaid = "mermaid"
    dot = "dot"
    json = "json"
    batches = "batches"


FormatOption = Annotated[
    GraphFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]


def register(app: typer.Typer) -> None:
    app.command("graph")(command)


def command(
    ctx: typer.Context,
    plan: PlanArgument = None,
    format: FormatOption = GraphFormat.text,
    json_output: JsonOption = False,
) -> None:
    """Show a plan's execution order and dependencies (text, Mermaid, Graphviz dot or JSON), or
    with --format batches its execution plan: the pending tasks in batches that can run together."""
    with cli_errors(ctx):
        if json_output and format in (GraphFormat.mermaid, GraphFormat.dot):
            raise UsageError(f"--json does not apply to --format {format.value}")
        plan = plan_or_found(ctx, plan)
        result = check(Path(plan), strict=False, review=False)
        if not result.ok:
            result.warnings = []
            print_diagnostics(result, str(plan))
            raise typer.Exit(PlanError.exit_code)
        from orch.domain.graph import execution_order
        from orch.parsing import render
        from orch.services.queue import batches as execution_batches

        order = execution_order(result.plan)
        if format is GraphFormat.batches:
            batches = execution_batches(result.plan, parallel_all=_parallel_all(ctx))
            if json_output:
                sys.stdout.write(batches.model_dump_json() + "\n")
            else:
                sys.stdout.write(_batches_text(batches))
        elif format is GraphFormat.mermaid:
            sys.stdout.write(render.render_mermaid(result.plan))
        elif format is GraphFormat.dot:
            sys.stdout.write(render.render_dot(result.plan))
        elif format is GraphFormat.json or json_output:
            data = render.graph_data(result.plan, order)
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(render.render_text(result.plan, order))


def _parallel_all(ctx: typer.Context) -> bool:
    """Config ``parallel: all`` admits unmarked tasks to a batch, as it does in a run."""
    from orch.config import load_config
    from orch.store.layout import Layout

    return load_config(Layout(cli_state(ctx).project_dir).config).parallel == "all"


def _batches_text(plan: ExecutionPlan) -> str:
    lines = [
        f"batch {number} (phase {batch.phase}): {' '.join(batch.tasks)}"
        for number, batch in enumerate(plan.batches, start=1)
    ]
    lines.append(f"{plan.total_batches} batch(es), at most {plan.max_parallelism} task(s) at once")
    return "\n".join(lines) + "\n"
