"""`orch plan`: draft a phased, verifiable plan for a goal, with a model or offline.

Exit codes: ``0`` plan written · ``1`` the model's plan still did not validate after the repair
rounds (the draft and its errors are saved beside the target) or the model call failed ·
``2`` invalid input (no goal, missing spec, unknown ``--agent`` role, bad config) · ``3`` the
target exists and ``--force`` was not given (refused: it could hold someone's work).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orch.cli.common import MaxCostOption, cli_errors, cli_state, warn_line
from orch.errors import UsageError

if TYPE_CHECKING:
    from orch.planning.questions import Question

GoalArgument = Annotated[
    str | None,
    typer.Argument(help="What the plan should achieve, in a sentence.", show_default=False),
]
FromOption = Annotated[
    Path | None,
    typer.Option("--from", help="A spec-kit spec.md: one phase per user story, by priority.",
                 exists=False, dir_okay=False, show_default=False),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Where to write the plan. Default: "
                 ".specify/plans/<slug>.md, or tasks.md beside the spec with --from.",
                 dir_okay=False, show_default=False),
]
AgentOption = Annotated[
    str | None,
    typer.Option("--agent", help="Role for tasks no other role fits; its model drafts the plan.",
                 show_default=False),
]
OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Draft without a model (deterministic patterns).")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace an existing plan file.")]
AskOption = Annotated[
    bool | None,
    typer.Option("--ask/--no-ask", show_default=False,
                 help="Ask up to 3 clarifying questions before drafting (default: when stdin "
                      "is a terminal and a model is available). With --ask and stdin not a "
                      "terminal, one answer is read per line; an empty line takes the default."),
]
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Take the default answer to every question.")
]


def register(app: typer.Typer) -> None:
    app.command("plan")(command)


def command(
    ctx: typer.Context,
    goal: GoalArgument = None,
    from_file: FromOption = None,
    output: OutputOption = None,
    agent: AgentOption = None,
    offline: OfflineOption = False,
    force: ForceOption = False,
    ask: AskOption = None,
    yes: YesOption = False,
    max_cost: MaxCostOption = None,
) -> None:
    """Draft a phased, verifiable plan for GOAL (or a spec-kit spec with --from).

    Uses the Anthropic API when ANTHROPIC_API_KEY is set and --offline is not given; otherwise
    a deterministic offline planner. Before drafting, up to 3 clarifying questions (the model's,
    or offline the pattern's own) are asked on a terminal; without one, or with --yes, their
    defaults are taken. Answers go into the plan's ## Assumptions. Never writes a plan that
    `orch validate` rejects, and never replaces an existing file without --force. --max-cost
    (or the config's budgets.run.max_cost_usd) caps what its model calls spend together.
    """
    with cli_errors(ctx, interrupted_hint="no plan was written"):
        from orch.planning.session import PlanRequest, run_plan

        project_dir = cli_state(ctx).project_dir
        if not (goal and goal.strip()) and from_file is None:
            raise UsageError("a goal is required",
                             hint='orch plan "Add CSV export to reports" (or --from spec.md)')
        request = PlanRequest(
            project_dir=project_dir,
            goal=(goal or "").strip(),
            spec_path=_resolve(from_file) if from_file else None,
            target=_resolve(output) if output else None,
            agent=agent,
            offline=offline,
            force=force,
            ask=ask,
            yes=yes,
            max_cost=max_cost,
            interactive=sys.stdin.isatty(),
        )
        report = run_plan(request, notice=warn_line, asker=_ask_on_terminal)
        cwd = Path.cwd()
        shown = _shown(report.target, cwd)
        print(f"wrote {shown} ({report.how})")
        for line in report.summary:
            print(line)
        print(f"preview: orch run --dry-run {shown}")
        print(f"run it:  orch run {shown}")
        for line in report.warnings:
            print(f"warning: {line}", file=sys.stderr)


def _ask_on_terminal(number: int, total: int, question: Question) -> str:
    """Print the question on stderr and read one line of answer from stdin."""
    print(f"question {number}/{total}: {question.question}", file=sys.stderr)
    if question.why:
        print(f"  why: {question.why}", file=sys.stderr)
    print(f"  default: {question.default}", file=sys.stderr)
    print("answer (Enter for the default): ", end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not sys.stdin.isatty():
        print(file=sys.stderr)
    return line.rstrip("\n")


def _resolve(path: Path) -> Path:
    return path if path.is_absolute() else (Path.cwd() / path)


def _shown(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except ValueError:
        return str(path)
