"""The manual agent under a real pseudo-terminal: the live display stops while orch waits for a
person, so the question stays visible and the answer is never glued to a spinner frame."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

from conftest import commit_all

PROMPT = "Do the work, then type `done` (or `fail REASON`) and Enter: "
SPINNER = set("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
PLAN = ("# P\n\n## Phase 1: By hand\n\n- [ ] T001 Write one by hand\n"
        "- [ ] T002 Write two by hand\n")


def read_for(fd: int, seconds: float) -> bytes:
    """Whatever the terminal shows in ``seconds`` (stops early at end of output)."""
    out = b""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return out


def read_until(fd: int, text: bytes, seen: bytes, limit: float = 60) -> bytes:
    deadline = time.monotonic() + limit
    while text not in seen:
        assert time.monotonic() < deadline, seen.decode(errors="replace")[-2000:]
        chunk = read_for(fd, 0.5)
        seen += chunk
    return seen


def test_two_manual_tasks_each_show_their_question_and_no_spinner_after_it(
    git_repo: Path,
) -> None:
    (git_repo / "plan.md").write_text(PLAN)
    commit_all(git_repo)
    env = {**os.environ, "COLUMNS": "100", "LINES": "40", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    env.pop("ORCH_ASSUME_YES", None)
    pid, fd = pty.fork()
    if pid == 0:  # the child: orch with the pty as its controlling terminal
        os.chdir(git_repo)
        os.execve(sys.executable, [sys.executable, "-m", "orch", "run", "plan.md",
                                   "--agent", "manual", "--commit", "none"], env)
    seen = b""
    finished = False
    try:
        for task in ("T001", "T002"):
            seen = read_until(fd, f"task {task} is yours".encode(), seen)
            seen = read_until(fd, PROMPT.encode(), seen)
            before = len(seen)
            seen += read_for(fd, 1.0)  # a live spinner would redraw ~8 times meanwhile
            waiting = seen[before:].decode(errors="replace")
            assert not SPINNER & set(waiting), repr(waiting)
            assert "\x1b[2K" not in waiting and "\r" not in waiting, repr(waiting)
            os.write(fd, b"done\n")
            seen = read_until(fd, b"done\r\n", seen)
        seen += read_for(fd, 30)
        finished = True
    finally:
        if not finished:  # a failed assertion above: orch still waits for a person
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = seen.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text[-2000:]
    for line in text.split("\n"):
        if PROMPT in line:
            assert not SPINNER & set(line), repr(line)
    assert text.count(PROMPT + "done") == 2, repr(text[-3000:])
