"""The end-of-run summary as rich renderables (for the console and `orch status`).

Kept apart from :mod:`orch.reporting.summary` so plain and JSON runs never import rich's tables.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from orch.reporting.summary import (
    ESTIMATE_HEADERS,
    PHASE_HEADERS,
    RunSummary,
    estimate_cells,
    phase_cells,
    totals_line,
)


def phases_table(summary: RunSummary) -> Table:
    """Per-phase done count, time and gate as a rich table."""
    table = Table(title="Phases", title_justify="left", show_edge=False)
    for header in PHASE_HEADERS:
        table.add_column(header, justify="right" if header in ("Done", "Time") else "left")
    for phase in summary.phases:
        table.add_row(*phase_cells(phase))
    return table


def summary_tables(summary: RunSummary) -> list[Table | Text]:
    """The summary as rich renderables: totals line, phase table, estimates table."""
    out: list[Table | Text] = [Text(totals_line(summary), style="bold")]
    if summary.phases:
        out.append(phases_table(summary))
    if summary.estimates:
        table = Table(title="Actual vs estimate", title_justify="left", show_edge=False)
        for header in ESTIMATE_HEADERS:
            table.add_column(header, justify="left" if header in ("Task", "Status") else "right")
        for row in summary.estimates:
            over = row.actual_s is not None and row.actual_s > row.estimate_s
            cells = estimate_cells(row)
            table.add_row(*cells[:2], Text(cells[2], style="yellow" if over else ""), cells[3])
        out.append(table)
    return out
