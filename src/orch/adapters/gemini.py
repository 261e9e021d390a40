"""The ``gemini`` adapter: ``gemini -p PROMPT --output-format stream-json --yolo``.

JSONL events: ``init`` (``session_id``, ``model``), ``message`` (assistant text, possibly in
``delta`` chunks), ``tool_use``, ``tool_result``, ``error`` and a final ``result`` (``status``
``success``/``error``, ``error``, ``stats`` with ``input_tokens``, ``output_tokens``, ``cached``,
``tool_calls``). Exit codes: 0 success, 1 error, 42 bad input, 53 turn limit reached.
``ORCH_GEMINI_ARGS`` adds flags.
"""

from __future__ import annotations

from orch.adapters.base import AgentContext, AgentResult, AgentStatus, Usage
from orch.adapters.cli_common import CliAdapter, CliRun, extra_args, failure_status, json_lines
from orch.adapters.pricing import cost_usd, price_for

EXIT_TURN_LIMIT = 53
EXIT_BAD_INPUT = 42


class GeminiAdapter(CliAdapter):
    """Runs Google's Gemini CLI headless in the project directory."""

    name = "gemini"
    executable = "gemini"
    install = "npm install -g @google/gemini-cli"
    prompt_on_stdin = False

    def argv(self, context: AgentContext, prompt: str) -> list[str]:
        argv = [self.executable, "-p", prompt, "--output-format", "stream-json"]
        extra = extra_args("ORCH_GEMINI_ARGS")
        if not any(a.startswith(("--yolo", "--approval-mode", "-y")) for a in extra):
            argv.append("--yolo")
        if context.role.model:
            argv += ["--model", context.role.model]
        return argv + extra

    def interpret(self, context: AgentContext, run: CliRun) -> AgentResult:
        session: str | None = None
        model = context.role.model
        chunks: list[str] = []
        errors: list[str] = []
        final: dict[str, object] | None = None
        for event in json_lines(run.output):
            kind = event.get("type")
            if kind == "init":
                session = str(event.get("session_id") or "") or None
                model = model or str(event.get("model") or "") or None
            elif kind == "message" and event.get("role") == "assistant":
                content = str(event.get("content") or "")
                if event.get("delta") or not chunks:
                    chunks.append(content)
                else:
                    chunks.append("\n" + content)
            elif kind == "error":
                errors.append(str(event.get("message") or "error"))
            elif kind == "result":
                final = event
        stats = final.get("stats") if final and isinstance(final.get("stats"), dict) else {}
        assert isinstance(stats, dict)
        cached = int(stats.get("cached") or 0)
        usage = Usage(input_tokens=max(0, int(stats.get("input_tokens") or 0) - cached),
                      cache_read_input_tokens=cached,
                      output_tokens=int(stats.get("output_tokens") or 0))
        price = price_for(model) if model else None
        result = AgentResult(status=AgentStatus.COMPLETED, summary="".join(chunks).strip(),
                             usage=usage, cost_usd=round(cost_usd(usage, price), 6),
                             session_id=session, turns=int(stats.get("tool_calls") or 0) + 1
                             if final else 0)
        code = run.command.returncode
        error = final.get("error") if final else None
        message = (str(error.get("message")) if isinstance(error, dict) and error.get("message")
                   else "; ".join(errors) or (run.command.tail.strip().splitlines() or [""])[-1])
        if code == EXIT_TURN_LIMIT:
            result.status = AgentStatus.MAX_TURNS
            result.error = f"gemini: turn limit reached{': ' + message if message else ''}"
        elif (final is not None and final.get("status") == "error") or code != 0:
            result.status = (AgentStatus.FAILED if code == EXIT_BAD_INPUT
                             else failure_status(message))
            result.error = f"gemini exited {code}: {message[:300] or 'error'}"
        return result
