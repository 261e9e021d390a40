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
    force: Annotated[bool, typer.Option(
        "--force", help="Let --html replace a file that is not an orch report.")] = False,
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

        target = html_target(html, force=force) if html is not None else None
        layout = Layout(cli_state(ctx).project_dir)
        wanted: list[str | None] = list(runs) if runs else [None]
        ids = list_run_ids(layout) if all_runs else [resolve_run_id(layout, r) for r in wanted]
        if not ids:
            resolve_run_id(layout, None)  # raises the usual "no runs yet" error
        reports = [build_report(*load_state(layout, run_id)) for run_id in ids]
        stats = compare(reports)
        if target is not None:
            from orch.reporting.html_report import render_html
            from orch.store.atomic import atomic_write_text

            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, render_html(reports, stats), durable=False)
        if json_output:
            print(json.dumps({"runs": [r.model_dump() for r in reports],
                              "agents": comparison_dict(stats)}, indent=2))
            return
        print("\n".join(text_lines(reports, stats)))
        if target is not None:
            print(f"HTML report: {target}")


REPORT_MARKERS = ('<meta name="generator" content="orch">', "<title>orch report",
                  "<title>orch runs compared")
"""What an HTML file orch wrote contains near its top (older reports lack the first)."""


def html_target(path: Path, *, force: bool) -> Path:
    """Where ``--html PATH`` writes: ``PATH/report.html`` for a directory, else ``PATH``. A
    UsageError when that is something other than a regular file, or an existing file that is
    not an orch report (a plan, a page of yours) and ``force`` is not given."""
    import stat

    from orch.errors import UsageError

    target = path / "report.html" if path.is_dir() else path
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise UsageError(f"{target}: cannot use it for the report: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise UsageError(f"{target}: not a regular file; refusing to write the report there",
                         hint="name a new .html file, or a directory for DIR/report.html")
    if force:
        return target
    try:
        with open(target, "rb") as handle:
            head = handle.read(4096).decode("utf-8", "replace")
    except OSError as exc:
        raise UsageError(f"{target}: cannot read it: {exc.strerror or exc}") from None
    if not any(marker in head for marker in REPORT_MARKERS):
        raise UsageError(f"{target} exists and is not an orch report; refusing to overwrite it",
                         hint="name a new file, or pass --force to replace it")
    return target
