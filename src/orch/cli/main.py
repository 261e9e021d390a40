"""The ``orch`` entry point: global options and the command table."""

from __future__ import annotations

import gc

# Start-up only allocates what lives until exit: the collector would walk it again and again
# for nothing. main() freezes it all once imported.
gc.disable()
try:
    import sys
    from pathlib import Path
    from typing import Annotated

    import typer

    from orch import __version__
    from orch.cli import (
        agents_cmd,
        approve_cmd,
        checkpoints_cmd,
        fastparams,
        graph_cmd,
        hook_cmd,
        init_cmd,
        log_cmd,
        mcp_cmd,
        plan_cmd,
        report_cmd,
        resume_cmd,
        review_cmd,
        rollback_cmd,
        run_cmd,
        runs_cmd,
        status_cmd,
        validate_cmd,
        verify_cmd,
        worker_cmd,
    )
    from orch.cli.common import CliState, _debug_env, error_line, find_project_dir
    from orch.secrets import redact_standard_streams
finally:
    gc.enable()

app = typer.Typer(
    name="orch",
    help=(
        "Run a phased implementation plan through coding agents. orch verifies every task, "
        "gates every phase, journals all state under .specify/orch and checkpoints each phase "
        "in git, so runs resume after a crash and roll back without losing work."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"orch {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    project_dir: Annotated[
        Path | None,
        typer.Option(
            "--project-dir",
            "-C",
            help="Project root. Default: the git top level of the current directory.",
            file_okay=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks (also ORCH_DEBUG=1).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Global options."""
    directory = project_dir.resolve() if project_dir else find_project_dir(Path.cwd())
    ctx.obj = CliState(project_dir=directory, debug=debug or _debug_env())


for _module in (
    init_cmd,
    plan_cmd,
    validate_cmd,
    review_cmd,
    graph_cmd,
    run_cmd,
    resume_cmd,
    status_cmd,
    runs_cmd,
    log_cmd,
    checkpoints_cmd,
    rollback_cmd,
    approve_cmd,
    report_cmd,
    agents_cmd,
    mcp_cmd,
    verify_cmd,
    hook_cmd,
    worker_cmd,
):
    _module.register(app)


def main() -> None:
    """Console-script entry point. The CLI framework's own errors are reformatted here into
    orch's one-line form: a usage error exits 2, a prompt answered with Ctrl-D exits 3 (declined)
    and one answered with Ctrl-C exits 130. Everything printed goes through the redactor."""
    gc.freeze()  # what start-up built: never garbage, never walked by a collection again
    redact_standard_streams()
    fastparams.install()
    try:
        code = app(args=sys.argv[1:] or ["--help"], prog_name="orch", standalone_mode=False)
    except typer.TyperException as exc:
        message = exc.format_message()
        command = getattr(getattr(exc, "ctx", None), "command_path", None) or "orch"
        error_line(message[:1].lower() + message[1:], f"`{command} --help` lists the options")
        sys.exit(exc.exit_code)
    except typer.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):
            error_line("interrupted")
            sys.exit(130)
        error_line("no answer at the prompt: cancelled; nothing changed")
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)
