"""Fake ``claude``, ``codex``, ``gemini`` and ``aider`` executables replaying each tool's
documented output. The tool is the name it was called by; ``FAKE_CLI_SCENARIO`` picks the
outcome; ``FAKE_CLI_RECORD`` (a file) receives the argv and stdin as JSON."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path


def emit(*events: dict[str, object]) -> None:
    for event in events:
        print(json.dumps(event), flush=True)


PROMPT = ""
_MUST_CHANGE = re.compile(r"^- (\S+) must (?:exist afterwards and )?be changed", re.MULTILINE)


def write_named_files() -> None:
    """Write every file orch's prompt says must change (the ``obedient`` scenario)."""
    for path in _MUST_CHANGE.findall(PROMPT):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(f"written by the agent for {path}\n")


def allowed_by_hooks(path: str) -> bool:
    """Ask every PreToolUse hook of ``--settings`` about writing ``path``, as Claude Code does
    (the hook reads the event on stdin; a ``deny`` decision on stdout stops the write)."""
    import subprocess

    if "--settings" not in sys.argv:
        return True
    settings = json.loads(sys.argv[sys.argv.index("--settings") + 1])
    event = json.dumps({"hook_event_name": "PreToolUse", "cwd": os.getcwd(),
                        "tool_name": "Write", "tool_input": {"file_path": path}})
    for group in settings.get("hooks", {}).get("PreToolUse", []):
        for hook in group["hooks"]:
            out = subprocess.run(hook["command"], shell=True, input=event, text=True,
                                 capture_output=True, check=False).stdout
            if '"deny"' in out:
                return False
    return True


def retrying(seconds: float = 30.0):  # type: ignore[no-untyped-def]
    """Retry numbers, one every 0.1 s, for ``seconds`` (orch should stop the tool first)."""
    attempt, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        attempt += 1
        yield attempt
        time.sleep(0.1)


def claude(scenario: str) -> int:
    session = "5f1c3c1e-claude-session"
    emit({"type": "system", "subtype": "init", "cwd": os.getcwd(), "session_id": session,
          "tools": ["Read", "Write", "Edit", "Bash"], "model": "claude-sonnet-4-6",
          "permissionMode": "acceptEdits"})
    if scenario == "crash":
        print("Error: Invalid API key · Please run /login", file=sys.stderr)
        return 1
    if scenario == "hang":
        time.sleep(60)
        return 0
    if scenario in ("success", "error_max_turns", "error_max_budget_usd"):
        Path("made_by_claude.txt").write_text("hello from claude\n")
    if scenario == "obedient":
        write_named_files()
    if scenario == "fenced":  # writes its task's files, then one more, each if the hooks allow
        write_named_files()
        if allowed_by_hooks(os.path.abspath("outside.txt")):
            Path("outside.txt").write_text("written outside the task's files\n")
        scenario = "success"
    if scenario in ("obedient", "claim"):  # claim: reports success, writes nothing
        scenario = "success"
    emit({"type": "assistant", "session_id": session, "message": {
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
        "content": [{"type": "tool_use", "id": "toolu_01", "name": "Write",
                     "input": {"file_path": "made_by_claude.txt", "content": "hello"}}],
        "stop_reason": None, "usage": {"input_tokens": 10, "output_tokens": 20}}},
        {"type": "user", "session_id": session, "message": {"role": "user", "content": [
            {"tool_use_id": "toolu_01", "type": "tool_result", "content": "File created"}]}})
    base = {"type": "result", "duration_ms": 4200, "duration_api_ms": 3900, "num_turns": 3,
            "session_id": session, "total_cost_usd": 0.0421,
            "usage": {"input_tokens": 12, "cache_creation_input_tokens": 3000,
                      "cache_read_input_tokens": 9000, "output_tokens": 450,
                      "service_tier": "standard"}}
    if scenario == "success":
        emit({**base, "subtype": "success", "is_error": False,
              "result": os.environ.get("FAKE_CLI_RESULT", "Created made_by_claude.txt.")})
        return 0
    if scenario == "is_error":
        emit({**base, "subtype": "success", "is_error": True, "num_turns": 1,
              "result": "API Error: 529 {\"type\":\"error\",\"error\":{\"type\":"
                        "\"overloaded_error\",\"message\":\"Overloaded\"}}"})
        return 1
    if scenario in ("status_401", "status_529"):
        code = int(scenario[-3:])
        text = ("Invalid API key · Fix external API key" if code == 401 else
                "API Error: 529 Overloaded. This is a server-side issue, usually temporary")
        emit({**base, "subtype": "success", "is_error": True, "api_error_status": code,
              "num_turns": 1, "result": text, "total_cost_usd": 0})
        return 1
    if scenario == "is_error_plain":
        emit({**base, "subtype": "success", "is_error": True, "num_turns": 1,
              "result": "Credit balance is too low"})
        return 1
    emit({**base, "subtype": scenario, "is_error": scenario != "error_max_budget_usd",
          "errors": ["tool failed"] if scenario == "error_during_execution" else []})
    return 1


def codex(scenario: str) -> int:
    emit({"type": "thread.started", "thread_id": "0199a213-81c0-7800-8aa1-bbab2a035a53"},
         {"type": "turn.started"})
    if scenario == "crash":
        print("Error: unexpected argument '--bogus' found", file=sys.stderr)
        return 2
    emit({"type": "item.started", "item": {"id": "item_1", "type": "command_execution",
                                           "command": "bash -lc ls", "status": "in_progress"}},
         {"type": "item.completed", "item": {"id": "item_1", "type": "command_execution",
                                             "command": "bash -lc ls",
                                             "aggregated_output": "README.md\n",
                                             "exit_code": 0, "status": "completed"}})
    if scenario == "success":
        Path("made_by_codex.txt").write_text("hello from codex\n")
        emit({"type": "item.completed", "item": {"id": "item_2", "type": "file_change",
                                                 "changes": [{"path": "made_by_codex.txt",
                                                              "kind": "add"}],
                                                 "status": "completed"}},
             {"type": "item.completed", "item": {"id": "item_3", "type": "agent_message",
                                                 "text": "Added made_by_codex.txt."}},
             {"type": "item.completed", "item": {"id": "item_0", "type": "error",
                                                 "message": "Model metadata for `gpt-5-codex` "
                                                            "not found."}},
             {"type": "turn.completed", "usage": {"input_tokens": 24763,
                                                  "cached_input_tokens": 24448,
                                                  "cache_write_input_tokens": 100,
                                                  "output_tokens": 122,
                                                  "reasoning_output_tokens": 64}})
        return 0
    if scenario == "reconnected":  # observed 0.171: a 5xx, then its own retry succeeds
        emit({"type": "error", "message": "Reconnecting... 1/5 (We’re currently experiencing "
                                          "high demand, which may cause temporary errors.)"},
             {"type": "item.completed", "item": {"id": "item_1", "type": "agent_message",
                                                 "text": "all good"}},
             {"type": "turn.completed", "usage": {"input_tokens": 1000, "output_tokens": 80}})
        return 0
    if scenario == "high_demand":  # observed 0.171 on a 5xx
        message = "We’re currently experiencing high demand, which may cause temporary errors."
        emit({"type": "error", "message": message},
             {"type": "turn.failed", "error": {"message": message}})
        return 1
    if scenario == "unauthorized":  # observed 0.171 on a 401
        message = ("unexpected status 401 Unauthorized: Incorrect API key provided, url: "
                   "http://127.0.0.1:45001/v1/responses")
        emit({"type": "error", "message": message},
             {"type": "turn.failed", "error": {"message": message}})
        return 1
    if scenario == "retry_forever":  # a provider that never recovers; codex keeps reconnecting
        for attempt in retrying():
            emit({"type": "error", "message": f"Reconnecting... {attempt}/5 (stream "
                                              "disconnected before completion)"})
        emit({"type": "turn.failed", "error": {"message": "stream disconnected"}})
        return 1
    if scenario == "turn_failed":
        emit({"type": "turn.failed", "error": {"message": "model refused: task unclear"}})
        return 1
    emit({"type": "error", "message": "stream error: exceeded retry limit, last status: "
                                      "429 Too Many Requests; retrying 5/5"},
         {"type": "turn.failed", "error": {"message": "exceeded retry limit, last status: 429 "
                                                      "Too Many Requests"}})
    return 1


def gemini(scenario: str) -> int:
    if scenario == "bad_input":
        print("Error: Unknown argument: --bogus", file=sys.stderr)
        return 42
    if scenario == "untrusted" or ("--skip-trust" not in sys.argv
                                   and os.environ.get("GEMINI_CLI_TRUST_WORKSPACE") != "true"):
        print("Gemini CLI is not running in a trusted directory. To proceed, either use "
              "`--skip-trust`, set the `GEMINI_CLI_TRUST_WORKSPACE=true` environment variable, "
              "or trust this directory in interactive mode.", file=sys.stderr)
        return 55
    emit({"type": "init", "timestamp": "2025-10-10T12:00:00.000Z",
          "session_id": "c25acda3-gemini", "model": "gemini-2.5-pro"},
         {"type": "message", "timestamp": "2025-10-10T12:00:00.100Z", "role": "user",
          "content": "the task"})
    stats = {"total_tokens": 1800, "input_tokens": 1500, "output_tokens": 300, "cached": 500,
             "input": 1000, "duration_ms": 3000, "tool_calls": 2}
    if scenario == "success":
        Path("made_by_gemini.txt").write_text("hello from gemini\n")
        emit({"type": "tool_use", "timestamp": "t", "tool_name": "write_file",
              "tool_id": "write_file-1", "parameters": {"file_path": "made_by_gemini.txt"}},
             {"type": "tool_result", "timestamp": "t", "tool_id": "write_file-1",
              "status": "success", "output": ""},
             {"type": "message", "timestamp": "t", "role": "assistant",
              "content": "Created made_by_gemini.txt", "delta": True},
             {"type": "message", "timestamp": "t", "role": "assistant", "content": ".",
              "delta": True},
             {"type": "result", "timestamp": "t", "status": "success", "stats": stats})
        return 0
    if scenario == "turn_limit":
        emit({"type": "error", "timestamp": "t", "severity": "error",
              "message": "Reached max session turns for this session."},
             {"type": "result", "timestamp": "t", "status": "error",
              "error": {"type": "FatalTurnLimitedError",
                        "message": "Reached max session turns"}, "stats": stats})
        return 53
    if scenario == "api_error":
        emit({"type": "result", "timestamp": "t", "status": "error",
              "error": {"type": "ApiError", "message": "[429] RESOURCE_EXHAUSTED: quota "
                                                       "exceeded"}, "stats": stats})
        return 1
    if scenario in ("http_400", "http_429"):  # observed 0.61: exit code = HTTP status % 256
        code = int(scenario[-3:])
        emit({"type": "result", "timestamp": "t", "status": "error",
              "error": {"type": "unknown", "message": "[API Error: boom]"}, "stats": stats})
        return code % 256
    emit({"type": "result", "timestamp": "t", "status": "error",
          "error": {"type": "FatalToolExecutionError", "message": "tool write_file failed"},
          "stats": stats})
    return 1


def aider(scenario: str) -> int:
    message_file = sys.argv[sys.argv.index("--message-file") + 1]
    assert Path(message_file).is_file()
    print("Aider v0.86.1\nMain model: anthropic/claude-sonnet-4-6 with diff edit format\n"
          "Git repo: .git with 1 files\nRepo-map: using 4096 tokens, auto refresh")
    if scenario == "error":
        print("Error: Read-only file system: 'src/app.py'", file=sys.stderr)
        return 1
    if scenario == "api_error":
        print("litellm.RateLimitError: AnthropicException - rate limit exceeded (429)")
        return 1
    if scenario == "retry_forever":
        for _ in retrying():
            print("litellm.RateLimitError: AnthropicException - rate limit exceeded (429)\n"
                  "Retrying in 0.2 seconds...", flush=True)
        return 0
    if scenario in ("overloaded_exit0", "auth_exit0"):  # observed 0.86: exit 0 after errors
        if scenario == "auth_exit0":
            print('litellm.AuthenticationError: AnthropicException - {"type": "error", '
                  '"error": {"type": "authentication_error"}}\n'
                  "The API provider is not able to authenticate you. Check your API key.")
        else:
            print('litellm.InternalServerError: AnthropicError - {"type": "error", "error": '
                  '{"type": "overloaded_error"}}\n'
                  "The API provider's servers are down or overloaded.\nRetrying in 0.2 seconds...")
        return 0
    if scenario == "success":
        Path("made_by_aider.txt").write_text("hello from aider\n")
        print("Applied edit to made_by_aider.txt")
    print("Tokens: 4.2k sent, 1.5k cache write, 2.3k cache hit, 150 received. "
          "Cost: $0.0200 message, $0.0200 session.")
    print("Tokens: 1k sent, 80 received. Cost: $0.0050 message, $0.0250 session.")
    return 0


HELP_FLAGS = {
    "claude": "-p --output-format --verbose --permission-mode --model --allowedTools "
              "--max-budget-usd",
    "codex": "--json --skip-git-repo-check --sandbox --model",
    "gemini": "-p --output-format --yolo --model --skip-trust",
    "aider": "--message-file --yes-always --no-auto-commits --no-gitignore --no-analytics "
             "--no-pretty --no-stream --no-check-update --no-show-model-warnings --model",
}


def about(tool: str, args: list[str]) -> int | None:
    """``--version`` / ``--help``: a version line, or one help line per flag minus those named
    in ``FAKE_CLI_HELP_OMIT``; ``None`` for any other command line."""
    if "--version" in args:
        print(f"{tool} 9.9.9-fake")
        if os.environ.get("FAKE_CLI_VERSION_WARNING"):  # as codex 0.171 prints with a /tmp HOME
            print("WARNING: proceeding, even though we could not create PATH aliases",
                  file=sys.stderr)
        return 0
    if "--help" not in args:
        return None
    omit = os.environ.get("FAKE_CLI_HELP_OMIT", "").split()
    for flag in HELP_FLAGS[tool].split():
        if flag not in omit:
            print(f"  {flag}   does something  [string]")
    return 0


def prompt_of(tool: str, stdin: str) -> str:
    """The prompt as each tool reads it: gemini puts piped stdin before the ``-p`` text, aider
    reads ``--message-file``, claude and codex read stdin."""
    args = sys.argv[1:]
    if tool == "gemini" and "-p" in args:
        text = args[args.index("-p") + 1]
        return f"{stdin}\n\n{text}" if stdin and text else stdin or text
    if tool == "aider":
        return Path(args[args.index("--message-file") + 1]).read_text()
    return stdin


def main() -> int:
    tool = Path(sys.argv[0]).name
    answered = about(tool, sys.argv[1:])
    if answered is not None:
        return answered
    scenario = os.environ.get("FAKE_CLI_SCENARIO", "success")
    if scenario == "deaf":  # never reads its stdin; only orch's timeout can stop it in time
        time.sleep(20)
        Path("deaf-finished").write_text("orch waited for me\n")
        return 0
    stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    global PROMPT
    PROMPT = prompt_of(tool, stdin)
    record = os.environ.get("FAKE_CLI_RECORD")
    if record:
        trust = os.environ.get("GEMINI_CLI_TRUST_WORKSPACE")
        Path(record).write_text(json.dumps({"argv": sys.argv[1:], "stdin": stdin,
                                            "prompt": PROMPT,
                                            "cwd": os.getcwd(), "trust_env": trust,
                                            "retries_env": os.environ.get(
                                                "CLAUDE_CODE_MAX_RETRIES")}))
    return {"claude": claude, "codex": codex, "gemini": gemini, "aider": aider}[tool](scenario)


if __name__ == "__main__":
    sys.exit(main())
