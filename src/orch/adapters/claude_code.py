"""The ``claude-code`` adapter: ``claude -p --output-format stream-json --verbose``.

The prompt goes on stdin. The last ``{"type": "result"}`` line carries the outcome: ``subtype``
``success`` / ``error_max_turns`` / ``error_max_budget_usd`` / ``error_during_execution``,
``is_error``, ``api_error_status`` (the HTTP status of a failed API call), ``result`` (the final
text), ``total_cost_usd``, ``num_turns``, ``session_id`` and ``usage``. ``is_error: true`` wins
over ``subtype: "success"``: Claude Code reports a failed API call as a "successful" session
whose result is the error text. Caps are passed on as ``--max-turns`` and ``--max-budget-usd``;
edits are accepted without asking (``--permission-mode acceptEdits``; ``ORCH_CLAUDE_ARGS`` adds
or overrides flags). Its API retries are bounded with ``CLAUDE_CODE_MAX_RETRIES``.

In-session gates (docs/verification.md) are Claude Code hooks given to this one invocation with
``--settings`` (JSON, merged by Claude Code with the user's own settings, whose hooks still
run): a ``Stop`` hook that runs the task's checks, and with the write fence a ``PreToolUse``
hook on the file-writing tools. Nothing is written to ``~/.claude`` or ``.claude/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orch.adapters.base import AgentContext, AgentResult, AgentStatus
from orch.adapters.cli_common import (
    CliAdapter,
    CliRun,
    env_or,
    extra_args,
    json_lines,
    last_line,
    usage_of,
)
from orch.adapters.cli_errors import KEY_HINT, TRANSIENT, ErrorTable, Rule, status_verdict
from orch.adapters.hooks import CHECK_TIMEOUT_S, HOOK_MARGIN_S, HOOK_SPEC_ENV, hook_command

SUBTYPES = {
    "success": AgentStatus.COMPLETED,
    "error_max_turns": AgentStatus.MAX_TURNS,
    "error_max_budget_usd": AgentStatus.BUDGET_EXCEEDED,
    "error_during_execution": AgentStatus.FAILED,
}

MAX_RETRIES = "2"

ERRORS = ErrorTable(
    # Observed with Claude Code 2.1 (the result text of an is_error session):
    Rule(r"Invalid API key|Fix external API key|authentication_failed|OAuth token",
         AgentStatus.FAILED, KEY_HINT),
    Rule(r"API Error: (5\d\d|529|429)|Overloaded|server-side issue|Request timed out"
         r"|Connection error|rate_limit", TRANSIENT),
    Rule(r"API Error: 4\d\d|Prompt is too long|invalid_request", AgentStatus.FAILED),
)
"""Claude Code's error texts; ``api_error_status``, when present, decides first."""


class ClaudeCodeAdapter(CliAdapter):
    """Runs Claude Code headless in the project directory."""

    name = "claude-code"
    executable = "claude"
    install = "npm install -g @anthropic-ai/claude-code"
    # --max-turns is accepted but not listed by `claude --help` (2.1), so it is not checked.
    flags = ("-p", "--output-format", "--verbose", "--permission-mode", "--model",
             "--allowedTools", "--max-budget-usd")

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
        if context.session_gate:
            extra = _with_gate_settings(extra, gate_settings(context), context.project_dir)
        return argv + extra

    def prepare(self, context: AgentContext) -> None:
        if context.session_gate and context.notify is not None:
            where = hooks_disabled_in(context.project_dir)
            if where is not None:
                context.notify(f"{context.task.id}: the in-session gate cannot run: Claude Code's "
                               f"\"disableAllHooks\": true in {where} turns off every hook, "
                               "orch's too (orch verifies after the agent returns, as always)")

    def retry_note(self) -> str:
        value = env_or("CLAUDE_CODE_MAX_RETRIES", MAX_RETRIES)
        return f"bounded: CLAUDE_CODE_MAX_RETRIES={value} (set it in the environment to change)"

    def extra_env(self, context: AgentContext) -> dict[str, str]:
        env = {"CLAUDE_CODE_MAX_RETRIES": env_or("CLAUDE_CODE_MAX_RETRIES", MAX_RETRIES)}
        if context.session_gate:
            env[HOOK_SPEC_ENV] = context.session_gate
        return env

    def interpret(self, context: AgentContext, run: CliRun) -> AgentResult:
        events = json_lines(run.output)
        results = [e for e in events if e.get("type") == "result"]
        session = next((e.get("session_id") for e in events if e.get("session_id")), None)
        if not results:
            last = last_line(run.command.tail)
            verdict = ERRORS.classify(last)
            return AgentResult(status=verdict.status, session_id=session,
                               error=f"claude exited {run.command.returncode} without a result: "
                                     + verdict.describe(last))
        final = results[-1]
        subtype = str(final.get("subtype", ""))
        text = final.get("result") if isinstance(final.get("result"), str) else ""
        status = SUBTYPES.get(subtype, AgentStatus.FAILED)
        error: str | None = None
        if status is AgentStatus.COMPLETED and (final.get("is_error")
                                                or run.command.returncode not in (0, None)):
            status, error = _error_of(final, text or "")
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


def _error_of(final: dict[str, Any], text: str) -> tuple[AgentStatus, str]:
    """The status and message of an ``is_error`` result: its HTTP status first, then its text."""
    message = text or "claude reported an error"
    code = final.get("api_error_status")
    verdict = status_verdict(code) if isinstance(code, int) else None
    if verdict is None:
        verdict = ERRORS.classify(message)
    return verdict.status, verdict.describe(message)


WRITE_MATCHER = "Write|Edit|MultiEdit|NotebookEdit"


def gate_settings(context: AgentContext) -> dict[str, Any]:
    """Claude Code settings holding orch's hooks for this invocation's in-session gate.

    The Stop hook's timeout is its checks' time plus a margin, so the hook times its checks
    out and answers before Claude Code gives up on it (which lets the agent stop, unchecked)."""
    gate = json.loads(context.session_gate or "{}")
    timeout = int(float(gate.get("timeout_s") or CHECK_TIMEOUT_S)) + HOOK_MARGIN_S
    hooks: dict[str, Any] = {}
    if gate.get("stop"):
        hooks["Stop"] = [{"hooks": [{"type": "command", "command": hook_command("stop"),
                                     "timeout": timeout}]}]
    if gate.get("strict"):
        hooks["PreToolUse"] = [{"matcher": WRITE_MATCHER, "hooks": [
            {"type": "command", "command": hook_command("pre-tool"), "timeout": 60}]}]
    return {"hooks": hooks}


def _with_gate_settings(extra: list[str], ours: dict[str, Any], cwd: Path) -> list[str]:
    """``extra`` plus ``--settings`` with orch's hooks. Claude Code reads one ``--settings``, so
    a user's own (from ``ORCH_CLAUDE_ARGS``: a file, relative to ``cwd`` as Claude Code would
    read it, or inline JSON) is merged with orch's hooks, never replaced."""
    merged = ours
    rest = list(extra)
    for index, arg in enumerate(extra):
        value = None
        if arg == "--settings" and index + 1 < len(extra):
            value, rest = extra[index + 1], extra[:index] + extra[index + 2:]
        elif arg.startswith("--settings="):
            value, rest = arg.split("=", 1)[1], extra[:index] + extra[index + 1:]
        if value is not None:
            merged = _merge_hooks(_load_settings(value, cwd), ours)
            break
    return [*rest, "--settings", json.dumps(merged, separators=(",", ":"))]


def _load_settings(value: str, cwd: Path) -> dict[str, Any]:
    """The user's ``--settings`` value as a JSON object; ``ValueError`` saying what is wrong."""
    inline = value.lstrip().startswith("{")
    try:
        text = value if inline else (cwd / Path(value).expanduser()).read_text(encoding="utf-8")
        loaded = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = "inline JSON" if inline else repr(value)
        raise ValueError(f"ORCH_CLAUDE_ARGS --settings {where}: cannot read it to add orch's "
                         f"in-session gate ({exc}); fix it, or set in_session_gate: false") from exc
    if not isinstance(loaded, dict) or not isinstance(loaded.get("hooks", {}), dict):
        raise ValueError(f"ORCH_CLAUDE_ARGS --settings {value[:80]!r}: not a Claude Code "
                         "settings object (a JSON object, its \"hooks\" an object)")
    return loaded


def _merge_hooks(theirs: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    merged = dict(theirs)
    hooks = dict(merged.get("hooks") or {})
    for event, groups in ours["hooks"].items():
        hooks[event] = [*(hooks.get(event) or []), *groups]
    merged["hooks"] = hooks
    return merged


def hooks_disabled_in(project: Path) -> str | None:
    """The settings file whose ``disableAllHooks: true`` wins for this invocation, if any.

    Claude Code's precedence: the ``--settings`` given in ``ORCH_CLAUDE_ARGS``, then the
    project's ``.claude/settings.local.json`` and ``.claude/settings.json``, then the user's
    ``~/.claude/settings.json``; the first that sets the key decides."""
    try:
        extra = extra_args("ORCH_CLAUDE_ARGS")
    except ValueError:  # unbalanced quotes: building the command line says so
        extra = []
    sources: list[tuple[str, str]] = []
    for index, arg in enumerate(extra):
        if arg == "--settings" and index + 1 < len(extra):
            sources.append(("ORCH_CLAUDE_ARGS --settings", extra[index + 1]))
        elif arg.startswith("--settings="):
            sources.append(("ORCH_CLAUDE_ARGS --settings", arg.split("=", 1)[1]))
    for path in (project / ".claude" / "settings.local.json",
                 project / ".claude" / "settings.json",
                 Path.home() / ".claude" / "settings.json"):
        sources.append((str(path), str(path)))
    for name, value in sources:
        try:
            settings = _load_settings(value, project)
        except ValueError:
            continue
        if "disableAllHooks" in settings:
            return name if settings["disableAllHooks"] is True else None
    return None
