"""``orch status`` for people: the run's tasks, lanes, checkpoints and totals as rich
renderables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from orch.domain.state import RunState, TaskState
from orch.domain.status import (
    ACTIVE_TASK_STATUSES,
    HALTING_TASK_STATUSES,
    RunStatus,
    TaskStatus,
)
from orch.reporting.lanes_view import lanes_section
from orch.reporting.summary import (
    format_cost,
    format_opt_duration,
    next_step_hint,
    shown_state,
    state_note,
    status_label,
    summarize,
    task_duration,
    totals_line,
)
from orch.reporting.tables import phases_table

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
    RunStatus.AWAITING_DECISION: "cyan",
    RunStatus.RUNNING: "cyan",
}
ERROR_WIDTH = 80
MAX_ROWS = 200
"""Above this many tasks the view lists only the ones that need attention (rich tables are slow)."""
NOTABLE: frozenset[TaskStatus] = HALTING_TASK_STATUSES | ACTIVE_TASK_STATUSES


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
        Text(status_label(task), style=STATUS_STYLES.get(task.status, "")),
        str(task.attempts),
        short_time(task.started),
        format_opt_duration(task_duration(task)),
        format_cost(task.cost_usd) if task.cost_usd else "",
        Text(_short(task.error), style="red") if task.error else "",
    ]


HEADERS = ("Task", "Phase", "Status", "Att.", "Started", "Time", "Cost", "Error")
NARROW = 90
"""Below this many columns the task table drops Phase and Started (and Cost when nothing
cost anything), so that "done (unverified)" is never cut."""


def tasks_table(state: RunState, tasks: Iterable[TaskState] | None = None,
                title: str = "Tasks", width: int | None = None) -> Table:
    """One row per task (default: all, in run order): status, attempts, start, time, cost, error.

    On a terminal narrower than :data:`NARROW` the other columns give way: verified/unverified
    is what orch exists to show, so the status column is never cut."""
    table = Table(title=title, title_justify="left", show_edge=False)
    rows = [_task_cells(task) for task in (state.tasks.values() if tasks is None else tasks)]
    shown = list(HEADERS)
    if width is not None and width < NARROW:
        shown.remove("Phase")
        shown.remove("Started")
        if not any(cells[HEADERS.index("Cost")] for cells in rows):
            shown.remove("Cost")
    status_width = max((len(str(cells[2])) for cells in rows), default=6)
    for header in shown:
        right = header in ("Att.", "Time", "Cost")
        table.add_column(header, justify="right" if right else "left",
                         overflow="fold" if header == "Error" else "ellipsis",
                         no_wrap=header in ("Status", "Task"),
                         min_width=status_width if header == "Status" else None)
    for cells in rows:
        table.add_row(*(cells[HEADERS.index(header)] for header in shown))
    return table


def _task_section(state: RunState, max_rows: int | None,
                  width: int | None = None) -> list[Text | Table]:
    if max_rows is None or len(state.tasks) <= max_rows:
        return [tasks_table(state, width=width)]
    notable = [t for t in state.tasks.values() if t.status in NOTABLE or t.error]
    shown = notable[:max_rows]
    parts: list[Text | Table] = [phases_table(summarize(state))]
    if shown:
        parts += [Text(""), tasks_table(state, shown, title="Tasks needing attention",
                                        width=width)]
    hidden = len(state.tasks) - len(shown)
    parts.append(Text(f"{hidden:,} more tasks not listed; `orch status --json` lists them all",
                      style="dim"))
    return parts


def checkpoints_table(state: RunState) -> Table:
    """The run's checkpoints, oldest first."""
    table = Table(title="Checkpoints", title_justify="left", show_edge=False)
    for header in ("Name", "Phase", "Commit", "Created", "Tasks"):
        table.add_column(header)
    for cp in state.checkpoints:
        table.add_row(cp.name, cp.phase, Text(cp.commit[:7], style="yellow"),
                      short_time(cp.created), str(len(cp.tasks)))
    return table


def status_renderable(state: RunState, *, max_rows: int | None = MAX_ROWS,
                      kept_branches: Sequence[str] = (),
                      superseded_branches: Sequence[str] = (), width: int | None = None) -> Group:
    """Header, tasks, worker lanes and merge queue (``--jobs``), checkpoints, kept branches
    (when any), totals and the next-step hint.

    Runs with more than ``max_rows`` tasks show the phases and only the tasks that need
    attention (failed, blocked, over budget, running, or with an error); ``None`` lists all.
    """
    summary = summarize(state)
    header = Text.assemble(
        ("Run ", "bold"), (state.run_id, "bold"), f" · {state.plan_path} · ",
        (shown_state(state), f"bold {RUN_STYLES.get(state.state, '')}".strip()),
        f" · updated {short_time(state.updated)}",
    )
    parts: list[Text | Table] = [header]
    note = state_note(state)
    if note is not None:
        text, is_error = note
        parts.append(Text(f"error: {text}", style="red") if is_error else Text(text))
    parts += [Text(""), *_task_section(state, max_rows, width)]
    parts += _plan_edit_lines(state)
    lanes = lanes_section(state)
    if lanes:
        parts += [Text(""), *lanes]
    if state.checkpoints:
        parts += [Text(""), checkpoints_table(state)]
    if kept_branches:
        parts += [Text(""), Text("Kept branches (task work not integrated;"
                                 " `git branch -D` discards):")]
        parts += [Text(f"  {branch}") for branch in kept_branches]
    if superseded_branches:
        parts += [Text(""), Text("Old branches of tasks that ran again alone (their work is in "
                                 "the run; `git branch -D` discards):")]
        parts += [Text(f"  {branch}") for branch in superseded_branches]
    parts += [Text(""), Text(totals_line(summary), style="bold")]
    hint = next_step_hint(state)
    if hint and state.state is not RunStatus.RUNNING:
        parts.append(Text.assemble(("Next: ", "bold"), hint))
    return Group(*parts)


def _plan_edit_lines(state: RunState) -> list[Text | Table]:
    """What a plan edited mid-run did: tasks that ran again, and why; tasks removed."""
    lines: list[Text | Table] = [Text(f"{task.id} ran again: {task.rerun_reason}")
                                 for task in state.tasks.values() if task.rerun_reason]
    if state.removed_tasks:
        lines.append(Text(f"removed from the plan mid-run: {', '.join(state.removed_tasks)}"))
    return lines


def render_status(
    state: RunState, console: Console | None = None, *, max_rows: int | None = MAX_ROWS,
    kept_branches: Sequence[str] = (), superseded_branches: Sequence[str] = (),
) -> None:
    """Print ``orch status`` output for ``state`` on ``console`` (default: a stdout Console).

    Rich decides colour itself: none when stdout is not a terminal or ``NO_COLOR`` is set.
    """
    console = console or Console()
    console.print(status_renderable(
        state, max_rows=max_rows, kept_branches=kept_branches,
        superseded_branches=superseded_branches, width=console.width))
