"""`orch worker`: one attempt as a self-contained process (docs/distributed.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from orch.cli.common import cli_errors


def register(app: typer.Typer) -> None:
    app.command("worker")(command)


def command(
    ctx: typer.Context,
    input_file: Annotated[
        Path | None,
        typer.Option("--input", "-i", help="Read the request from FILE instead of stdin.",
                     dir_okay=False),
    ] = None,
) -> None:
    """Run one attempt from a request on stdin; write the outcome to stdout.

    The request is the versioned JSON message a remote executor sends (the attempt request
    plus a git bundle of its base commit); the reply carries the outcome, the log and a bundle
    of the task's commit. Nothing is left behind; no project checkout is needed. Used by the
    ray and command executors; see docs/distributed.md."""
    with cli_errors(ctx):
        import os
        import sys

        from orch.errors import UsageError
        from orch.runner.remote import WorkerInputError, run_attempt_message

        raw = input_file.read_bytes() if input_file is not None else sys.stdin.buffer.read()
        # Only the reply goes to stdout: anything else printed during the attempt goes to stderr.
        reply_fd = os.dup(1)
        os.dup2(2, 1)
        try:
            reply = run_attempt_message(raw)
        except WorkerInputError as exc:
            raise UsageError(f"orch worker: {exc}",
                             hint="the controller and the worker must run the same orch; "
                                  "see docs/distributed.md for the wire format") from None
        finally:
            sys.stdout.flush()
            os.dup2(reply_fd, 1)
            os.close(reply_fd)
        sys.stdout.buffer.write(reply)
        sys.stdout.flush()
