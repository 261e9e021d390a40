"""Worker lanes and the merge queue as rich renderables: live lines for ``orch run --jobs N``
and a table for ``orch status``. The data is :mod:`orch.reporting.lanes`' reading of the state.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console, ConsoleOptions, RenderResult
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from orch.domain.state import RunState
from orch.durations import format_duration
from orch.reporting.lanes import LaneRow, MergeQueueView, lane_rows, merge_queue


class LanesView:
    """One live line per busy lane (task, what it does, elapsed) and one for the merge queue.

    :meth:`update` takes a snapshot of the state on the thread that records events; rendering,
    on the live display's own thread, reads only that snapshot and the clock.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._labels: dict[str, Text] = {}
        self._since: dict[str, float] = {}
        self._spinners: dict[int, Spinner] = {}
        self._snapshot: tuple[list[LaneRow], MergeQueueView] = ([], MergeQueueView())

    @property
    def active(self) -> bool:
        """Whether any lane is busy or any task is in the merge queue."""
        rows, queue = self._snapshot
        return bool(rows) or bool(queue)

    def started(self, task_id: str, label: Text) -> None:
        """A lane's attempt began: show ``label`` for it; its elapsed time restarts."""
        self._labels[task_id] = label
        self._since[task_id] = self.clock()

    def update(self, state: RunState) -> None:
        """Take what the lanes and the queue are doing now from ``state``."""
        rows = [row for row in lane_rows(state) if row.busy]
        now = self.clock()
        for row in rows:
            self._since.setdefault(row.task, now)
        self._snapshot = (rows, merge_queue(state))

    def _line(self, row: LaneRow) -> Text:
        label = self._labels.get(row.task) or Text.assemble((row.task, "bold"), f" {row.title}")
        elapsed = format_duration(max(0.0, self.clock() - self._since.get(row.task, 0.0)))
        return Text.assemble(f"lane {row.lane}  ", label, (f"  {row.doing} {elapsed}", "dim"))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows, queue = self._snapshot
        for row in rows:
            spinner = self._spinners.setdefault(row.lane, Spinner("dots", style="cyan"))
            spinner.update(text=self._line(row))
            yield spinner
        if queue:
            yield Text(f"  merge queue: {queue.text()}", style="dim")


def lanes_section(state: RunState) -> list[Table | Text]:
    """``orch status``'s lanes: a table of the tasks in worktrees, then the merge queue line;
    nothing when no task has a worktree."""
    rows = lane_rows(state)
    if not rows:
        return []
    table = Table(title="Lanes", title_justify="left", show_edge=False)
    for header in ("Lane", "Task", "Title", "Doing", "Time"):
        table.add_column(header, justify="right" if header in ("Lane", "Time") else "left")
    for row in rows:
        table.add_row(str(row.lane), Text(row.task, style="bold"), row.title,
                      Text(row.doing, style="cyan" if row.busy else ""),
                      format_duration(row.duration_s))
    queue = merge_queue(state)
    return [table, Text(f"merge queue: {queue.text()}")] if queue else [table]
