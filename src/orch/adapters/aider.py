"""The ``aider`` adapter: ``aider --message-file F --yes-always --no-auto-commits``.

aider has no structured output and exits 0 even when every API call failed, so the result
comes from its exit code, the litellm error lines it prints (``litellm.RateLimitError: …``) and
``git status`` before and after (no change at all fails the attempt). ``--no-auto-commits``
leaves commits to orch; ``--no-gitignore`` stops aider adding ``.aider*`` to the project's
``.gitignore``, and orch ignores aider's own files (chat history, tags cache) in the
repository's ``info/exclude`` instead, so they are neither the task's changes nor checkpointed.
``--no-analytics`` keeps ``--yes-always`` from opting in to analytics. The ``Tokens: … sent, …
received. Cost: $… message, $… session.`` lines give usage and cost. The task's ``files:`` that
exist are added to the chat (aider would create a missing one empty before the model runs).
``ORCH_AIDER_ARGS`` adds flags.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile

from orch.adapters.base import AgentContext, AgentResult, AgentStatus, Usage
from orch.adapters.cli_common import CliAdapter, CliRun, extra_args, last_line
from orch.adapters.cli_errors import KEY_HINT, TRANSIENT, ErrorTable, Rule
from orch.vcs.changes import exclude_locally

_TOKENS = re.compile(r"Tokens:\s*(?P<body>[^\n]*?)\.\s*Cost:\s*\$(?P<message>[\d.]+)\s*message,"
                     r"\s*\$(?P<session>[\d.]+)\s*session", re.I)
_COUNT = re.compile(r"([\d.]+)\s*([kKmM]?)\s+(sent|received|cache write|cache hit)")
_LITELLM_ERROR = re.compile(r"^litellm\.\w+(Error|Exception)\b.*$", re.M)

AIDER_FILES = [".aider*"]
"""aider's own files in the project (chat and input history, tags cache)."""

ERRORS = ErrorTable(
    # litellm's exception classes, as aider 0.86 prints them (it exits 0 after them):
    Rule(r"litellm\.(AuthenticationError|PermissionDeniedError)|Check your API key",
         AgentStatus.FAILED, KEY_HINT),
    Rule(r"litellm\.(RateLimitError|InternalServerError|ServiceUnavailableError|APIConnectionError"
         r"|Timeout|APIError)|servers are down or overloaded", TRANSIENT),
    Rule(r"litellm\.(BadRequestError|NotFoundError|ContextWindowExceededError"
         r"|UnprocessableEntityError)", AgentStatus.FAILED),
)
"""aider's error texts."""


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


def api_error(output: str) -> str | None:
    """The last litellm error line aider printed, when no model reply came after it."""
    errors = list(_LITELLM_ERROR.finditer(output))
    if not errors:
        return None
    last = errors[-1]
    if _TOKENS.search(output, last.end()):
        return None  # a retry succeeded after the error
    return last.group(0).strip()


class AiderAdapter(CliAdapter):
    """Runs aider once with the task as its message."""

    name = "aider"
    cost_source = "self_priced"
    executable = "aider"
    install = "python -m pip install aider-install && aider-install (or: pipx install aider-chat)"
    prompt_on_stdin = False
    retry_lines = r"^Retrying in [\d.]+ seconds"
    progress_lines = r"^Tokens:|^Applied edit"
    flags = ("--message-file", "--yes-always", "--no-auto-commits", "--no-gitignore",
             "--no-analytics", "--no-pretty", "--no-stream", "--no-check-update",
             "--no-show-model-warnings", "--model")

    def __init__(self) -> None:
        self._message_file: str | None = None

    def argv(self, context: AgentContext, prompt: str) -> list[str]:
        handle, path = tempfile.mkstemp(prefix="orch-aider-", suffix=".md")
        with os.fdopen(handle, "w", encoding="utf-8") as message:
            message.write(prompt)
        self._message_file = path
        argv = [self.executable, "--message-file", path, "--yes-always", "--no-auto-commits",
                "--no-gitignore", "--no-analytics", "--no-pretty", "--no-stream",
                "--no-check-update", "--no-show-model-warnings"]
        if context.role.model:
            argv += ["--model", context.role.model]
        files = [f for f in context.task.files if (context.project_dir / f).exists()]
        return argv + extra_args("ORCH_AIDER_ARGS") + files

    def retry_note(self) -> str:
        return ("aider retries API errors itself for about 60 s and has no setting for it; orch "
                "stops it after api_retry_seconds of `Retrying in` lines with no progress")

    def prepare(self, context: AgentContext) -> None:
        exclude_locally(context.project_dir, AIDER_FILES)

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
        failure = api_error(run.output)
        if code != 0:
            message = failure or last_line(run.command.tail)
            verdict = ERRORS.classify(message)
            result.status = verdict.status
            result.error = f"aider exited {code}: {verdict.describe(message)}"
        elif failure is not None:
            verdict = ERRORS.classify(failure)
            result.status = verdict.status
            result.error = f"aider: {verdict.describe(failure)}"
        elif not run.files_changed:
            result.status = AgentStatus.FAILED
            result.error = "aider made no changes"
        return result
