"""The ``codex`` adapter: ``codex exec --json`` with the prompt on stdin (``-``).

JSONL events: ``thread.started`` (``thread_id``), ``turn.started``, ``item.*`` (an
``agent_message`` item's ``text`` is the summary; an ``error`` item is a warning, not a
failure), ``turn.completed`` (``usage``: ``input_tokens``, ``cached_input_tokens``,
``cache_write_input_tokens``, ``output_tokens``, ``reasoning_output_tokens``), ``turn.failed``
(``error.message``) and ``error`` (``message``; also sent for a stream retry, "Reconnecting...
1/5", so it fails the run only when no ``turn.completed`` follows it). Codex reports no cost:
it is computed from the price table when the model is known. Edits are allowed in the
workspace (``--sandbox workspace-write``; ``ORCH_CODEX_ARGS`` adds flags).
"""

from __future__ import annotations

from typing import Any

from orch.adapters.base import AgentContext, AgentResult, AgentStatus, Usage
from orch.adapters.cli_common import CliAdapter, CliRun, extra_args, json_lines, last_line
from orch.adapters.cli_errors import KEY_HINT, TRANSIENT, ErrorTable, Rule
from orch.adapters.pricing import add_usage, cost_usd, model_price

ERRORS = ErrorTable(
    # Observed with Codex CLI 0.171 (the message of `error` / `turn.failed` events):
    Rule(r"unexpected status (401|403)|Missing environment variable|OPENAI_API_KEY",
         AgentStatus.FAILED, KEY_HINT),
    Rule(r"experiencing high demand|stream disconnected|exceeded retry limit"
         r"|unexpected status (429|5\d\d)|Reconnecting|usage limit", TRANSIENT),
    Rule(r"unexpected status 4\d\d|context window|model .* (does not exist|not found)",
         AgentStatus.FAILED),
)
"""Codex's error texts."""


def turn_usage(used: dict[str, Any]) -> Usage:
    """One ``turn.completed`` usage in orch's terms. OpenAI counts cached and cache-written
    tokens inside ``input_tokens`` and reasoning tokens inside ``output_tokens``."""
    def count(key: str) -> int:
        value = used.get(key)
        return int(value) if isinstance(value, int | float) else 0

    cached, written = count("cached_input_tokens"), count("cache_write_input_tokens")
    return Usage(input_tokens=max(0, count("input_tokens") - cached - written),
                 cache_read_input_tokens=cached, cache_creation_input_tokens=written,
                 output_tokens=count("output_tokens"),
                 reasoning_output_tokens=count("reasoning_output_tokens"))


class CodexAdapter(CliAdapter):
    """Runs OpenAI Codex CLI non-interactively in the project directory."""

    name = "codex"
    cost_source = "price_table"
    executable = "codex"
    install = "npm install -g @openai/codex"
    help_args = ("exec", "--help")
    flags = ("--json", "--skip-git-repo-check", "--sandbox", "--model")
    retry_lines = r'"type":\s*"error".*(Reconnecting\.\.\.|retrying \d+/\d+)'
    progress_lines = r'"type":\s*"(item\.completed|turn\.completed)"'

    def argv(self, context: AgentContext, prompt: str) -> list[str]:
        argv = [self.executable, "exec", "--json", "--skip-git-repo-check"]
        extra = extra_args("ORCH_CODEX_ARGS")
        # the user's own sandbox choice wins (codex rejects --sandbox given twice)
        if not any(a.startswith(("--sandbox", "-s", "--full-auto", "--dangerously", "--yolo"))
                   for a in extra):
            argv += ["--sandbox", "workspace-write"]
        if context.role.model:
            argv += ["--model", context.role.model]
        return [*argv, *extra, "-"]

    def retry_note(self) -> str:
        return ("Codex retries per its provider's request_max_retries and stream_max_retries in "
                "config.toml (no flag for the built-in provider); orch stops it after "
                "api_retry_seconds of `Reconnecting...` events with no progress")

    def interpret(self, context: AgentContext, run: CliRun) -> AgentResult:
        usage = Usage()
        summary = ""
        session: str | None = None
        turns = 0
        failure: str | None = None
        warning: str | None = None  # an `error` event: fatal only if no turn completes after it
        for event in json_lines(run.output):
            kind = event.get("type")
            if kind == "thread.started":
                session = str(event.get("thread_id") or "") or None
            elif kind == "item.completed":
                item: dict[str, Any] = event.get("item") or {}
                if item.get("type") in ("agent_message", "assistant_message") and item.get("text"):
                    summary = str(item["text"])
            elif kind == "turn.completed":
                turns += 1
                usage = add_usage(usage, turn_usage(event.get("usage") or {}))
                warning = None  # the turn recovered from it (e.g. "Reconnecting... 1/5")
            elif kind == "turn.failed":
                turns += 1
                failure = str((event.get("error") or {}).get("message") or "turn failed")
            elif kind == "error":
                warning = warning or str(event.get("message") or "error")
        failure = failure or warning
        price = model_price(context.role.model, context.project_dir)
        result = AgentResult(status=AgentStatus.COMPLETED, summary=summary, usage=usage,
                             cost_usd=round(cost_usd(usage, price), 6), session_id=session,
                             turns=turns)
        if failure is not None:
            verdict = ERRORS.classify(failure)
            result.status, result.error = verdict.status, f"codex: {verdict.describe(failure)}"
        elif run.command.returncode != 0:
            last = last_line(run.command.tail)
            verdict = ERRORS.classify(last)
            result.status = verdict.status
            result.error = f"codex exited {run.command.returncode}: {verdict.describe(last)}"
        return result
