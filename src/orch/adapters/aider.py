"""The ``aider`` adapter: ``aider --message-file F --yes-always --no-auto-commits``.

aider has no structured output: the result comes from its exit code and from ``git status``
before and after (no change at all fails the attempt). ``--no-auto-commits`` leaves commits to
orch. The ``Tokens: … sent, … received. Cost: $… message, $… session.`` lines it prints are
parsed for usage and cost. The task's ``files:`` are added to the chat. ``ORCH_AIDER_ARGS`` adds
flags.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile

from orch.adapters.base import AgentContext, AgentResult, AgentStatus, Usage
from orch.adapters.cli_common import CliAdapter, CliRun, extra_args, failure_status

_TOKENS = re.compile(r"Tokens:\s*(?P<body>[^\n]*?)\.\s*Cost:\s*\$(?P<message>[\d.]+)\s*message,"
                     r"\s*\$(?P<session>[\d.]+)\s*session", re.I)
_COUNT = re.compile(r"([\d.]+)\s*([kKmM]?)\s+(sent|received|cache write|cache hit)")


def _number(value: str, suffix: str) -> int:
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[suffix.lower()]
    return int(float(value) * scale)


def parse_usage(output: str) -> tuple[Usage, float, int]:
    """Usage summed over aider's report lines, the last session cost, and the number of
    model replies reported."""
    usage = Usage()
    cost = 0.0
    replies = 0
    for match in _TOKENS.finditer(output):
        replies += 1
        cost = float(match["session"])
        counts = {kind: _number(v, s) for v, s, kind in _COUNT.findall(match["body"])}
        usage = Usage(
            input_tokens=usage.input_tokens + counts.get("sent", 0),
            output_tokens=usage.output_tokens + counts.get("received", 0),
            cache_creation_input_tokens=(usage.cache_creation_input_tokens
                                         + counts.get("cache write", 0)),
            cache_read_input_tokens=usage.cache_read_input_tokens + counts.get("cache hit", 0))
    return usage, cost, replies


class AiderAdapter(CliAdapter):
    """Runs aider once with the task as its message."""

    name = "aider"
    executable = "aider"
    install = "python -m pip install aider-install && aider-install (or: pipx install aider-chat)"
    prompt_on_stdin = False

    def __init__(self) -> None:
        self._message_file: str | None = None

    def argv(self, context: AgentContext, prompt: str) -> list[str]:
        handle, path = tempfile.mkstemp(prefix="orch-aider-", suffix=".md")
        with os.fdopen(handle, "w", encoding="utf-8") as message:
            message.write(prompt)
        self._message_file = path
        argv = [self.executable, "--message-file", path, "--yes-always", "--no-auto-commits",
                "--no-pretty", "--no-stream", "--no-check-update", "--no-show-model-warnings"]
        if context.role.model:
            argv += ["--model", context.role.model]
        return argv + extra_args("ORCH_AIDER_ARGS") + list(context.task.files)

    def run(self, context: AgentContext) -> AgentResult:
        try:
            return super().run(context)
        finally:
            if self._message_file is not None:
                with contextlib.suppress(OSError):
                    os.unlink(self._message_file)
                self._message_file = None

    def interpret(self, context: AgentContext, run: CliRun) -> AgentResult:
        usage, cost, replies = parse_usage(run.output)
        result = AgentResult(status=AgentStatus.COMPLETED, usage=usage, cost_usd=cost,
                             turns=replies, files_changed=run.files_changed,
                             summary=f"aider changed {len(run.files_changed)} file(s)")
        code = run.command.returncode
        if code != 0:
            tail = [line for line in run.command.tail.splitlines() if line.strip()]
            last = tail[-1] if tail else "no output"
            result.status = failure_status("\n".join(tail[-5:]))
            result.error = f"aider exited {code}: {last[:300]}"
        elif not run.files_changed:
            result.status = AgentStatus.FAILED
            result.error = "aider made no changes"
        return result
