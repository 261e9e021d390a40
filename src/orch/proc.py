"""Running shell commands the way orch needs: own process group, timeout, bounded output,
output appended (redacted) to a task log, and a clean stop on SIGINT/SIGTERM.

A command's process group never outlives the command: on timeout or interruption the group is
stopped (TERM, a grace period, then KILL of whatever is left), and when the command ends normally
whatever it left running in the background is stopped the same way. Processes that leave the
group on purpose (``setsid``, daemons) are beyond its reach.
"""

from __future__ import annotations

import contextlib
import os
import select
import selectors
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from orch.directexec import direct_command
from orch.procgroups import GroupRecord, group_exists, start_time, stop_group
from orch.secrets import Redactor, default_redactor

TAIL_LINES = 40
TAIL_LINE_CHARS = 8000
"""The tail keeps the end of a longer line (minified output, a progress bar)."""
_MAX_PARTIAL_LINE = 256 * 1024
"""Output without a newline (a progress bar, binary data) is written on beyond this size."""
_HOLD_BACK = 16 * 1024
"""What of such a partial line stays unwritten, so that no secret is cut in two by the write."""
_ACTIVE: set[subprocess.Popen[bytes]] = set()
_interrupted = False


@dataclass
class _Tracker:
    on_start: Callable[[GroupRecord], None]
    on_end: Callable[[int], None]


_TRACKERS: list[_Tracker] = []
_TRACK_LOCK = threading.Lock()


@contextlib.contextmanager
def track_groups(
    on_start: Callable[[GroupRecord], None], on_end: Callable[[int], None]
) -> Iterator[None]:
    """Call ``on_start`` for each process group started inside the block (before it does any
    work that matters) and ``on_end`` once nothing of it is left, so a crashed run's groups can
    be found and stopped later."""
    tracker = _Tracker(on_start, on_end)
    _TRACKERS.append(tracker)
    try:
        yield
    finally:
        _TRACKERS.remove(tracker)


def _notify_start(pid: int) -> None:
    record = GroupRecord(pgid=pid, start=start_time(pid))
    with _TRACK_LOCK:
        for tracker in list(_TRACKERS):
            tracker.on_start(record)


def _notify_end(pid: int) -> None:
    with _TRACK_LOCK:
        for tracker in list(_TRACKERS):
            tracker.on_end(pid)


class CannotStart(Exception):
    """:func:`run_argv` with ``raise_start_error``: the program could not be started (the
    ``OSError`` is the cause); nothing of it ran."""


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
    :func:`run_argv`. A block that is one plain command runs without the shell, as the shell
    itself would run it (:mod:`orch.directexec`)."""
    whole_env = {**os.environ, **env} if env else os.environ
    direct = direct_command(command, shell, str(cwd), whole_env)
    if direct is not None:
        try:
            return run_argv(direct.argv, cwd=cwd, log_path=log_path, timeout_s=timeout_s,
                            env=direct.env, replace_env=True, redactor=redactor,
                            display=command, executable=direct.executable,
                            raise_start_error=True)
        except CannotStart:
            pass  # refused by the kernel: the shell decides (126, 127, or runs it as a script)
    return run_argv(
        [shell, "-e", "-c", command],
        cwd=cwd,
        log_path=log_path,
        timeout_s=timeout_s,
        env=env,
        redactor=redactor,
        display=command,
    )


def _feed(pipe: IO[bytes], data: bytes) -> None:
    """Write ``data`` to the child's stdin from a thread, then close it: a prompt larger than
    the pipe buffer would otherwise block orch until the child reads it, past any timeout."""
    def write() -> None:
        with contextlib.suppress(OSError, ValueError):  # the child exited or closed its stdin
            pipe.write(data)
        with contextlib.suppress(OSError, ValueError):
            pipe.close()

    threading.Thread(target=write, name="orch-stdin", daemon=True).start()


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
    should_stop: Callable[[], bool] | None = None,
    replace_env: bool = False,
    executable: str | None = None,
    raise_start_error: bool = False,
) -> CommandResult:
    """Run a process in its own process group, streaming its output into ``log_path``.

    ``env`` is added to orch's environment, or with ``replace_env`` is the whole environment.
    ``executable`` is the program to start when ``argv[0]`` is only its name. A program that
    cannot be started is a result with exit status 127, or with ``raise_start_error`` a
    :class:`CannotStart` (nothing is written to the log then).

    On timeout or interruption the whole process group is killed, so no grandchild outlives the
    task; so it is when ``should_stop`` (polled at least every 0.25 s) returns ``True``. Output
    is redacted before it reaches the log or the returned tail.
    """
    redact = redactor or default_redactor()
    shown = display or " ".join(argv)
    started = time.monotonic()
    full_env = dict(env or {}) if replace_env else ({**os.environ, **env} if env else None)
    log = open(log_path, "ab") if log_path is not None else None  # noqa: SIM115
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    pending = b""
    try:
        try:
            proc = subprocess.Popen(
                list(argv),
                executable=executable,
                cwd=cwd,
                env=full_env,
                stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            if raise_start_error:
                raise CannotStart(str(exc)) from exc
            message = redact(f"cannot start {argv[0]!r}: {exc.strerror or exc}")
            if log is not None:
                log.write(f"$ {redact(shown)}\n{message}\n".encode())
            return CommandResult(redact(shown), 127, message, time.monotonic() - started)
        _ACTIVE.add(proc)
        try:
            _notify_start(proc.pid)
            if log is not None:
                log.write(f"$ {redact(shown)}\n".encode())
                log.flush()
            if stdin_text is not None and proc.stdin is not None:
                _feed(proc.stdin, stdin_text.encode())
            assert proc.stdout is not None
            fd = proc.stdout.fileno()
            deadline = started + timeout_s if timeout_s else None
            timed_out = False
            with selectors.DefaultSelector() as selector:
                selector.register(fd, selectors.EVENT_READ)
                timed_out, pending = _pump(proc, selector, deadline, pending, redact, log, tail,
                                           should_stop)
            returncode = proc.wait()
            if group_exists(proc.pid):
                # The command is over; what it left running in the background goes with it.
                stop_group(proc.pid)
            pending = _drain(fd, pending, redact, log, tail)
            if pending:
                _consume(pending if pending.endswith(b"\n") else pending + b"\n", redact, log, tail,
                         final=True)
            proc.stdout.close()
            _ACTIVE.discard(proc)
            _notify_end(proc.pid)
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
        except BaseException:
            # Raised inside orch itself (a KeyboardInterrupt a Ray cancel raises in its worker,
            # a tracker that cannot journal the group, a bug): the command's process group
            # never outlives the call that started it.
            _kill_group(proc)
            _ACTIVE.discard(proc)
            if proc.stdout is not None:
                proc.stdout.close()
            with contextlib.suppress(Exception):  # the error on its way up is the one to show
                _notify_end(proc.pid)
            raise
    finally:
        if log is not None:
            log.close()


def _pump(
    proc: subprocess.Popen[bytes],
    selector: selectors.BaseSelector,
    deadline: float | None,
    pending: bytes,
    redact: Redactor,
    log: IO[bytes] | None,
    tail: deque[str],
    should_stop: Callable[[], bool] | None = None,
) -> tuple[bool, bytes]:
    """Copy output until the leader has exited (and its output is read), the deadline passes
    (the group is killed; returns ``True``), the run is interrupted or ``should_stop`` says so
    (the group is killed)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    eof = False
    exited_at: float | None = None
    while True:
        wait = 0.25
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                _kill_group(proc)
                return True, pending
            wait = min(wait, remaining)
        # Checked before reading: a process that never stops printing must not hide it.
        if _interrupted or (should_stop is not None and should_stop()):
            _kill_group(proc)
            return False, pending
        if not eof and selector.select(wait):
            chunk = os.read(fd, 65536)
            if chunk:
                pending = _consume(pending + chunk, redact, log, tail)
                continue
            eof = True
            selector.unregister(fd)
        elif eof:
            # All output is read: wait for the leader itself (returns as soon as it exits).
            _wait_exit(proc, wait)
        if proc.poll() is not None:
            # The leader is gone but a background grandchild may hold the pipe open:
            # give it a moment, then stop reading.
            exited_at = exited_at or time.monotonic()
            if eof or time.monotonic() - exited_at > 0.5:
                return False, pending


def _wait_exit(proc: subprocess.Popen[bytes], wait: float) -> None:
    """Wait up to ``wait`` s for the leader (not yet reaped) to exit.

    A pidfd (Linux 5.3+) wakes us the moment it exits; ``Popen.wait(timeout)``, the fallback,
    polls with growing sleeps and returns about 2 ms late on average, once per task."""
    try:
        exit_fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
        return
    try:
        select.select([exit_fd], [], [], wait)
    finally:
        os.close(exit_fd)


def _consume(data: bytes, redact: Redactor, log: IO[bytes] | None, tail: deque[str], *,
             final: bool = False) -> bytes:
    """Write complete lines (redacted) to the log and the tail; return the unfinished rest.

    The text is redacted before it is cut, and what stays behind is longer than any secret
    that spans lines (a key with newlines, written in pieces) or, for a line that grows past
    ``_MAX_PARTIAL_LINE`` (a progress bar: joining it chunk by chunk would be quadratic),
    longer than any secret: a secret still arriving lies wholly in the rest."""
    if not final and b"\n" not in data and len(data) <= _MAX_PARTIAL_LINE:
        return data
    redacted = redact.bytes(data)
    if final:
        end = len(redacted)
    else:
        end = redacted.rfind(b"\n", 0, max(0, len(redacted) - redact.multiline_reach)) + 1
        if end == 0 and len(redacted) > _MAX_PARTIAL_LINE:
            end = len(redacted) - max(_HOLD_BACK, redact.longest)
    if end <= 0:
        return redacted
    block, rest = redacted[:end], redacted[end:]
    if log is not None:
        log.write(block)
        log.flush()
    for line in block.decode("utf-8", "replace").splitlines():
        tail.append(line[-TAIL_LINE_CHARS:])
    return rest


def _drain(fd: int, pending: bytes, redact: Redactor, log: IO[bytes] | None,
           tail: deque[str]) -> bytes:
    """Read what is still buffered in the pipe once the group is gone (never blocks; bounded,
    since a process that left the group may still be writing)."""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        for _ in range(64):
            if not selector.select(0):
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            pending = _consume(pending + chunk, redact, log, tail)
    return pending


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the command's whole process group: SIGTERM, a grace period, then SIGKILL of
    whatever remains, even when the leader itself went at once."""

    def wait_leader(timeout: float) -> bool:
        try:
            proc.wait(timeout=None if timeout < 0 else timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    stop_group(proc.pid, wait_leader=wait_leader)


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
