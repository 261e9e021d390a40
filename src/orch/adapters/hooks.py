"""What an adapter needs to give its agent CLI orch's in-session gate (docs/verification.md).

The gate itself (:mod:`orch.runner.ingate`) runs in the hook process; an adapter only passes
the gate's JSON in :data:`HOOK_SPEC_ENV` and names :func:`hook_command` in the CLI's own hook
configuration for that one invocation.
"""

from __future__ import annotations

import shlex
import sys

HOOK_SPEC_ENV = "ORCH_HOOK_SPEC"
"""Carries the task's gate to the hook (the CLI passes its environment on to its hooks)."""
CHECK_TIMEOUT_S = 600.0
"""What the stop hook's checks may take in all when the task has no timeout of its own."""
HOOK_MARGIN_S = 60
"""A CLI's hook timeout is the checks' time plus this, so the hook answers first."""


def hook_command(event: str) -> str:
    """The shell command a CLI runs for ``event`` (``stop`` or ``pre-tool``): this very Python,
    so the hook is the orch that started the agent, wherever the console script lives.

    ``-P``: the CLI runs hooks in the agent's directory, and ``-m`` would otherwise import a
    project's own top-level ``orch`` package instead of this one."""
    return f"{shlex.quote(sys.executable)} -P -m orch.hook {event}"
