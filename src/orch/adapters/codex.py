"""The ``codex`` adapter: ``codex exec --json`` with the prompt on stdin (``-``).

JSONL events: ``thread.started`` (``thread_id``), ``turn.started``, ``item.*`` (an
``agent_message`` item's ``text`` is the summary), ``turn.completed`` (``usage``:
``input_tokens``, ``cached_input_tokens``, ``output_tokens``), ``turn.failed`` (``error.message``)
and ``error`` (``message``). Codex reports no cost: it is computed from the price table when the
model is known. Edits are allowed in the workspace (``--sandbox workspace-write``;
``ORCH_CODEX_ARGS`` adds flags).
"""

from __future__ import annotations

from typing import Any

from orch.adapters.base import AgentContext, AgentResult, AgentStatus, Usage
from orch.adapters.cli_common import CliAdapter, CliRun, extra_args, failure_status, json_lines
from orch.adapters.pricing import add_usage, cost_usd, price_for


class CodexAdapter(CliAdapter):
    """Runs OpenAI Codex CLI non-interactively in the project directory."""

    name = "codex"
    executable = "codex"
    install = "npm install -g @openai/codex"

    def argv(self, context: AgentContext, prompt: str) -> list[str]:
        argv = [self.executable, "exec", "--json", "--skip-git-repo-check"]
        extra = extra_args("ORCH_CODEX_ARGS")
        if not any(a.startswith(("--sandbox", "--full-auto", "--dangerously")) for a in extra):
            argv += ["--sandbox", "workspace-write"]
        if context.role.model:
            argv += ["--model", context.role.model]
        return [*argv, *extra, "-"]

    def interpret(self, context: AgentContext, run: CliRun) -> AgentResult:
        usage = Usage()
        summary = ""
        session: str | None = None
        turns = 0
        failure: str | None = None
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
                used = event.get("usage") or {}
                cached = int(used.get("cached_input_tokens") or 0)
                usage = add_usage(usage, Usage(
                    input_tokens=max(0, int(used.get("input_tokens") or 0) - cached),
                    cache_read_input_tokens=cached,
                    output_tokens=int(used.get("output_tokens") or 0)))
            elif kind == "turn.failed":
                turns += 1
                failure = str((event.get("error") or {}).get("message") or "turn failed")
            elif kind == "error":
                failure = failure or str(event.get("message") or "error")
        price = price_for(context.role.model) if context.role.model else None
        result = AgentResult(status=AgentStatus.COMPLETED, summary=summary, usage=usage,
                             cost_usd=round(cost_usd(usage, price), 6), session_id=session,
                             turns=turns)
        if failure is not None:
            result.status = failure_status(failure)
            result.error = f"codex: {failure[:300]}"
        elif run.command.returncode != 0:
            tail = run.command.tail.strip().splitlines()
            last = tail[-1] if tail else "no output"
            result.status = failure_status(last)
            result.error = f"codex exited {run.command.returncode}: {last[:300]}"
        return result
