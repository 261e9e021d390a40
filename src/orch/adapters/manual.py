"""The ``manual`` adapter: shows the task to a person and waits until they say it is done.

It talks on the terminal (``/dev/tty``), the one adapter allowed to. Without a terminal, or with
``--yes`` / ``ORCH_ASSUME_YES`` (CI), it fails at once with a clear message instead of waiting.
"""

from __future__ import annotations

import os
import select
import time
from typing import IO

from orch import proc
from orch.adapters.base import AgentContext, AgentResult, AgentStatus
from orch.adapters.cli_common import changed_files, git_state
from orch.adapters.prompt import task_prompt
from orch.adapters.transcript import Transcript
from orch.envflags import env_flag
from orch.terminal_hold import waiting_for_person

NON_INTERACTIVE = ("the manual agent needs a person at a terminal; this run is non-interactive "
                   "(--yes, ORCH_ASSUME_YES or no terminal)")


def _assume_yes(env: dict[str, str] | None = None) -> bool:
    return env_flag("ORCH_ASSUME_YES", env=env or {}) or env_flag("ORCH_ASSUME_YES")


class ManualAdapter:
    """Prints the task, then reads ``done`` / ``fail`` from the person at the terminal."""

    name = "manual"
    calls_model = False
    needs_terminal = True

    def __init__(self, terminal_in: IO[str] | None = None,
                 terminal_out: IO[str] | None = None) -> None:
        self._in = terminal_in
        self._out = terminal_out

    def available(self) -> str | None:
        if _assume_yes():
            return NON_INTERACTIVE
        if self._in is not None:
            return None
        try:
            with open("/dev/tty", encoding="utf-8"):
                return None
        except OSError:
            return NON_INTERACTIVE

    def run(self, context: AgentContext) -> AgentResult:
        log = Transcript(context.log_path)
        if _assume_yes(context.env) or self.available() is not None:
            log.section("manual agent", NON_INTERACTIVE)
            return AgentResult(status=AgentStatus.FAILED, error=NON_INTERACTIVE,
                               log_path=str(context.log_path))
        terminal_in, terminal_out, owned = self._terminal()
        try:
            with waiting_for_person():  # the live display stops while the person answers
                return self._ask(context, log, terminal_in, terminal_out)
        finally:
            if owned:
                terminal_in.close()
                terminal_out.close()

    def _terminal(self) -> tuple[IO[str], IO[str], bool]:
        if self._in is not None:
            return self._in, self._out or open(os.devnull, "w"), False  # noqa: SIM115
        return (open("/dev/tty", encoding="utf-8"),  # noqa: SIM115
                open("/dev/tty", "w", encoding="utf-8"), True)  # noqa: SIM115

    def _ask(self, context: AgentContext, log: Transcript, terminal_in: IO[str],
             terminal_out: IO[str]) -> AgentResult:
        prompt = task_prompt(context)
        log.section("manual task", prompt)
        before = git_state(context.project_dir)
        terminal_out.write(f"\n=== orch: task {context.task.id} is yours ===\n{prompt}\n\n"
                           "Do the work, then type `done` (or `fail REASON`) and Enter: ")
        terminal_out.flush()
        deadline = time.monotonic() + context.timeout_s if context.timeout_s else None
        while True:
            if proc.interrupted() or (context.cancel_check and context.cancel_check()):
                return AgentResult(status=AgentStatus.INTERRUPTED, error="interrupted",
                                   log_path=str(context.log_path))
            if deadline is not None and time.monotonic() >= deadline:
                return AgentResult(status=AgentStatus.TIMEOUT, log_path=str(context.log_path),
                                   error=f"no answer within {context.timeout_s:g}s")
            if not _readable(terminal_in, 0.2):
                continue
            answer = terminal_in.readline()
            if answer == "":
                return AgentResult(status=AgentStatus.FAILED, error="terminal closed",
                                   log_path=str(context.log_path))
            word, _, rest = answer.strip().partition(" ")
            files = changed_files(before, git_state(context.project_dir))
            log.section("manual answer", answer.strip())
            if word.lower() in ("done", "d", "y", "yes"):
                return AgentResult(status=AgentStatus.COMPLETED, summary=rest or "done by hand",
                                   files_changed=files, log_path=str(context.log_path))
            if word.lower() in ("fail", "f", "n", "no"):
                return AgentResult(status=AgentStatus.FAILED, files_changed=files,
                                   error=f"marked failed by hand{': ' + rest if rest else ''}",
                                   log_path=str(context.log_path))
            terminal_out.write("Type `done` or `fail REASON`: ")
            terminal_out.flush()


def _readable(stream: IO[str], timeout: float) -> bool:
    try:
        ready, _, _ = select.select([stream], [], [], timeout)
    except (ValueError, OSError, TypeError):
        return True  # not selectable (e.g. StringIO): just read
    return bool(ready)
