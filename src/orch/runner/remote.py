"""One attempt as a self-contained message exchange: what ``orch worker`` runs.

See docs/distributed.md.

The request message carries the attempt request as JSON (the executor seam's own wire form,
:func:`~orch.runner.executor.request_to_json`) plus a git bundle of the base commit; the reply
carries the outcome, the events the attempt reported, its log, and a bundle of the one commit
the worker made on top of the base. Both are one JSON document each (bundles base64-encoded),
versioned by :data:`WIRE_VERSION`. :func:`run_attempt_message` is the whole worker: it checks the
base out into a fresh temporary directory, runs the attempt there with the same
:class:`~orch.runner.executors.MainTreeExecutor` code as the local sequential slot, commits the
change, and removes everything it made. No state survives it, and neither does its agent: a
watchdog (:mod:`orch.reaper`) stops the agent's process group if the worker is killed. It
needs no project checkout.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WIRE_VERSION = 1
"""The version of the ``orch worker`` messages; a worker refuses any other."""
TASK_COMMIT_MESSAGE = "orch: task {task} (remote attempt {attempt})"


class WorkerInputError(ValueError):
    """The request cannot be read: the worker answers with one line and a non-zero exit."""


@dataclass
class WorkerReply:
    """A worker's answer, as the controller reads it."""

    outcome_json: str
    events: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""
    bundle: bytes | None = None
    commit: str | None = None
    node: str | None = None
    """Where it ran (a host name or a Ray node id), for the journal."""


def encode_request(request_json: str, base_bundle: bytes) -> bytes:
    """The request message for ``orch worker``."""
    return json.dumps({"orch_worker": WIRE_VERSION, "request": json.loads(request_json),
                       "bundle": base64.b64encode(base_bundle).decode()}).encode()


def _decode_request(raw: bytes) -> tuple[str, bytes]:
    try:
        message = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkerInputError(f"the request is not JSON ({exc.__class__.__name__}: "
                               f"{str(exc)[:120]}); was it cut short?") from None
    if not isinstance(message, dict):
        raise WorkerInputError("the request is not a JSON object")
    version = message.get("orch_worker")
    if version != WIRE_VERSION:
        raise WorkerInputError(f"request wire version {version!r} is not {WIRE_VERSION}: "
                               "the worker's orch and the controller's differ")
    try:
        bundle = base64.b64decode(str(message.get("bundle", "")), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WorkerInputError(f"the base bundle is not base64: {exc}") from None
    if not bundle:
        raise WorkerInputError("the request carries no base bundle")
    return json.dumps(message.get("request")), bundle


def encode_reply(reply: WorkerReply) -> bytes:
    """The reply message ``orch worker`` writes to stdout."""
    return json.dumps({
        "orch_worker": WIRE_VERSION, "outcome": json.loads(reply.outcome_json),
        "events": reply.events, "log": reply.log, "commit": reply.commit, "node": reply.node,
        "bundle": base64.b64encode(reply.bundle).decode() if reply.bundle else None,
    }).encode()


def decode_reply(raw: bytes) -> WorkerReply:
    """Read a worker's reply; :class:`WorkerInputError` when it is not one."""
    try:
        message = json.loads(raw)
        if not isinstance(message, dict) or message.get("orch_worker") != WIRE_VERSION:
            raise WorkerInputError("the worker's reply is not an orch worker reply "
                                   f"(version {WIRE_VERSION})")
        bundle = message.get("bundle")
        return WorkerReply(outcome_json=json.dumps(message["outcome"]),
                           events=list(message.get("events") or []),
                           log=str(message.get("log") or ""),
                           bundle=base64.b64decode(bundle) if bundle else None,
                           commit=message.get("commit"), node=message.get("node"))
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, binascii.Error) as exc:
        raise WorkerInputError(f"the worker's reply cannot be read: {exc}") from None


def run_attempt_message(raw: bytes, *, node: str | None = None) -> bytes:
    """The whole worker: request message in, reply message out (see the module docstring).
    Raises :class:`WorkerInputError` for a request it cannot read or a base it cannot check
    out; an agent or check failure is an outcome, never an exception."""
    from orch.errors import OrchError
    from orch.reaper import reaped_groups
    from orch.runner.attempt import AdapterCache
    from orch.runner.executor import AttemptChange, outcome_to_json, request_from_json
    from orch.runner.executors import MainTreeExecutor
    from orch.vcs.bundle import TASK_REF, checkout_bundle, commit_worktree, create_bundle
    from orch.vcs.repo import ORCH_IDENTITY

    request_text, base_bundle = _decode_request(raw)
    try:
        request = request_from_json(request_text)
    except Exception as exc:  # noqa: BLE001 - any unreadable request is one line
        raise WorkerInputError(f"the attempt request cannot be read: {str(exc)[:300]}") from None
    scratch = Path(tempfile.mkdtemp(prefix="orch-worker-"))
    try:
        project, logs = scratch / "project", scratch / "logs"
        logs.mkdir()
        try:
            base = checkout_bundle(base_bundle, project)
        except OrchError as exc:
            raise WorkerInputError(f"the base bundle cannot be checked out: {exc}") from None
        events: list[dict[str, Any]] = []

        def record(task_id: str, type_: str, data: dict[str, object]) -> None:
            events.append({"task": task_id, "type": type_, "data": data})

        executor = MainTreeExecutor(project, logs, AdapterCache())
        request.base = executor.prepare(request.task_id, fresh=True, events=record)
        with reaped_groups():  # the agent never outlives this worker, however it ends
            outcome = executor.run(request, record)
        commit = bundle = None
        if outcome.change is not None:
            name, email = ORCH_IDENTITY
            identity = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                        "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
            message = TASK_COMMIT_MESSAGE.format(task=request.task_id, attempt=request.attempt)
            commit = commit_worktree(project, message, identity, allow_empty=True)
            bundle = create_bundle(project, commit or base, base=base, ref=TASK_REF)
            outcome.change = AttemptChange("commit", commit)
        log_path = logs / request.log_name
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        return encode_reply(WorkerReply(outcome_to_json(outcome), events, log, bundle, commit,
                                        node or os.uname().nodename))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
