"""`orch report`: a run as text, JSON or one HTML file; runs compared (docs/decisions.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orch.cli.common import JsonOption, cli_errors, cli_state


def register(app: typer.Typer) -> None:
    app.command("report")(command)


def command(
    ctx: typer.Context,
    runs: Annotated[list[str] | None, typer.Argument(
        help="Run ids (or unique prefixes); default: the latest run.")] = None,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Write one self-contained HTML file here.")] = None,
    all_runs: Annotated[bool, typer.Option("--all", help="Every run of the project.")] = False,
    json_output: JsonOption = False,
) -> None:
    """Report a run: tasks, attempts, cost, decisions; with several runs, agents compared."""
    with cli_errors(ctx):
        import json

        from orch.reporting.live import load_state
        from orch.reporting.run_report import (
            build_report,
            compare,
            comparison_dict,
            text_lines,
        )
        from orch.store.layout import Layout
        from orch.store.runs import list_run_ids, resolve_run_id

        layout = Layout(cli_state(ctx).project_dir)
        wanted: list[str | None] = list(runs) if runs else [None]
        ids = list_run_ids(layout) if all_runs else [resolve_run_id(layout, r) for r in wanted]
        if not ids:
            resolve_run_id(layout, None)  # raises the usual "no runs yet" error
        reports = [build_report(*load_state(layout, run_id)) for run_id in ids]
        stats = compare(reports)
        if html is not None:
            from orch.reporting.html_report import render_html

            html.parent.mkdir(parents=True, exist_ok=True)
            html.write_text(render_html(reports, stats), encoding="utf-8")
        if json_output:
            print(json.dumps({"runs": [r.model_dump() for r in reports],
                              "agents": comparison_dict(stats)}, indent=2))
            return
        print("\n".join(text_lines(reports, stats)))
        if html is not None:
            print(f"HTML report: {html}")
