"""The ``shell`` adapter: runs the task's fenced command blocks in the project directory."""

from __future__ import annotations

from orch.adapters.base import AgentContext, AgentResult, AgentStatus
from orch.proc import run_shell


class ShellAdapter:
    """Runs each fenced block with ``bash -e -c`` (one plain command: directly, see
    :mod:`orch.directexec`); the first failing block fails the attempt."""

    name = "shell"
    calls_model = False
    needs_terminal = False

    def available(self) -> str | None:
        return None

    def run(self, context: AgentContext) -> AgentResult:
        commands = context.task.commands
        if not commands:
            return AgentResult(status=AgentStatus.COMPLETED, summary="no commands to run",
                               log_path=str(context.log_path))
        for index, command in enumerate(commands):
            result = run_shell(command, cwd=context.project_dir, log_path=context.log_path,
                               timeout_s=context.timeout_s, env=context.env,
                               shell=context.task.shell_for(index))
            if result.interrupted:
                return AgentResult(status=AgentStatus.INTERRUPTED, error="interrupted",
                                   log_path=str(context.log_path))
            if result.timed_out:
                return AgentResult(
                    status=AgentStatus.TIMEOUT,
                    error=f"timed out after {context.timeout_s:g}s: {_first_line(command)}",
                    summary=result.tail, log_path=str(context.log_path))
            if not result.ok:
                return AgentResult(
                    status=AgentStatus.FAILED,
                    error=f"exit {result.returncode}: {_first_line(command)}",
                    summary=result.tail, log_path=str(context.log_path))
        return AgentResult(status=AgentStatus.COMPLETED,
                           summary=f"ran {len(commands)} command block(s)",
                           log_path=str(context.log_path))


def _first_line(command: str) -> str:
    lines = [line for line in command.strip().splitlines() if line.strip()]
    first = lines[0] if lines else command
    return first + (" …" if len(lines) > 1 else "")
