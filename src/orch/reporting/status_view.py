"""``orch status`` for people: the run's tasks, checkpoints and totals as rich renderables."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from orch.domain.state import RunState, TaskState
from orch.domain.status import RunStatus, TaskStatus
from orch.reporting.summary import (
    format_cost,
    format_opt_duration,
    next_step_hint,
    summarize,
    task_duration,
    totals_line,
)

STATUS_STYLES: dict[TaskStatus, str] = {
    TaskStatus.DONE: "green",
    TaskStatus.FAILED: "red",
    TaskStatus.BLOCKED: "red",
    TaskStatus.BUDGET_EXCEEDED: "yellow",
    TaskStatus.RUNNING: "cyan",
    TaskStatus.VERIFYING: "cyan",
    TaskStatus.SKIPPED: "dim",
    TaskStatus.PENDING: "",
}
RUN_STYLES: dict[RunStatus, str] = {
    RunStatus.COMPLETED: "green",
    RunStatus.FAILED: "red",
    RunStatus.INTERRUPTED: "yellow",
    RunStatus.BUDGET_EXCEEDED: "yellow",
    RunStatus.RUNNING: "cyan",
}
ERROR_WIDTH = 80


def short_time(ts: str | None) -> str:
    """``2026-11-21T22:37:16.123Z`` -> ``2026-11-21 22:37:16``; ``-`` when absent."""
    if not ts:
        return "-"
    return ts.replace("T", " ").split(".")[0].removesuffix("Z")


def _short(text: str | None, width: int = ERROR_WIDTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _task_cells(task: TaskState) -> list[str | Text]:
    return [
        Text(task.id, style="bold"),
        task.phase,
        Text(task.status.value, style=STATUS_STYLES.get(task.status, "")),
        str(task.attempts),
        short_time(task.started),
        format_opt_duration(task_duration(task)),
        format_cost(task.cost_usd) if task.cost_usd else "",
        Text(_short(task.error), style="red") if task.error else "",
    ]


def tasks_table(state: RunState) -> Table:
    """One row per task in run order: status, attempts, start, time, cost, error."""
    table = Table(title="Tasks", title_justify="left", show_edge=False)
    for header in ("Task", "Phase", "Status", "Att.", "Started", "Time", "Cost", "Error"):
        right = header in ("Att.", "Time", "Cost")
        table.add_column(header, justify="right" if right else "left",
                         overflow="fold" if header == "Error" else "ellipsis")
    for task in state.tasks.values():
        table.add_row(*_task_cells(task))
    return table


def checkpoints_table(state: RunState) -> Table:
    """The run's checkpoints, oldest first."""
    table = Table(title="Checkpoints", title_justify="left", show_edge=False)
    for header in ("Name", "Phase", "Commit", "Created", "Tasks"):
        table.add_column(header)
    for cp in state.checkpoints:
        table.add_row(cp.name, cp.phase, Text(cp.commit[:7], style="yellow"),
                      short_time(cp.created), str(len(cp.tasks)))
    return table


def status_renderable(state: RunState) -> Group:
    """Header, tasks table, checkpoints (when any), totals and the next-step hint."""
    summary = summarize(state)
    header = Text.assemble(
        ("Run ", "bold"), (state.run_id, "bold"), f" · {state.plan_path} · ",
        (state.state.value, f"bold {RUN_STYLES.get(state.state, '')}".strip()),
        f" · updated {short_time(state.updated)}",
    )
    parts: list[Text | Table] = [header]
    if state.error:
        parts.append(Text(f"error: {state.error}", style="red"))
    parts += [Text(""), tasks_table(state)]
    if state.checkpoints:
        parts += [Text(""), checkpoints_table(state)]
    parts += [Text(""), Text(totals_line(summary), style="bold")]
    hint = next_step_hint(state)
    if hint and state.state is not RunStatus.RUNNING:
        parts.append(Text.assemble(("Next: ", "bold"), hint))
    return Group(*parts)


def render_status(state: RunState, console: Console) -> None:
    """Print ``orch status`` human output for ``state`` on ``console``."""
    console.print(status_renderable(state))
