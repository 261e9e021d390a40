"""Notifications (docs/decisions.md): a command and/or a webhook told when a run needs attention.

The body is one JSON object: event, run, plan, state, counts, cost, report path. A notifier that
fails (exit status, refused connection, timeout) gives a warning line, never a failed run.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orch.config import NotifyConfig
from orch.domain.state import RunState
from orch.proc import run_argv


def payload(event: str, state: RunState, report: Path | None = None) -> dict[str, Any]:
    """The JSON body sent for ``event``."""
    counts = Counter(task.status.value for task in state.tasks.values())
    return {
        "event": event,
        "run": state.run_id,
        "plan": state.plan_path,
        "state": state.state.value,
        "counts": dict(sorted(counts.items())),
        "cost_usd": state.cost_usd,
        "report": str(report) if report else None,
    }


def send(config: NotifyConfig, body: dict[str, Any], cwd: Path,
         warn: Callable[[str], None]) -> int:
    """Send ``body`` to every configured notifier; returns how many failed (each one warned)."""
    failed = 0
    data = json.dumps(body).encode()
    if config.webhook:
        request = urllib.request.Request(config.webhook, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=config.timeout_s) as reply:  # noqa: S310
                reply.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            failed += 1
            reason = getattr(exc, "reason", exc)
            warn(f"notify webhook {config.webhook} failed: {reason}")
    if config.command:
        env = {"ORCH_EVENT": str(body["event"]), "ORCH_NOTIFY_JSON": data.decode()}
        result = run_argv(["bash", "-c", config.command], cwd=cwd, timeout_s=config.timeout_s,
                          env=env, stdin_text=data.decode(), display=config.command)
        if not result.ok:
            failed += 1
            warn(f"notify command failed (exit {result.returncode}): {config.command}")
    return failed
