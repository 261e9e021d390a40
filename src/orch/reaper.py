"""A watchdog that stops a worker's process groups when the worker itself dies.

Every command orch runs leads a process group of its own, so that a timeout or Ctrl-C can stop
the whole of it. The same isolation means that when the process running the command dies
without stopping it first — an ``orch worker`` killed by its engine (Ray ends a cancelled task's
worker, or every worker of a driver that exited), the OOM killer, ``kill -9`` — nothing stops
the agent: it runs on, unwatched, on the node.

:func:`reaped_groups` starts ``python -m orch.reaper`` beside the worker, in a session of its
own, and tells it over a pipe about each group the worker starts and stops. When the pipe
closes without the worker saying it is done, the worker is gone: the reaper stops every group
still listed (TERM, a grace period, KILL; a group whose leader's start time differs is not
the one recorded and is left alone) and exits.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import IO

from orch import proc
from orch.procgroups import GroupRecord, stop_recorded_group

_DONE = b"done\n"


@contextlib.contextmanager
def reaped_groups() -> Iterator[int | None]:
    """While the block runs, every process group :mod:`orch.proc` starts in this process is
    stopped by a watchdog process if this process dies before the block ends. Yields the
    watchdog's pid (``None`` when none could start)."""
    try:
        reaper = subprocess.Popen(
            [sys.executable, "-m", "orch.reaper"], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:  # cannot start one: the worker runs as it did without
        yield None
        return
    assert reaper.stdin is not None
    pipe = reaper.stdin
    lock = threading.Lock()

    def tell(line: bytes) -> None:
        with lock, contextlib.suppress(OSError, ValueError):
            pipe.write(line)
            pipe.flush()

    try:
        with proc.track_groups(
                lambda record: tell(b"+%d %d\n" % (record.pgid, record.start or 0)),
                lambda pgid: tell(b"-%d\n" % pgid)):
            yield reaper.pid
    finally:
        tell(_DONE)
        with contextlib.suppress(OSError, ValueError):
            pipe.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            reaper.wait(timeout=5)


def watch(lines: IO[bytes]) -> int:
    """Follow the worker's reports on ``lines``; stop what is left if it ends without
    ``done``. Returns how many groups were stopped."""
    groups: dict[int, int | None] = {}
    for line in lines:
        if line == _DONE:
            return 0
        text = line.strip()
        with contextlib.suppress(ValueError):  # a line torn by the worker's death
            if text.startswith(b"+"):
                number, _, started = text[1:].partition(b" ")
                groups[int(number)] = int(started or b"0") or None
            elif text.startswith(b"-"):
                groups.pop(int(text[1:]), None)
    stopped = 0
    for pgid, start in groups.items():
        if stop_recorded_group(GroupRecord(pgid=pgid, start=start)) is not None:
            stopped += 1
    return stopped


if __name__ == "__main__":
    watch(sys.stdin.buffer)
