"""`orch run`: run a plan, one verified task at a time, with a checkpoint per phase."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orch.cli.common import (
    ExecutorOption,
    JsonLinesOption,
    MaxCostOption,
    RayAddressOption,
    TaskTimeoutOption,
    YesOption,
    cli_errors,
    cli_state,
    parse_task_timeout,
    plan_or_found,
    warn_line,
)


def register(app: typer.Typer) -> None:
    app.command("run")(command)


def command(
    ctx: typer.Context,
    plan: Annotated[
        Path | None,
        typer.Argument(
            help="Plan file. Default: the current spec-kit feature's tasks.md, else the "
            "project's Kiro spec, Taskmaster file or Claudio tree."
        ),
    ] = None,
    agent: Annotated[
        str | None, typer.Option("--agent", help="Role or adapter for tasks that name none.")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Run only these task ids (comma-separated, repeatable)."),
    ] = None,
    from_task: Annotated[str | None, typer.Option("--from", help="Start at this task.")] = None,
    until_task: Annotated[str | None, typer.Option("--until", help="Stop after this task.")] = None,
    phase: Annotated[str | None, typer.Option("--phase", help="Run only this phase.")] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print the ordered plan and what each task would do; change nothing."
        ),
    ] = False,
    yes: YesOption = False,
    json_output: JsonLinesOption = False,
    commit: Annotated[
        str | None,
        typer.Option("--commit", help="Checkpoint commits: phase (default), task or none."),
    ] = None,
    allow_dirty: Annotated[
        bool,
        typer.Option(
            "--allow-dirty", help="Start on a dirty tree, committing it first as `orch: baseline`."
        ),
    ] = False,
    max_cost: MaxCostOption = None,
    task_timeout: TaskTimeoutOption = None,
    require_verified: Annotated[
        bool,
        typer.Option(
            "--require-verified",
            help="Refuse (exit 2) a plan in which a selected task would have no check.",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option("--jobs", "-j", help="Run up to N [P] tasks at once, each in a worktree "
                     "(config jobs:, default 1).", min=1),
    ] = None,
    executor: ExecutorOption = None,
    ray_address: RayAddressOption = None,
) -> None:
    """Run a plan: execute each task through its agent, verify it, gate and checkpoint phases."""
    with cli_errors(ctx):
        from orch.cli.running import finish, make_reporter_factory
        from orch.domain.state import RunOptions
        from orch.errors import UsageError
        from orch.runner.selection import parse_id_list
        from orch.runner.session import RunRequest, start_run

        project_dir = cli_state(ctx).project_dir
        if commit is not None and commit not in ("phase", "task", "none"):
            raise UsageError(f"--commit {commit}: expected phase, task or none")
        timeout_s = parse_task_timeout(task_timeout)
        plan = plan_or_found(ctx, plan)
        options = RunOptions(
            agent=agent,
            only=parse_id_list(only),
            from_task=from_task,
            until_task=until_task,
            phase=phase,
            commit=commit,
            max_cost_usd=max_cost,
            task_timeout_s=timeout_s,
            allow_dirty=allow_dirty,
            jobs=jobs,
            executor=executor,
            ray_address=ray_address,
        )
        if dry_run:
            from orch.cli.dryrun_view import show_dry_run

            show_dry_run(project_dir, plan, options, json_output=json_output,
                         require_verified=require_verified)
            return
        request = RunRequest(
            plan_path=plan, options=options, assume_yes=yes, require_verified=require_verified
        )
        outcome = start_run(
            project_dir, request, make_reporter_factory(json_output), warn=warn_line
        )
        finish(outcome)
