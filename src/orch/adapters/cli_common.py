"""Shared plumbing of the subprocess adapters (claude-code, codex, gemini, aider).

Each runs its tool's non-interactive mode through :func:`orch.proc.run_argv` (own process
group, timeout, redacted output streamed into the task log), then reads back what the tool wrote
to the log since it started and maps it onto an :class:`AgentResult`. Files changed are derived
from ``git status`` before and after (content hashes, so a file already dirty and changed again
counts), never from the tool's word. Errors are classified with the adapter's
:class:`~orch.adapters.cli_errors.ErrorTable`; :attr:`CliAdapter.retry_note` says in the log how
the tool's own retries are bounded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from typing import Any

from orch import proc
from orch.adapters.base import AgentContext, AgentResult, AgentStatus, Usage
from orch.adapters.cli_probe import Probe, probe
from orch.adapters.cli_retries import RetryWatch, retry_seconds
from orch.adapters.pricing import total_tokens
from orch.adapters.prompt import full_prompt
from orch.adapters.transcript import Transcript
from orch.adapters.unpriced import first_time, may_be_unpriced, unpriced_warning
from orch.proc import CommandResult, run_argv
from orch.vcs.changes import status_digests


def missing_executable(executable: str, install: str) -> str | None:
    """``None`` when ``executable`` is on PATH, else one line naming the install command."""
    if shutil.which(executable):
        return None
    return f"`{executable}` is not on PATH; install it with `{install}`"


git_state = status_digests
"""Every dirty or untracked path mapped to a hash of its content; ``None`` outside git."""


def changed_files(before: dict[str, str] | None, after: dict[str, str] | None) -> list[str]:
    """Paths whose git status or content differs between two :func:`git_state` snapshots."""
    if before is None or after is None:
        return []
    return sorted(path for path in {*before, *after} if before.get(path) != after.get(path))


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON objects among ``text``'s lines (other output, e.g. warnings, is skipped)."""
    events: list[dict[str, Any]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            events.append(value)
    return events


@dataclass
class CliRun:
    """What one tool invocation produced."""

    command: CommandResult
    output: str
    files_changed: list[str] = field(default_factory=list)
    model: str | None = None
    """The model the tool said it used, when it says (gemini's ``init`` event)."""


def budget_refusal(context: AgentContext) -> AgentResult | None:
    """A ``budget_exceeded`` result when nothing is left to spend, before the tool starts."""
    budget = context.budget
    spent = ((budget.max_cost_usd is not None and budget.max_cost_usd <= 0)
             or (budget.max_tokens is not None and budget.max_tokens <= 0)
             or (budget.max_turns is not None and budget.max_turns <= 0)
             or (budget.max_seconds is not None and budget.max_seconds <= 0))
    if not spent:
        return None
    return AgentResult(status=AgentStatus.BUDGET_EXCEEDED, log_path=str(context.log_path),
                       error="no budget left for another model call; not started")


def time_limit(context: AgentContext) -> float | None:
    """The tool's wall-clock limit: the smaller of the task timeout and the budget's time cap."""
    limits = [t for t in (context.timeout_s, context.budget.max_seconds) if t]
    return min(limits) if limits else None


class CliAdapter:
    """Base of the subprocess adapters: subclasses give the argv and parse the output."""

    name = "cli"
    executable = ""
    install = ""
    prompt_on_stdin = True
    version_args: tuple[str, ...] = ("--version",)
    help_args: tuple[str, ...] = ("--help",)
    flags: tuple[str, ...] = ()
    """The flags orch passes that the installed CLI's help must list (``orch agents --check``)."""
    retry_lines: str | None = None
    """A regex for the lines the CLI prints when it retries an API call (``None``: not
    watched); see :mod:`orch.adapters.cli_retries`."""
    progress_lines = r"(?!)"
    """A regex for lines that show the CLI got past its retries (a reply, a tool call)."""

    def available(self) -> str | None:
        return missing_executable(self.executable, self.install)

    def argv(self, context: AgentContext, prompt: str) -> list[str]:
        """The command line (the prompt is on stdin when ``prompt_on_stdin``)."""
        raise NotImplementedError

    def interpret(self, context: AgentContext, run: CliRun) -> AgentResult:
        """Map the tool's output and exit code onto a result."""
        raise NotImplementedError

    def run(self, context: AgentContext) -> AgentResult:
        refusal = budget_refusal(context)
        if refusal is not None:
            return refusal
        missing = self.available()
        if missing is not None:
            return AgentResult(status=AgentStatus.FAILED, error=missing,
                               log_path=str(context.log_path))
        if context.cancel_check is not None and context.cancel_check() or proc.interrupted():
            return AgentResult(status=AgentStatus.INTERRUPTED, error="interrupted",
                               log_path=str(context.log_path))
        log = Transcript(context.log_path)
        prompt = full_prompt(context)
        log.section(f"{self.name} prompt", prompt, limit=50_000)
        log.section(f"{self.name} retries: {self.retry_note()}")
        self.prepare(context)
        before = git_state(context.project_dir)
        offset = log.size()
        limit = time_limit(context)
        watch = self._retry_watch(context, offset)
        try:
            command = run_argv(self.argv(context, prompt), cwd=context.project_dir,
                               log_path=context.log_path, timeout_s=limit,
                               env={**context.env, **self.extra_env(context)},
                               stdin_text=prompt if self.prompt_on_stdin else None,
                               display=f"{self.executable} … ({self.name} adapter)",
                               should_stop=watch)
        except Exception as exc:  # noqa: BLE001 - an adapter never raises for a task failure
            return AgentResult(status=AgentStatus.FAILED, log_path=str(context.log_path),
                               error=f"{self.executable} could not run: {exc}")
        output = log.read_from(offset)
        run = CliRun(command, output, changed_files(before, git_state(context.project_dir)))
        if command.interrupted:
            result = AgentResult(status=AgentStatus.INTERRUPTED, error="interrupted")
        elif watch is not None and watch.fired:
            result = self.interpret(context, run)
            result.status = AgentStatus.API_ERROR
            result.error = watch.stopped_error(self.executable)
        elif command.timed_out:
            result = self.interpret(context, run)
            result.status = AgentStatus.TIMEOUT
            result.error = (watch.timeout_error(self.executable, limit) if watch is not None
                            else f"{self.executable} timed out after {limit:g}s")
        else:
            result = self.interpret(context, run)
        result.files_changed = result.files_changed or run.files_changed
        result.log_path = str(context.log_path)
        self._warn_unpriced(context, run, result, log)
        log.section(f"{self.name} result: {result.status.value}"
                    f"{' · ' + result.error if result.error else ''} · ${result.cost_usd:.4f}")
        return result

    def _retry_watch(self, context: AgentContext, offset: int) -> RetryWatch | None:
        """What stops the CLI once it has kept retrying for ``api_retry_seconds``."""
        if self.retry_lines is None:
            return None
        return RetryWatch(context.log_path, offset, re.compile(self.retry_lines),
                          re.compile(self.progress_lines), retry_seconds(context.project_dir))

    def _warn_unpriced(self, context: AgentContext, run: CliRun, result: AgentResult,
                       log: Transcript) -> None:
        """Say once per run and model that tokens were used at no known price (a cost cap
        cannot see them)."""
        if (not may_be_unpriced(self) or result.cost_usd > 0
                or total_tokens(result.usage) == 0):
            return
        model = context.role.model or run.model
        if not first_time(self.name, model):
            return
        message = f"{context.task.id}: " + unpriced_warning(
            self.name, model, capped=context.budget.max_cost_usd is not None)
        log.section(f"warning: {message}")
        if context.notify is not None:
            context.notify(message)

    def check(self) -> Probe:
        """The installed CLI's version and the :attr:`flags` its help does not list."""
        return probe(self.executable, self.version_args, self.help_args, self.flags)

    def retry_note(self) -> str:
        """One line for the log: how the tool's own retries are bounded, or that they are not."""
        return "orch passes no retry setting to this tool"

    def prepare(self, context: AgentContext) -> None:
        """Set-up before the tool starts (and before the tree is snapshotted); none by default."""

    def extra_env(self, context: AgentContext) -> dict[str, str]:
        """Environment the tool needs on top of the context's (none by default)."""
        return {}


def last_line(text: str) -> str:
    """The last non-blank line of ``text`` (``"no output"`` when there is none)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


def env_or(variable: str, default: str) -> str:
    """``variable``'s value in orch's environment, else ``default`` (the user's setting wins)."""
    return os.environ.get(variable) or default


def extra_args(variable: str) -> list[str]:
    """User-supplied extra arguments from an environment variable (shell-quoted)."""
    import shlex

    raw = os.environ.get(variable, "")
    return shlex.split(raw) if raw.strip() else []


def usage_of(values: dict[str, Any], **names: str) -> Usage:
    """A :class:`Usage` from a dict, mapping our field names to the tool's: ``input_tokens=
    "inputTokens"``; missing or non-numeric values count as 0."""
    fields: dict[str, int] = {}
    for ours, theirs in names.items():
        value = values.get(theirs, 0)
        fields[ours] = int(value) if isinstance(value, int | float) else 0
    return Usage(**fields)
