"""``python -m orch.hook stop|pre-tool``: the process an agent CLI runs as orch's hook.

Deliberately apart from the Typer CLI (``orch hook`` calls the same :func:`main`): to an agent
CLI, a hook exiting 2 means "block", so this entry point never lets a usage error or a crash
exit 2. Any internal failure exits 1, which Claude Code, Codex and Gemini CLI all treat as a
non-blocking hook error: the agent goes on (or stops), and orch's own verification decides.

Input is the hook event the CLI writes on stdin (JSON); the gate comes from
:data:`orch.runner.ingate.SPEC_ENV`. Output is the CLI's documented decision JSON on stdout.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

USAGE = "usage: python -m orch.hook stop|pre-tool  (the hook event JSON on stdin)"
WRITE_TOOLS = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit",
                         "write_file", "replace", "edit_file"})
"""Tools that write a file: Claude Code's, and Gemini CLI's ``write_file``/``replace``."""
PARENT_POLL_S = 0.5


def main(argv: list[str] | None = None) -> int:
    """Run one hook event; the exit code the agent CLI reads (0, or 1 on internal failure)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in ("stop", "pre-tool"):
        print(USAGE, file=sys.stderr)
        return 1
    _stop_checks_on_term()
    try:
        return _run(args[0], sys.stdin.read(), sys.stdout)
    except Exception as exc:  # noqa: BLE001 - never block the agent on orch's own failure
        print(f"orch hook: internal error, not blocking: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1


def _stop_checks_on_term() -> None:
    """When the CLI gives up on the hook (its hook timeout, or the agent being stopped), the
    check running in its own process group goes too, and the hook blocks nothing."""
    from orch import proc

    def handle(signum: int, frame: FrameType | None) -> None:
        proc.interrupt_all()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, handle)
    parent = os.getppid()

    def watch_parent() -> None:
        # the CLI killed outright (SIGKILL) cannot stop its hook: the hook notices instead
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        proc.interrupt_all()

    threading.Thread(target=watch_parent, daemon=True).start()


def _run(event: str, raw: str, out: Any) -> int:
    from orch.runner.ingate import SPEC_ENV, SessionGate, stop_decision, write_denial

    # The checks run as orch's own verification does, without the gate in their environment
    # (a check that runs orch, or Claude Code, would otherwise inherit this task's gate).
    spec = os.environ.pop(SPEC_ENV, None)
    if not spec:
        print(f"orch hook: {SPEC_ENV} is not set; nothing to check", file=sys.stderr)
        return 1
    gate = SessionGate.from_env(spec)
    payload = json.loads(raw) if raw.strip() else {}
    if not isinstance(payload, dict):
        raise ValueError("the hook event is not a JSON object")
    # The agent's shell may have cd-ed elsewhere (the CLI then runs its hooks there, and says
    # so in "cwd"): the checks and the fence belong to the directory the agent was started in.
    here = Path(str(payload.get("cwd") or os.getcwd()))
    cwd = Path(gate.project) if gate.project else here
    if event == "stop":
        reason = stop_decision(gate, cwd)
        if reason is not None:
            out.write(json.dumps({"decision": "block", "reason": reason}) + "\n")
        return 0
    tool = str(payload.get("tool_name") or "")
    tool_input = payload.get("tool_input")
    if tool not in WRITE_TOOLS or not isinstance(tool_input, dict):
        return 0
    path = str(tool_input.get("file_path") or tool_input.get("notebook_path")
               or tool_input.get("path") or "")
    denial = write_denial(gate, cwd, path, relative_to=here)
    if denial is not None:
        out.write(json.dumps({"hookSpecificOutput": {
            "hookEventName": "PreToolUse", "permissionDecision": "deny",
            "permissionDecisionReason": denial}}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
