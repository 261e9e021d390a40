"""`orch rollback`: Return code and run state to a checkpoint, saving everything first."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from orch.cli.common import cli_errors, cli_state, warn_line
from orch.errors import SafetyError, UsageError

if TYPE_CHECKING:
    from orch.runner.rollback import RollbackOutcome, RollbackPlan, UndoOutcome

SHOWN = 20
"""Lines of each kind a plan lists before "… and N more" (``--dry-run`` lists everything)."""


def register(app: typer.Typer) -> None:
    app.command("rollback")(command)


def command(
    ctx: typer.Context,
    checkpoint: Annotated[
        str | None,
        typer.Argument(help="Checkpoint name (`orch checkpoints`), e.g. phase-1; or a phase id."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List exactly what would change; change nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Roll back over commits not made by orch (they are backed "
                                     "up); --undo even when HEAD moved since the rollback."),
    ] = False,
    undo_last: Annotated[
        bool, typer.Option("--undo", help="Restore the exact state from before the last rollback.")
    ] = False,
) -> None:
    """Return code and run state to a checkpoint, saving everything first.

    Every uncommitted change (staged, unstaged, untracked) and the current HEAD are saved in a
    backup ref before anything is touched; `orch rollback --undo` puts it all back.
    """
    with cli_errors(ctx):
        from orch.runner.rollback import rollback, undo

        project_dir = cli_state(ctx).project_dir
        if undo_last:
            if checkpoint is not None:
                raise UsageError("give either a CHECKPOINT or --undo, not both")
            _print_undo(undo(project_dir, force=force, warn=warn_line))
            return
        if checkpoint is None:
            raise UsageError("which checkpoint? give its name, or --undo",
                             hint="`orch checkpoints` lists them")
        detail = SHOWN * 1000 if dry_run else SHOWN

        def confirm(plan: RollbackPlan) -> bool:
            if yes:
                return True
            if not sys.stdin.isatty():
                raise SafetyError("rollback needs confirmation and stdin is not a terminal",
                                  hint="pass --yes (everything is backed up first; "
                                       "`orch rollback --undo` reverses it)")
            _print_plan(plan, detail, file=sys.stderr)
            return typer.confirm("Roll back?", default=False, err=True)

        outcome = rollback(project_dir, checkpoint, dry_run=dry_run, force=force,
                           confirm=confirm, warn=warn_line)
        if outcome.plan.nothing_to_do:
            cp = outcome.plan.checkpoint
            print(f"nothing to do: the code and run {outcome.plan.run_id} are already at "
                  f"{cp.name} ({cp.commit[:10]})")
        elif dry_run:
            _print_plan(outcome.plan, detail)
            if outcome.plan.foreign and not force:
                print("note: commits not made by orch sit above the checkpoint; "
                      "the rollback would need --force")
            print("dry run: nothing changed")
        else:
            _print_done(outcome)


def _quoted(path: str) -> str:
    """``path`` as is when printable, else quoted as git does (``"new\\nline"``, ``"\\377"``),
    so that a newline or a name that is not UTF-8 neither splits nor breaks the listing."""
    if path.isprintable():
        return path
    raw = path.encode("utf-8", "surrogateescape")
    return '"' + "".join(_ESCAPES.get(b, f"\\{b:03o}") if b < 32 or b > 126 or b in (34, 92)
                         else chr(b) for b in raw) + '"'


_ESCAPES = {9: "\\t", 10: "\\n", 13: "\\r", 34: '\\"', 92: "\\\\"}


def _print_plan(plan: RollbackPlan, shown: int, file: TextIO | None = None) -> None:
    out = file or sys.stdout
    cp = plan.checkpoint
    verb = "completing the interrupted rollback to" if plan.completing else "rollback to"
    print(f"{verb} {cp.name} ({cp.commit[:10]}) of run {plan.run_id}:", file=out)
    lines: list[str] = []
    changes = plan.changes
    for label, paths in (("remove", changes.removed), ("restore", changes.added),
                         ("modify", changes.modified)):
        lines += _capped([f"  {label:<8} {_quoted(path)}" for path in paths], shown)
    lines += _capped([f"  replace  {_quoted(path)}  (ignored, in the way of the checkpoint; saved "
                      "first)" for path in changes.ignored], shown)
    lines += [f"  note: {line}" for line in changes.flags.describe()]
    lines += _capped([f"  drop commit {c.sha[:10]} {c.subject}"
                      + ("  (not made by orch)" if c in plan.foreign else "")
                      for c in plan.commits], shown)
    lines += [f"  drop checkpoint {dropped.name}" for dropped in plan.dropped]
    lines += _capped([f"  reset task {task_id} to pending" for task_id in plan.reset_tasks], shown)
    if not lines:
        lines = ["  nothing: the code and the run are already at this checkpoint"]
    for line in lines:
        print(line, file=out)
    print(f"  ({len(changes.removed)} file(s) removed, {len(changes.added)} restored, "
          f"{len(changes.modified)} modified; everything is saved in a backup ref first)",
          file=out)


def _capped(lines: list[str], shown: int) -> list[str]:
    if len(lines) <= shown:
        return lines
    return lines[:shown] + [f"  … and {len(lines) - shown} more"]


def _print_done(outcome: RollbackOutcome) -> None:
    plan = outcome.plan
    cp = plan.checkpoint
    changes = plan.changes
    print(f"Rolled back to {cp.name} ({cp.commit[:10]}): {len(changes.removed)} file(s) "
          f"removed, {len(changes.added)} restored, {len(changes.modified)} modified; "
          f"{len(plan.commits)} commit(s) and {len(plan.dropped)} checkpoint(s) dropped; "
          f"{len(plan.reset_tasks)} task(s) reset to pending.")
    print(f"Saved first: {outcome.backup_ref} ({(outcome.backup_commit or '')[:10]}) holds "
          "the previous HEAD, index and every file.")
    print("Undo with:   orch rollback --undo")
    if plan.reset_tasks or plan.reset_phases:
        print("Continue with: orch resume")


def _print_undo(outcome: UndoOutcome) -> None:
    print(f"Undid the rollback to {outcome.checkpoint}: HEAD is back at {outcome.head[:10]}, "
          "with the index, working tree and run state as they were.")
    if outcome.saved_ref:
        print(f"The state just replaced is saved in {outcome.saved_ref}.")
    print(f"The pre-rollback backup stays in {outcome.backup_ref}.")
