"""`orch checkpoints`: List the git checkpoints of a run."""

from __future__ import annotations

import json

import typer

from orch.cli.common import JsonOption, RunArgument, cli_errors, cli_state


def register(app: typer.Typer) -> None:
    app.command("checkpoints")(command)


def command(ctx: typer.Context, run: RunArgument = None, json_output: JsonOption = False) -> None:
    """List the git checkpoints of a run in the order they were made: name, phase, commit,
    time, tasks."""
    with cli_errors(ctx):
        from orch.store.layout import Layout
        from orch.store.runs import load_run, resolve_run_id

        layout = Layout(cli_state(ctx).project_dir)
        run_id = resolve_run_id(layout, run)
        state = load_run(layout, run_id)
        if json_output:
            print(json.dumps({"run": run_id, "checkpoints": [
                cp.model_dump() for cp in state.checkpoints]}, indent=2))
            return
        if not state.checkpoints:
            print(f"Run {run_id} has no checkpoints yet.")
            return
        rows = [("NAME", "PHASE", "COMMIT", "TIME", "TASKS")] + [
            (cp.name, cp.phase, cp.commit[:10], cp.created.replace("T", " ")[:19],
             ",".join(cp.tasks)) for cp in state.checkpoints]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        print(f"Checkpoints of run {run_id}:")
        for row in rows:
            print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                           strict=False))
                  + "  " + row[4])
        print("Roll back with `orch rollback NAME` (try --dry-run first).")
