"""Lane attempts on other machines: the remote executor and its transports (docs/distributed.md).

:class:`RemoteExecutor` implements the executor seam for an attempt that runs elsewhere: it
bundles the attempt's base commit, hands the request message to a :class:`Transport` (a Ray
task, or any command that speaks ``orch worker``), and turns the reply back into an outcome
whose change is the worker's commit, fetched onto the task's branch. The controller stays the
only integrator: the merge queue applies that commit to the integrated tree and re-runs the
task's checks there, so the remote verdict is evidence, never the final word.

A lost worker (its node died, the connection dropped) is not a failed attempt: it is journalled
(``note``: ``lost``) and dispatched again, up to :data:`LOST_RETRIES` times.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from orch import proc
from orch.adapters.base import AgentResult, AgentStatus
from orch.domain.events import EventType
from orch.errors import OrchError
from orch.runner.executor import (
    AttemptBase,
    AttemptChange,
    AttemptEvents,
    AttemptOutcome,
    AttemptRequest,
    outcome_from_json,
    request_to_json,
)
from orch.runner.remote import WorkerInputError, WorkerReply, decode_reply, encode_request
from orch.runner.verify import CheckOutcome

if TYPE_CHECKING:
    from orch.meter import Meter
    from orch.vcs.worktrees import Worktrees

LOST_RETRIES = 2
"""How many times an attempt whose worker was lost is dispatched again."""
POLL_S = 0.2


class WorkerLost(Exception):
    """The worker (or its node) went away before answering: dispatch the attempt again."""


class WorkerFailed(Exception):
    """The worker answered with an error (bad input, a missing agent CLI): the attempt failed."""


class Transport(Protocol):
    """Carries one request message to a worker and its reply back."""

    kind: str

    def send(self, request: AttemptRequest, message: bytes,
             dispatched: Callable[[str], None]) -> bytes:
        """The reply message; raises :class:`WorkerLost`, :class:`WorkerFailed`, or returns
        early with ``b""`` when the run was interrupted (the worker is stopped). Calls
        ``dispatched`` with the engine's id for the attempt (a Ray task id, a process id) once
        it is under way."""
        ...

    def describe(self) -> str:
        """Where attempts go, for one line of the log (never a secret)."""
        ...


class RemoteExecutor:
    """Runs each lane attempt through a :class:`Transport`; its change comes back as a commit."""

    def __init__(self, transport: Transport, worktrees: Worktrees, logs_dir: Path,
                 meter: Meter | None = None) -> None:
        self.transport = transport
        self.kind = transport.kind
        self.worktrees = worktrees
        self.logs_dir = logs_dir
        self.meter = meter
        """The run's one meter: a remote attempt holds its share of the cap while it runs (the
        worker cannot reserve each call against it) and settles with the cost it reports."""

    def prepare(self, task_id: str, *, fresh: bool, events: AttemptEvents) -> AttemptBase:
        """The integrated tree's commit: the worker checks it out from a bundle."""
        base = self.worktrees.base_commit()
        events(task_id, EventType.ATTEMPT_DISPATCHED.value, {
            "executor": self.kind, "branch": self.worktrees.branch(task_id), "base": base})
        return AttemptBase("commit", base)

    def forget(self, task_id: str) -> None:
        """Nothing is kept between attempts: every attempt starts from a fresh checkout."""

    def run(self, request: AttemptRequest, events: AttemptEvents) -> AttemptOutcome:
        """Dispatch the attempt holding its share of the run's cap; the outcome."""
        started = time.monotonic()
        held = self._hold(request)
        if held is None:
            return _failed("the run's cost cap (shared with the tasks running at once) leaves "
                           "nothing for another model call; not dispatched", started,
                           AgentStatus.BUDGET_EXCEEDED)
        outcome: AttemptOutcome | None = None
        try:
            outcome = self._dispatch(request, events)
            return outcome
        finally:
            if self.meter is not None and held:
                spent = outcome.result.cost_usd if outcome is not None else 0.0
                self.meter.settle(request.task_id, held, spent)

    def _hold(self, request: AttemptRequest) -> float | None:
        """Reserve the attempt's share of a capped run (``0.0``: nothing to hold; ``None``:
        the cap leaves nothing) and cap the request's budget to it."""
        from orch.adapters.base import calls_model
        from orch.adapters.registry import get_adapter
        from orch.meter import reserve_attempt

        meter = self.meter
        if meter is None or meter.free() is None or \
                not calls_model(get_adapter(request.role.adapter)):
            return 0.0
        got = reserve_attempt(meter, request.task_id, request.budget.max_cost_usd)
        if got is not None:
            request.budget = request.budget.model_copy(update={"max_cost_usd": got})
        return got

    def _dispatch(self, request: AttemptRequest, events: AttemptEvents) -> AttemptOutcome:
        """Dispatch the attempt (again, if its worker was lost); the outcome."""
        from orch.vcs.bundle import BASE_REF, create_bundle

        started = time.monotonic()
        repo_dir = self.worktrees.repo.project_dir
        try:
            base = request.base.id or self.worktrees.base_commit()
            message = encode_request(request_to_json(request),
                                     create_bundle(repo_dir, base, ref=BASE_REF))
        except OrchError as exc:  # an executor returns the attempt's failure, never raises
            return _failed(f"cannot send the attempt: {exc}", started)
        for dispatch in range(1, LOST_RETRIES + 2):

            def dispatched(engine_id: str, number: int = dispatch) -> None:
                events(request.task_id, EventType.NOTE.value, {
                    "level": "info", "message": f"{request.task_id}: attempt "
                    f"{request.attempt} dispatched to {self.transport.describe()} as "
                    f"{engine_id} (dispatch {number})"})

            try:
                raw = self.transport.send(request, message, dispatched)
            except OrchError as exc:
                return _failed(f"remote worker: {exc}", started)
            except WorkerLost as exc:
                events(request.task_id, EventType.NOTE.value, {
                    "level": "warning", "message": f"{request.task_id}: attempt "
                    f"{request.attempt} lost ({exc}); dispatching it again"})
                continue
            except WorkerFailed as exc:
                return _failed(f"remote worker: {exc}", started)
            if not raw:
                return _interrupted(started)
            return self._received(request, raw, events, started)
        return _failed(f"remote worker lost {LOST_RETRIES + 1} times", started)

    def _received(self, request: AttemptRequest, raw: bytes, events: AttemptEvents,
                  started: float) -> AttemptOutcome:
        try:
            reply = decode_reply(raw)
            outcome = outcome_from_json(reply.outcome_json)
        except (WorkerInputError, ValueError) as exc:
            return _failed(f"remote worker: {exc}", started)
        try:
            return self._take(request, reply, outcome, events)
        except OrchError as exc:
            return _failed(f"cannot take the worker's commit: {exc}", started)

    def _take(self, request: AttemptRequest, reply: WorkerReply, outcome: AttemptOutcome,
              events: AttemptEvents) -> AttemptOutcome:
        from orch.vcs.bundle import fetch_bundle

        for event in reply.events:
            events(str(event.get("task") or request.task_id), str(event["type"]),
                   dict(event.get("data") or {}))
        if reply.log:
            with open(self.logs_dir / request.log_name, "a", encoding="utf-8") as log:
                log.write(f"\n--- remote attempt on {reply.node or '?'} ---\n{reply.log}")
        outcome.change = None
        if reply.bundle and reply.commit:
            branch = f"refs/heads/{self.worktrees.branch(request.task_id)}"
            commit = fetch_bundle(self.worktrees.repo.project_dir, reply.bundle, branch)
            outcome.change = AttemptChange("commit", commit)
        return outcome


def _failed(reason: str, started: float,
            status: AgentStatus = AgentStatus.FAILED) -> AttemptOutcome:
    return AttemptOutcome(AgentResult(status=status, error=reason),
                          CheckOutcome(ok=False, reason=reason),
                          round(time.monotonic() - started, 3))


def _interrupted(started: float) -> AttemptOutcome:
    return AttemptOutcome(AgentResult(status=AgentStatus.INTERRUPTED, error="interrupted"),
                          CheckOutcome(ok=False, interrupted=True),
                          round(time.monotonic() - started, 3), interrupted_run=True)


class CommandTransport:
    """``executor: {kind: command, run: "ssh build-{slot} orch worker"}``: any command that
    reads the request on stdin and writes the reply on stdout (``{slot}`` and ``{task}`` are
    filled in). Its exit status 0 with a reply is an answer; another status with no reply is a
    failed attempt (its last stderr line the reason); killed by a signal, it was lost."""

    kind = "command"

    def __init__(self, run: str, project_dir: Path) -> None:
        self.run = run
        self.project_dir = project_dir
        self._slots: dict[str, int] = {}

    def describe(self) -> str:
        return f"`{self.run.split()[0] if self.run.split() else self.run}` (command executor)"

    def send(self, request: AttemptRequest, message: bytes,
             dispatched: Callable[[str], None]) -> bytes:
        slot = self._slots.setdefault(request.task_id, len(self._slots) % 64 + 1)
        command = self.run.replace("{slot}", str(slot)).replace("{task}", request.task_id)
        child = subprocess.Popen(["bash", "-c", command], cwd=self.project_dir,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, start_new_session=True)
        out: list[bytes] = []
        err: list[bytes] = []

        def pump() -> None:
            stdout, stderr = child.communicate(message)
            out.append(stdout)
            err.append(stderr)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        dispatched(f"pid {child.pid}")
        while reader.is_alive():
            reader.join(POLL_S)
            if proc.interrupted():
                _stop_group(child)
                reader.join(5)
                return b""
        stdout, stderr = (out or [b""])[0], (err or [b""])[0]
        if child.returncode and child.returncode < 0:
            raise WorkerLost(f"the worker command was killed by signal {-child.returncode}")
        if child.returncode != 0:
            last = (stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
            raise WorkerFailed(f"exit {child.returncode}: {last[:400]}")
        return stdout


def _stop_group(child: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue
