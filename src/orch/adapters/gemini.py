"""The ``gemini`` adapter: ``gemini -p "" --output-format stream-json --yolo``, prompt on stdin.

The prompt is piped on stdin, never put in argv: Linux refuses a single argument over 128 KiB
(``MAX_ARG_STRLEN``), and a spec-kit feature's design documents make prompts that large. Gemini
CLI reads piped stdin in headless mode and puts it before the ``-p`` text (empty here).

JSONL events: ``init`` (``session_id``, ``model``), ``message`` (assistant text, possibly in
``delta`` chunks), ``tool_use``, ``tool_result``, ``error`` and a final ``result`` (``status``
``success``/``error``, ``error``, ``stats`` with ``input_tokens``, ``output_tokens``, ``cached``,
``tool_calls``). Documented exit codes: 0 success, 1 error, 41 authentication, 42 bad input,
52 configuration, 53 turn limit reached. Observed (0.61): an API error exits with its HTTP
status modulo 256 (400 → 144, 429 → 173, 500 → 244), and an untrusted directory exits 55.

Gemini CLI refuses to run headless in a directory the user has not trusted, so orch trusts the
project for its own run: ``--skip-trust`` when the installed version lists it in ``--help``,
else ``GEMINI_CLI_TRUST_WORKSPACE=true``. ``ORCH_GEMINI_ARGS`` adds flags.
"""

from __future__ import annotations

from orch.adapters.base import AgentContext, AgentResult, AgentStatus, Usage
from orch.adapters.cli_common import CliAdapter, CliRun, extra_args, json_lines, last_line
from orch.adapters.cli_errors import KEY_HINT, TRANSIENT, ErrorTable, Rule, Verdict, status_verdict
from orch.adapters.cli_probe import cli_output, has_flag
from orch.adapters.pricing import cost_usd, model_price

EXIT_AUTH = 41
EXIT_BAD_INPUT = 42
EXIT_CONFIG = 52
EXIT_TURN_LIMIT = 53
EXIT_UNTRUSTED = 55

EXIT_CODES: dict[int, Verdict] = {
    EXIT_AUTH: Verdict(AgentStatus.FAILED, KEY_HINT),
    EXIT_BAD_INPUT: Verdict(AgentStatus.FAILED),
    EXIT_CONFIG: Verdict(AgentStatus.FAILED),
    EXIT_UNTRUSTED: Verdict(AgentStatus.FAILED, "trust the directory: `gemini --skip-trust` or "
                                                "GEMINI_CLI_TRUST_WORKSPACE=true"),
}
"""Exit codes that decide on their own (53, the turn limit, is ``max_turns``)."""

ERRORS = ErrorTable(
    # Observed with Gemini CLI 0.61 (result.error.message and stderr):
    Rule(r"not running in a trusted directory", AgentStatus.FAILED,
         "trust the directory: `gemini --skip-trust` or GEMINI_CLI_TRUST_WORKSPACE=true"),
    Rule(r"GEMINI_API_KEY|Invalid auth method|API key not valid|UNAUTHENTICATED",
         AgentStatus.FAILED, KEY_HINT),
    Rule(r"RetryableQuotaError|Please wait and try again later|Max attempts reached"
         r"|RESOURCE_EXHAUSTED|UNAVAILABLE|INTERNAL", TRANSIENT),
    Rule(r"INVALID_ARGUMENT|FAILED_PRECONDITION", AgentStatus.FAILED),
)
"""Gemini's error texts, after the exit codes."""

TRUST_FLAG = "--skip-trust"


def trust_args(executable: str) -> tuple[list[str], dict[str, str]]:
    """How to trust the project for this run: the flag when the installed CLI has it, else the
    environment variable."""
    help_text = cli_output(executable, "--help") or ""
    if has_flag(help_text, TRUST_FLAG):
        return [TRUST_FLAG], {}
    return [], {"GEMINI_CLI_TRUST_WORKSPACE": "true"}


def http_status(exit_code: int) -> int | None:
    """The HTTP status an API-error exit code stands for (gemini exits with it modulo 256)."""
    for status in (400, 401, 403, 404, 408, 429, 500, 502, 503, 504, 529):
        if exit_code == status % 256:
            return status
    return None


class GeminiAdapter(CliAdapter):
    """Runs Google's Gemini CLI headless in the project directory."""

    name = "gemini"
    cost_source = "price_table"
    reports_model = True
    executable = "gemini"
    install = "npm install -g @google/gemini-cli"
    flags = ("-p", "--output-format", "--yolo", "--model")
    retry_lines = r"Retrying with backoff|Retrying after \d+\s*ms"
    progress_lines = r'"type":\s*"(tool_use|tool_result|result)"|"role":\s*"assistant"'

    def argv(self, context: AgentContext, prompt: str) -> list[str]:
        # `-p ""` keeps it headless; the prompt itself is on stdin (see the module docstring)
        argv = [self.executable, "-p", "", "--output-format", "stream-json"]
        extra = extra_args("ORCH_GEMINI_ARGS")
        if not any(a.startswith(("--yolo", "--approval-mode", "-y")) for a in extra):
            argv.append("--yolo")
        argv += trust_args(self.executable)[0]
        if context.role.model:
            argv += ["--model", context.role.model]
        return argv + extra

    def extra_env(self, context: AgentContext) -> dict[str, str]:
        return trust_args(self.executable)[1]

    def retry_note(self) -> str:
        return ("Gemini CLI retries 429/5xx itself up to the setting general.maxAttempts "
                "(default 10) in ~/.gemini/settings.json, no flag; orch stops it after "
                "api_retry_seconds of `Retrying` lines with no progress")

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
                chunks.append(content if event.get("delta") or not chunks else "\n" + content)
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
        run.model = model
        price = model_price(model, context.project_dir)
        result = AgentResult(status=AgentStatus.COMPLETED, summary="".join(chunks).strip(),
                             usage=usage, cost_usd=round(cost_usd(usage, price), 6),
                             session_id=session, turns=int(stats.get("tool_calls") or 0) + 1
                             if final else 0)
        code = run.command.returncode or 0
        error = final.get("error") if final else None
        message = (str(error.get("message")) if isinstance(error, dict) and error.get("message")
                   else "; ".join(errors) or last_line(run.command.tail))
        if code == EXIT_TURN_LIMIT:
            result.status = AgentStatus.MAX_TURNS
            result.error = f"gemini: turn limit reached: {message}"
        elif (final is not None and final.get("status") == "error") or code != 0:
            verdict = _verdict(code, message)
            result.status = verdict.status
            result.error = f"gemini exited {code}: {verdict.describe(message)}"
        return result


def _verdict(code: int, message: str) -> Verdict:
    """Exit code first (its own meaning, then an HTTP status), then the error text."""
    if code in EXIT_CODES:
        return EXIT_CODES[code]
    status = http_status(code)
    verdict = status_verdict(status) if status is not None else None
    return verdict or ERRORS.classify(message)
