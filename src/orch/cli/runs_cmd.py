"""`orch runs`: every run of this project, newest last."""

from __future__ import annotations

import typer

from orch.cli.common import JsonOption, cli_errors, cli_state


def register(app: typer.Typer) -> None:
    app.command("runs")(command)


def command(ctx: typer.Context, json_output: JsonOption = False) -> None:
    """List the runs of this project with their state and progress."""
    with cli_errors(ctx):
        import json

        from orch.cli.views import run_summary
        from orch.errors import StateError
        from orch.store.layout import Layout
        from orch.store.runs import as_shown, current_run_id, list_run_ids, load_run

        layout = Layout(cli_state(ctx).project_dir)
        rows = []
        for run_id in list_run_ids(layout):
            try:
                rows.append(run_summary(as_shown(layout, load_run(layout, run_id))))
            except StateError as exc:
                rows.append({"run": run_id, "state": "unreadable", "error": exc.message})
        current = current_run_id(layout)
        if json_output:
            print(json.dumps({"current": current, "runs": rows}, indent=2))
            return
        if not rows:
            print("No runs yet. Start one with `orch run PLAN`.")
            return
        for row in rows:
            mark = "*" if row["run"] == current else " "
            if row["state"] == "unreadable":
                print(f"{mark} {row['run']}  unreadable: {row['error']}")
                continue
            cost = f"  ${row['cost_usd']:.4f}" if row["cost_usd"] else ""
            print(
                f"{mark} {row['run']}  {row['state']:<15} {row['done']}/{row['tasks']} done"
                f"  {row['plan']}{cost}"
            )
