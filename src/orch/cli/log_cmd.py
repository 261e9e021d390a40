"""`orch log`: a task's log — the agent's prompt and transcript, commands, verification.

The log holds what agents and commands printed, byte for byte; shown, it passes through
:func:`orch.text.terminal_safe` like every other view (an agent's colours, cursor moves, window
titles or hyperlinks never reach the terminal). ``--raw`` writes the stored bytes unchanged.
"""

from __future__ import annotations

import typer

from orch.cli.common import RunArgument, cli_errors, cli_state


def register(app: typer.Typer) -> None:
    app.command("log")(command)


def command(
    ctx: typer.Context,
    task: str = typer.Argument(help="Task id (e.g. T003), or gate-<phase> for a phase gate."),
    run: RunArgument = None,
    raw: bool = typer.Option(
        False, "--raw",
        help="Write the log's bytes unchanged (terminal escapes included), e.g. into a file.",
    ),
) -> None:
    """Print the log of one task of the latest (or a given) run."""
    with cli_errors(ctx):
        import sys

        from orch.errors import StateError, UsageError
        from orch.store.layout import Layout
        from orch.store.runs import load_run, resolve_run_id
        from orch.text import terminal_safe

        layout = Layout(cli_state(ctx).project_dir)
        run_id = resolve_run_id(layout, run)
        path = layout.task_log(run_id, task)
        if not path.is_file():
            state = load_run(layout, run_id)
            if task not in state.tasks and not task.startswith("gate-"):
                raise UsageError(
                    f"run {run_id} has no task {task!r}",
                    hint="`orch status` lists the tasks of the run",
                )
            raise StateError(f"task {task} has no log yet in run {run_id} (it has not run)")
        binary = getattr(sys.stdout, "buffer", None)
        if raw and binary is not None:
            sys.stdout.flush()
            binary.write(path.read_bytes())
            binary.flush()
        elif raw:  # a text-only stdout (an embedding caller): the bytes as text
            sys.stdout.write(path.read_bytes().decode("utf-8", "replace"))
        else:
            # Text mode reads a bare \r as a line break: overwritten output stays visible.
            sys.stdout.write(terminal_safe(path.read_text(encoding="utf-8", errors="replace")))
        record = load_run(layout, run_id).tasks.get(task)
        if record is not None:
            from orch.reporting.summary import evidence_line, status_label

            sys.stdout.write(f"\norch: {task} {status_label(record)} · "
                             f"{terminal_safe(evidence_line(record))}\n")
            if record.hook_blocks:
                sys.stdout.write(f"orch: {task}: the in-session gate stopped the agent "
                                 f"{record.hook_blocks} time(s) before it was done "
                                 "(hook_blocked events in the journal)\n")
            if record.writes_denied:
                sys.stdout.write(f"orch: {task}: the write fence denied {record.writes_denied} "
                                 "write(s) outside the task's files (hook_blocked events)\n")
            if record.rerun_reason:
                sys.stdout.write(f"orch: {task} ran again: "
                                 f"{terminal_safe(record.rerun_reason)}\n")
