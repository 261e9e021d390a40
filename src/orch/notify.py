"""Notifications (docs/decisions.md): a command and/or a webhook told when a run needs attention.

The body is one JSON object: event, run, plan, state, counts, cost, report path. A notifier that
fails (exit status, refused connection, timeout, anything raised) gives a warning line, never a
failed run. ``timeout_s`` bounds each notifier as a whole, however slowly a server answers, and
Ctrl-C stops the wait at once. The command does not get orch's secrets (model API keys, tokens)
unless ``pass_env`` names them; a webhook's URL is named in a warning by its host only.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from orch.config import NotifyConfig
from orch.domain.state import RunState
from orch.proc import interrupted, run_argv
from orch.secrets import looks_secret

_MAX_REPLY_BYTES = 64 * 1024
"""What of a webhook's reply is read (the reply is not used, only the request's success)."""
_POLL_S = 0.1


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


def webhook_label(url: str) -> str:
    """``url`` as a warning names it: scheme and host only, since Slack, Discord and Teams
    hooks carry their secret in the path or the query."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    rest = "/…" if (parts.path not in ("", "/") or parts.query) else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def command_env(pass_env: list[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The notify command's environment: orch's, less every variable that looks like a secret
    (model API keys, tokens, passwords) except those ``pass_env`` names."""
    env = os.environ if environ is None else environ
    return {name: value for name, value in env.items()
            if name in pass_env or not looks_secret(name)}


def send(config: NotifyConfig, body: dict[str, Any], cwd: Path,
         warn: Callable[[str], None]) -> int:
    """Send ``body`` to every configured notifier; returns how many failed (each one warned)."""
    failed = 0
    data = json.dumps(body).encode()
    if config.webhook:
        label = webhook_label(config.webhook)
        url = config.webhook
        problem = _bounded(lambda: _post(url, data, config.timeout_s), config.timeout_s)
        if problem:
            problem = problem.replace(url, label)
            failed += 1
            warn(f"notify webhook {label} failed: {problem}")
    if config.command and not interrupted():
        event = str(body["event"])
        problem = _bounded(lambda: _run_command(config, event, data, cwd), config.timeout_s + 5)
        if problem:
            failed += 1
            warn(f"notify command failed ({problem})")  # its text may hold a token: not shown
    return failed


def _post(url: str, data: bytes, timeout_s: float) -> str | None:
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:  # noqa: S310
            read = 0
            while read < _MAX_REPLY_BYTES and (chunk := reply.read(8192)):
                read += len(chunk)
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except urllib.error.URLError as exc:
        return str(exc.reason)
    return None


def _run_command(config: NotifyConfig, event: str, data: bytes, cwd: Path) -> str | None:
    env = command_env(config.pass_env)
    env.update({"ORCH_EVENT": event, "ORCH_NOTIFY_JSON": data.decode()})
    result = run_argv(["bash", "-c", config.command or ""], cwd=cwd, timeout_s=config.timeout_s,
                      env=env, stdin_text=data.decode(), display=config.command,
                      replace_env=True)
    if result.timed_out:
        return f"timed out after {config.timeout_s:g}s"
    if result.interrupted:
        return "interrupted"
    if not result.ok:
        return f"exit {result.returncode}"
    return None


def _bounded(call: Callable[[], str | None], limit_s: float) -> str | None:
    """Run ``call`` in a worker thread and wait at most ``limit_s`` seconds for it (less when
    Ctrl-C comes first); returns its problem, or why it was given up on. Anything it raises is a
    problem too. A worker given up on is a daemon thread: it cannot keep orch from exiting."""
    outcome: list[str | None] = []

    def work() -> None:
        try:
            outcome.append(call())
        except Exception as exc:  # noqa: BLE001 - a notifier never fails the run
            outcome.append(f"{type(exc).__name__}: {exc}")

    worker = threading.Thread(target=work, name="orch-notify", daemon=True)
    worker.start()
    deadline = time.monotonic() + limit_s
    while worker.is_alive():
        if interrupted():
            return "interrupted"
        left = deadline - time.monotonic()
        if left <= 0:
            return f"timed out after {limit_s:g}s"
        worker.join(min(_POLL_S, left))
    return outcome[0] if outcome else "no answer"
