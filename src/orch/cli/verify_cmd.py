"""`orch verify`: re-run every done task's recorded checks on today's tree (exit 1 on drift)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from orch.cli.common import JsonOption, RunArgument, cli_errors, cli_state

if TYPE_CHECKING:
    from orch.runner.reverify import VerifyReport


def register(app: typer.Typer) -> None:
    app.command("verify")(command)


def command(ctx: typer.Context, run: RunArgument = None, json_output: JsonOption = False) -> None:
    """Re-run the recorded checks of every done task; list those that no longer hold."""
    with cli_errors(ctx):
        import json

        from orch.runner.reverify import reverify
        from orch.store.layout import Layout
        from orch.store.runs import load_run, resolve_run_id

        project_dir = cli_state(ctx).project_dir
        layout = Layout(project_dir)
        state = load_run(layout, resolve_run_id(layout, run))
        report = reverify(state, project_dir)
        if json_output:
            print(json.dumps({
                "run": report.run,
                "ok": report.ok,
                "checked": report.checked,
                "unchecked": report.unchecked,
                "failed": [
                    {"task": d.task, "title": d.title,
                     "checks": [r.model_dump() for r in d.failed]}
                    for d in report.drifted
                ],
            }, indent=2))
        else:
            for line in _lines(report):
                print(line)
        if not report.ok:
            raise typer.Exit(1)


def _lines(report: VerifyReport) -> list[str]:
    from orch.text import plural

    lines = [f"Run {report.run}: {plural(len(report.checked), 'done task')} re-checked, "
             f"{len(report.drifted)} no longer hold"]
    for drift in report.drifted:
        lines.append(f"  FAILED {drift.task} {drift.title}".rstrip())
        lines += [f"    {r.kind}: {r.command} (exit {r.exit_code})" for r in drift.failed]
    if report.unchecked:
        lines.append(f"  {plural(len(report.unchecked), 'done task')} had no check to re-run: "
                     + ", ".join(report.unchecked[:10])
                     + (" …" if len(report.unchecked) > 10 else ""))
    return lines
