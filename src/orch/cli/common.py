"""Shared CLI plumbing: project discovery, the one place OrchErrors become exit codes."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from orch.errors import OrchError


@dataclass
class CliState:
    """Global options, stored on the Typer context object."""

    project_dir: Path
    debug: bool = False


def find_project_dir(start: Path) -> Path:
    """The git top level containing ``start``, else ``start`` itself (README.md, "Commands")."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def cli_state(ctx: typer.Context) -> CliState:
    """The global options of this invocation (a default when called outside ``main``)."""
    obj = ctx.find_root().obj
    if isinstance(obj, CliState):
        return obj
    return CliState(project_dir=find_project_dir(Path.cwd()), debug=_debug_env())


def _debug_env() -> bool:
    from orch.envflags import env_flag

    return env_flag("ORCH_DEBUG")


def error_line(message: str, hint: str | None = None) -> None:
    """Print ``error: …`` (and ``hint: …``) on stderr."""
    print(f"error: {message}", file=sys.stderr)
    if hint:
        print(f"hint: {hint}", file=sys.stderr)


def plan_or_found(ctx: typer.Context, plan: Path | None) -> Path:
    """``plan`` as given, else the project's own plan (:func:`orch.discovery.find_default_plan`),
    named on stderr with why it was chosen; several candidates or none are a PlanError."""
    if plan is not None:
        return plan
    from orch.discovery import find_default_plan

    found, why = find_default_plan(cli_state(ctx).project_dir)
    try:
        shown = found.relative_to(Path.cwd())
    except ValueError:
        shown = found
    print(f"orch: using {shown} ({why})", file=sys.stderr)
    return found


def warn_line(message: str) -> None:
    """Print ``warning: …`` on stderr."""
    print(f"warning: {message}", file=sys.stderr)


@contextmanager
def cli_errors(
    ctx: typer.Context | None = None,
    *,
    interrupted_hint: str | None = "state is saved; continue with `orch resume`",
) -> Iterator[None]:
    """Turn an :class:`OrchError` into its one-line message and exit code; the only such place.

    ``interrupted_hint`` follows ``error: interrupted`` on Ctrl-C: a command with no run to
    resume says what it left behind instead.

    With ``--debug`` or ``ORCH_DEBUG=1`` unexpected exceptions keep their traceback; without,
    they are reported as a bug in one line with exit 1.
    """
    debug = cli_state(ctx).debug if ctx is not None else _debug_env()
    try:
        yield
    except OrchError as exc:
        if debug:
            raise
        error_line(exc.message, exc.hint)
        raise typer.Exit(exc.exit_code) from None
    except BrokenPipeError:
        # `orch … | head`: the reader went away. Say nothing more, like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(141) from None
    except KeyboardInterrupt:
        error_line("interrupted", interrupted_hint)
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort):
        raise  # the framework's own: typer.Abort (no answer at a prompt) is turned in main()
    except OSError as exc:
        if debug:
            raise
        if exc.errno not in _DISK_FULL:
            _internal_error(exc)
        where = f" (writing {exc.filename})" if exc.filename else ""
        error_line(f"no space left on the device{where}",
                   "free some disk space, then run the command again; the run's journal is "
                   "intact and `orch resume` continues it")
        raise typer.Exit(3) from None
    except Exception as exc:  # noqa: BLE001 - last line of defence against tracebacks
        if debug:
            raise
        _internal_error(exc)


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def _internal_error(exc: Exception) -> NoReturn:
    error_line(
        f"internal error: {exc.__class__.__name__}: {exc}",
        "this is a bug in orch; rerun with --debug for the traceback and report it",
    )
    raise typer.Exit(1) from None


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
JsonLinesOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print the run's events as JSON lines on stdout (one JSON object per line, "
        "nothing else on stdout).",
    ),
]
YesOption = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Answer yes to prompts (e.g. `git init` outside a repository); a manual task "
        "then fails at once instead of waiting for a person.",
    ),
]
MaxCostOption = Annotated[
    float | None,
    typer.Option(
        "--max-cost", help="Stop before spending more than this many USD on models.", min=0
    ),
]
TaskTimeoutOption = Annotated[
    str | None,
    typer.Option("--task-timeout", help="Default per-task time limit, e.g. 90s, 10m."),
]
ExecutorOption = Annotated[
    str | None,
    typer.Option("--executor", help="Where [P] tasks' attempts run with --jobs: local "
                 "(worktrees), ray, command (config executor.kind; docs/distributed.md)."),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option("--ray-address", help="The Ray cluster for --executor ray, HOST:PORT "
                 "(config executor.address, default auto)."),
]


def parse_task_timeout(value: str | None) -> float | None:
    """``--task-timeout`` in seconds; a bad duration is a usage error (exit 2)."""
    if value is None:
        return None
    from orch.durations import parse_duration
    from orch.errors import UsageError

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise UsageError(f"--task-timeout: {exc}") from None
RunArgument = Annotated[
    str | None, typer.Argument(help="Run id (or a unique prefix); default: the latest run.")
]
