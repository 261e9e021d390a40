"""`orch validate`: parse and check a plan; report its phases, errors and warnings."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orch.cli.common import JsonOption, cli_errors, cli_state, plan_or_found
from orch.errors import PlanError
from orch.services.plans import check
from orch.text import plural, terminal_safe

__all__ = ["PlanArgument", "check", "command", "diagnostic_line", "print_diagnostics"]

if TYPE_CHECKING:
    from orch.domain.plan import Diagnostic, ParseResult
    from orch.runner.plancheck import CheckPlanner

PlanArgument = Annotated[
    Path | None,
    typer.Argument(
        help="The plan file (markdown, tasks.json or a .claudio tree); default: the project's "
        "own (the current spec-kit feature's tasks.md, else its Kiro spec, Taskmaster file or "
        "Claudio tree).",
        show_default=False,
    ),
]
StrictOption = Annotated[
    bool,
    typer.Option("--strict", help="Treat duplicate IDs and plan-review warnings as errors, and a "
                 "task the run would leave unverified (what it will check stays a warning)."),
]


VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v", help="List every warning; by default alike warnings fold into one line."
    ),
]


def register(app: typer.Typer) -> None:
    app.command("validate")(command)


def diagnostic_line(source: str, diagnostic: Diagnostic) -> str:
    """``file:line: message``."""
    return f"{source}:{diagnostic.line}: {diagnostic.message}"


def print_diagnostics(result: ParseResult, source: str, *, verbose: bool = False) -> None:
    """Warnings, then errors (with hints), on stderr.

    Warnings of one kind fold into one line with a count and their first lines, unless
    ``verbose``; errors are always listed one by one.
    """
    from orch.parsing.fold import fold

    if verbose:
        for warning in result.warnings:
            print(f"warning: {diagnostic_line(source, warning)}", file=sys.stderr)
    else:
        folds = fold(result.warnings)
        for found in folds:
            line = diagnostic_line(source, found.first)
            print(f"warning: {line}{found.suffix()}", file=sys.stderr)
        if len(folds) < len(result.warnings):
            print("hint: `--verbose` lists every warning", file=sys.stderr)
    for error in result.errors:
        print(f"error: {diagnostic_line(source, error)}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)


LISTED_TASKS = 60
"""Above this many pending tasks, validate lists no task's checks (``--verbose`` does; the
warnings and the count of unchecked tasks still say what the run would leave unverified)."""


def _human(result: ParseResult, source: str, planner: CheckPlanner, *,
           verbose: bool = False) -> None:
    from orch.domain.plan import PlanMark

    plan = result.plan
    tasks = plan.tasks()
    print(f"{terminal_safe(plan.title or '(untitled plan)')}  [{source}]")
    unchecked = 0
    every = verbose or sum(1 for task in tasks if task.mark is PlanMark.PENDING) <= LISTED_TASKS
    for phase in plan.phases:
        done = sum(1 for task in phase.tasks if task.mark is PlanMark.DONE)
        gates = f", {plural(len(phase.gates), 'gate')}" if phase.gates else ""
        print(f"  Phase {phase.id}: {terminal_safe(phase.title)} "
              f"({plural(len(phase.tasks), 'task')}, "
              f"{done} done{gates})")
        live = [task for task in phase.tasks if task.mark is PlanMark.PENDING]
        for task in live:
            checks = planner.checks(task, phase)
            own = [line for line in checks.describe() if not line.startswith("gate ")]
            if not checks.any:
                unchecked += 1
            shown = "; ".join(own) or ("the phase gate" if checks.any else
                                       "no check: done but unverified")
            if every:
                print(f"    {task.id}: {shown}")
        gate = planner.gate(phase)
        if live and gate.commands:
            print(f"    gate ({gate.kind}): {'; '.join(gate.commands)}")
    done = sum(1 for task in tasks if task.mark is PlanMark.DONE)
    skipped = sum(1 for task in tasks if task.mark is PlanMark.SKIPPED)
    print(
        f"{plural(len(tasks), 'task')} in {plural(len(plan.phases), 'phase')}: {done} done, "
        f"{skipped} skipped, {len(tasks) - done - skipped} pending"
    )
    if unchecked:
        print(f"{plural(unchecked, 'task')} would run with no check (done but unverified)")
    if result.ok:
        suffix = f" ({plural(len(result.warnings), 'warning')})" if result.warnings else ""
        print(f"plan is valid{suffix}")
    else:
        count = len(result.errors)
        print(f"plan is invalid: {count} error{'s' if count != 1 else ''} (see stderr)")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while validate runs: everything it builds (the plan,
    every task's checks, the diagnostics) lives until it exits, and each full collection would
    walk all of it again (a fifth of a 10,000-task validate). It is frozen before the collector
    is switched back on, or the first young-generation pass would walk it all once more."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.freeze()
            gc.enable()


def command(
    ctx: typer.Context,
    plan: PlanArgument = None,
    json_output: JsonOption = False,
    strict: StrictOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Parse and check a plan: phases, tasks, dependencies, metadata. Exit 2 when invalid."""
    with cli_errors(ctx), _collector_paused():
        from orch.services.plans import checked, planner_for, validation_document

        plan = plan_or_found(ctx, plan)

        project_dir = cli_state(ctx).project_dir
        result, reviewed = checked(plan, strict=strict, review=True, project_dir=project_dir)
        source = str(plan)
        planner = reviewed or planner_for(project_dir)
        if json_output:
            summary = validation_document(result, source, planner)
            sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
        else:
            _human(result, source, planner, verbose=verbose)
            print_diagnostics(result, source, verbose=verbose)
        if not result.ok:
            raise typer.Exit(PlanError.exit_code)
