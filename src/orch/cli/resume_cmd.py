"""`orch resume`: continue an interrupted or halted run where its journal says it stopped."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from orch.cli.common import (
    ExecutorOption,
    JsonLinesOption,
    MaxCostOption,
    RayAddressOption,
    RunArgument,
    TaskTimeoutOption,
    YesOption,
    cli_errors,
    cli_state,
    parse_task_timeout,
    warn_line,
)


def say_line(message: str) -> None:
    """Print ``orch: …`` on stderr (stdout stays the reporter's, JSON with --json); indented
    lines continue the one before."""
    print(message if message.startswith(" ") else f"orch: {message}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("resume")(command)


def command(
    ctx: typer.Context,
    run: RunArgument = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run failed and blocked tasks again.")
    ] = False,
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", help="Mark this task skipped and go on (repeatable)."),
    ] = None,
    yes: YesOption = False,
    json_output: JsonLinesOption = False,
    max_cost: MaxCostOption = None,
    task_timeout: TaskTimeoutOption = None,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Run up to N [P] tasks at once, each in a worktree.",
                     min=1),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what the resume would re-run, add and drop after "
                     "a plan edit, and which tasks would run; change nothing. With --json: one "
                     "JSON document."),
    ] = False,
    executor: ExecutorOption = None,
    ray_address: RayAddressOption = None,
) -> None:
    """Continue a run: finished tasks are never repeated; an interrupted task runs again.

    --yes, --json, --max-cost and --task-timeout mean what they mean for `orch run`; a new
    --max-cost or --task-timeout replaces the run's for the rest of it.

    If the plan was edited since the run started, tasks whose title, verify, files, shell
    block or agent changed run again, with every task depending on them; new tasks run;
    removed tasks leave the run. All of this is said before anything runs.
    """
    with cli_errors(ctx):
        from orch.cli.running import finish, make_reporter_factory
        from orch.runner.selection import parse_id_list
        from orch.runner.session import preview_resume, resume_run
        from orch.store.layout import Layout
        from orch.store.runs import resolve_run_id

        project_dir = cli_state(ctx).project_dir
        timeout_s = parse_task_timeout(task_timeout)
        run_id = resolve_run_id(Layout(project_dir), run)
        if dry_run:
            preview = preview_resume(project_dir, run_id, retry_failed=retry_failed,
                                     skip=parse_id_list(skip) or [])
            if json_output:
                print(json.dumps(preview.document(), indent=2))
            else:
                print("\n".join(preview.lines()))
            return
        overrides: dict[str, float] = {}
        if max_cost is not None:
            overrides["max_cost_usd"] = max_cost
        if timeout_s is not None:
            overrides["task_timeout_s"] = timeout_s
        outcome = resume_run(
            project_dir,
            run_id,
            retry_failed=retry_failed,
            skip=parse_id_list(skip) or [],
            overrides=overrides,
            assume_yes=yes,
            reporter_factory=make_reporter_factory(json_output),
            warn=warn_line,
            jobs=jobs,
            executor={k: v for k, v in (("executor", executor), ("ray_address", ray_address))
                      if v is not None},
            say=say_line,
        )
        finish(outcome)
