"""Running shell commands the way orch needs: own process group, timeout, bounded output,
output appended (redacted) to a task log, and a clean stop on SIGINT/SIGTERM."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from orch.secrets import Redactor, default_redactor

TAIL_LINES = 40
_ACTIVE: set[subprocess.Popen[bytes]] = set()
_interrupted = False


@dataclass
class CommandResult:
    """How one command ended. ``tail`` is the last lines of its combined output."""

    command: str
    returncode: int | None
    tail: str
    duration_s: float
    timed_out: bool = False
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.interrupted


def run_shell(
    command: str,
    *,
    cwd: Path,
    log_path: Path | None = None,
    timeout_s: float | None = None,
    env: Mapping[str, str] | None = None,
    redactor: Redactor | None = None,
    shell: str = "bash",
) -> CommandResult:
    """Run ``command`` with ``<shell> -e -c`` (bash unless told) in ``cwd``; see
    :func:`run_argv`."""
    return run_argv(
        [shell, "-e", "-c", command],
        cwd=cwd,
        log_path=log_path,
        timeout_s=timeout_s,
        env=env,
        redactor=redactor,
        display=command,
    )


def run_argv(
    argv: Sequence[str],
    *,
    cwd: Path,
    log_path: Path | None = None,
    timeout_s: float | None = None,
    env: Mapping[str, str] | None = None,
    redactor: Redactor | None = None,
    stdin_text: str | None = None,
    display: str | None = None,
) -> CommandResult:
    """Run a process in its own process group, streaming its output into ``log_path``.

    On timeout or interruption the whole process group is killed, so no grandchild outlives the
    task. Output is redacted before it reaches the log or the returned tail.
    """
    redact = redactor or default_redactor()
    shown = display or " ".join(argv)
    started = time.monotonic()
    full_env = {**os.environ, **env} if env else None
    log = open(log_path, "ab") if log_path is not None else None  # noqa: SIM115
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    pending = b""
    timed_out = False
    try:
        try:
            proc = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=full_env,
                stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            message = f"cannot start {argv[0]!r}: {exc.strerror or exc}"
            if log is not None:
                log.write(f"$ {shown}\n{message}\n".encode())
            return CommandResult(shown, 127, message, time.monotonic() - started)
        _ACTIVE.add(proc)
        if log is not None:
            log.write(f"$ {redact(shown)}\n".encode())
            log.flush()
        if stdin_text is not None and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                proc.stdin.write(stdin_text.encode())
            proc.stdin.close()
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = started + timeout_s if timeout_s else None
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            exited_at: float | None = None
            while True:
                wait = 0.25
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        timed_out = True
                        _kill_group(proc)
                        break
                    wait = min(wait, remaining)
                if selector.select(wait):
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    pending = _consume(pending + chunk, redact, log, tail)
                    continue
                if _interrupted:
                    _kill_group(proc)
                    break
                if proc.poll() is not None:
                    # The process is gone but a background grandchild may hold the pipe open:
                    # give it a moment, then stop reading.
                    exited_at = exited_at or time.monotonic()
                    if time.monotonic() - exited_at > 0.5:
                        break
        if pending:
            _consume(pending + b"\n", redact, log, tail)
        proc.stdout.close()
        returncode = proc.wait()
        _ACTIVE.discard(proc)
        if timed_out and log is not None:
            log.write(f"orch: timed out after {timeout_s:g}s; process group killed\n".encode())
        return CommandResult(
            command=redact(shown),
            returncode=None if timed_out else returncode,
            tail="\n".join(tail),
            duration_s=time.monotonic() - started,
            timed_out=timed_out,
            interrupted=_interrupted and not timed_out and returncode != 0,
        )
    finally:
        if log is not None:
            log.close()


def _consume(data: bytes, redact: Redactor, log: IO[bytes] | None, tail: deque[str]) -> bytes:
    """Write complete lines (redacted) to the log and the tail; return the unfinished rest."""
    *lines, rest = data.split(b"\n")
    if lines:
        block = redact.bytes(b"\n".join(lines) + b"\n")
        if log is not None:
            log.write(block)
            log.flush()
        for line in block.decode("utf-8", "replace").splitlines():
            tail.append(line)
    return rest


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after a short grace."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            proc.wait(timeout=grace or None)
            return
        except subprocess.TimeoutExpired:
            continue


def interrupt_all() -> None:
    """Called from the signal handler: mark the run interrupted and stop every running group."""
    global _interrupted
    _interrupted = True
    for proc in list(_ACTIVE):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(os.getpgid(proc.pid), signal.SIGTERM)


def interrupted() -> bool:
    """Whether :func:`interrupt_all` has been called in this process."""
    return _interrupted


def reset_interrupt() -> None:
    """Forget a previous interruption (tests run several runs in one process)."""
    global _interrupted
    _interrupted = False
