"""The ``claude-code`` adapter: ``claude -p --output-format stream-json --verbose``.

The prompt goes on stdin. The last ``{"type": "result"}`` line carries the outcome: ``subtype``
``success`` / ``error_max_turns`` / ``error_max_budget_usd`` / ``error_during_execution``,
``is_error``, ``result`` (the final text), ``total_cost_usd``, ``num_turns``, ``session_id`` and
``usage``. Caps are passed on as ``--max-turns`` and ``--max-budget-usd``; edits are accepted
without asking (``--permission-mode acceptEdits``; ``ORCH_CLAUDE_ARGS`` adds or overrides flags).
"""

from __future__ import annotations

from orch.adapters.base import AgentContext, AgentResult, AgentStatus
from orch.adapters.cli_common import (
    CliAdapter,
    CliRun,
    extra_args,
    failure_status,
    json_lines,
    usage_of,
)

SUBTYPES = {
    "success": AgentStatus.COMPLETED,
    "error_max_turns": AgentStatus.MAX_TURNS,
    "error_max_budget_usd": AgentStatus.BUDGET_EXCEEDED,
    "error_during_execution": AgentStatus.FAILED,
}


class ClaudeCodeAdapter(CliAdapter):
    """Runs Claude Code headless in the project directory."""

    name = "claude-code"
    executable = "claude"
    install = "npm install -g @anthropic-ai/claude-code"

    def argv(self, context: AgentContext, prompt: str) -> list[str]:
        argv = [self.executable, "-p", "--output-format", "stream-json", "--verbose"]
        extra = extra_args("ORCH_CLAUDE_ARGS")
        if not any(a.startswith(("--permission-mode", "--dangerously")) for a in extra):
            argv += ["--permission-mode", "acceptEdits"]
        role = context.role
        if role.model and role.model != "inherit":
            argv += ["--model", role.model]
        if role.tools:
            argv += ["--allowedTools", ",".join(role.tools)]
        budget = context.budget
        if budget.max_turns:
            argv += ["--max-turns", str(budget.max_turns)]
        if budget.max_cost_usd is not None:
            argv += ["--max-budget-usd", f"{budget.max_cost_usd:.4f}"]
        return argv + extra

    def interpret(self, context: AgentContext, run: CliRun) -> AgentResult:
        events = json_lines(run.output)
        results = [e for e in events if e.get("type") == "result"]
        session = next((e.get("session_id") for e in events if e.get("session_id")), None)
        if not results:
            tail = run.command.tail.strip().splitlines()
            last = tail[-1] if tail else "no output"
            return AgentResult(status=failure_status(last), session_id=session,
                               error=f"claude exited {run.command.returncode} without a result: "
                                     f"{last[:300]}")
        final = results[-1]
        subtype = str(final.get("subtype", ""))
        text = final.get("result") if isinstance(final.get("result"), str) else ""
        status = SUBTYPES.get(subtype, AgentStatus.FAILED)
        error: str | None = None
        if status is AgentStatus.COMPLETED and (final.get("is_error")
                                                or run.command.returncode not in (0, None)):
            status = failure_status(text or "")
            error = (text or "claude reported an error")[:300]
        elif status is not AgentStatus.COMPLETED:
            detail = "; ".join(str(e) for e in final.get("errors", []) or [])[:300]
            error = f"claude: {subtype}" + (f": {detail}" if detail else "")
        usage = final.get("usage") if isinstance(final.get("usage"), dict) else {}
        cost = final.get("total_cost_usd", final.get("cost_usd", 0.0))
        return AgentResult(
            status=status, summary=text or "", error=error,
            usage=usage_of(usage or {}, input_tokens="input_tokens",
                            output_tokens="output_tokens",
                            cache_creation_input_tokens="cache_creation_input_tokens",
                            cache_read_input_tokens="cache_read_input_tokens"),
            cost_usd=float(cost) if isinstance(cost, int | float) else 0.0,
            session_id=final.get("session_id") or session,
            turns=int(final.get("num_turns") or 0))
