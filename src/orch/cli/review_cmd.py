"""`orch review`: review a plan against the planning checklist, like a principal engineer.

Exit codes: ``0`` no blocking findings · ``1`` blocking findings, or the model's review was
unreadable or the model call failed · ``2`` bad input (no such plan, a plan that does not
validate, invalid config).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from orch.cli.common import (
    JsonOption,
    MaxCostOption,
    cli_errors,
    cli_state,
    plan_or_found,
    warn_line,
)
from orch.cli.validate_cmd import PlanArgument

OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Apply only the rules that need no model.")
]


def register(app: typer.Typer) -> None:
    app.command("review")(command)


def command(
    ctx: typer.Context,
    plan: PlanArgument = None,
    json_output: JsonOption = False,
    offline: OfflineOption = False,
    max_cost: MaxCostOption = None,
) -> None:
    """Review PLAN against the planning checklist: tests, checks, phase sizes, assumptions,
    risks, docs; with a model, also service interactions, data flow, errors, performance and
    architecture. Each finding names its plan line and severity. Exit 1 on a blocking finding.
    """
    with cli_errors(ctx, interrupted_hint=None):
        from orch.planning.reviewing import ReviewRequest, run_review

        project_dir = cli_state(ctx).project_dir
        plan = plan_or_found(ctx, plan)
        path = plan if plan.is_absolute() else Path.cwd() / plan
        report = run_review(ReviewRequest(project_dir=project_dir, plan_path=path,
                                          offline=offline, max_cost=max_cost),
                            notice=warn_line)
        if json_output:
            sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
        else:
            print(f"review of {report.plan} ({report.reviewer})")
            for line in report.to_text():
                print(line)
        if report.blocking:
            raise typer.Exit(1)
