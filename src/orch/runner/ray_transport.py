"""Lane attempts as Ray tasks (``executor: {kind: ray}``, the ``orch-runner[ray]`` extra).

Each attempt is one Ray task running :func:`ray_attempt` — the same worker ``orch worker``
runs — with the request message as its argument; the bundle and the reply travel through
Ray's object store. A role may ask for Ray resources so its tasks land on nodes that have its
agent CLI (``executor.resources: {claude-code: {claude_code: 1}}``). Nothing secret goes into
a Ray object, a task argument or a ``runtime_env``: workers use their own node's environment.
A node or worker that dies is a lost attempt (:class:`WorkerLost`). Ctrl-C cancels the Ray task:
first without force, which raises ``KeyboardInterrupt`` in the worker, so the attempt stops its
agent's process group and removes its checkout on the way out; a worker still running after
:data:`STOP_GRACE_S` is then killed (``force=True``). However the worker ends, the agent's
process group goes with it (:mod:`orch.reaper`): Ray may end a cancelled task's worker, or every
worker of a driver that exited, before the worker's own clean-up has run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from orch import proc
from orch.errors import OrchError
from orch.runner.executor import AttemptRequest
from orch.runner.remote_executor import POLL_S, WorkerFailed, WorkerLost


class ExecutorUnavailable(OrchError):
    """The remote engine cannot be reached or used: exit 2, before anything runs."""

    exit_code = 2


def ray_attempt(message: bytes) -> bytes:
    """The body of each Ray task: one attempt on the node it landed on."""
    import ray

    from orch.runner.remote import WorkerInputError, run_attempt_message

    node = ray.get_runtime_context().get_node_id()
    try:
        return run_attempt_message(message, node=node)
    except WorkerInputError as exc:
        raise WorkerFailed(str(exc)) from None


CONNECT_TIMEOUT_S = 10.0
STOP_GRACE_S = 20.0
"""How long a cancelled attempt has to stop its agent (TERM, a grace period, KILL) and end."""


def _reachable(address: str) -> None:
    """Refuse at once a ``HOST:PORT`` nothing listens on (Ray itself retries for minutes)."""
    import socket

    if address in ("", "auto") or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ExecutorUnavailable(f"the Ray address {address!r} is not HOST:PORT",
                                  hint="pass --ray-address HOST:PORT, or `auto`")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise ExecutorUnavailable(
            f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}",
            hint="start it (`ray start --head`), or pass --ray-address HOST:PORT") from None


class RayTransport:
    """Sends attempts to a Ray cluster."""

    kind = "ray"

    def __init__(self, address: str, resources: dict[str, dict[str, float]]) -> None:
        self.address = address
        self.resources = resources
        try:
            import ray
        except ImportError:
            raise ExecutorUnavailable(
                "the ray executor needs Ray, which is not installed",
                hint="pip install 'orch-runner[ray]'") from None
        _reachable(address)
        try:
            if not ray.is_initialized():
                ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False,
                         configure_logging=False)
        except Exception as exc:  # noqa: BLE001 - any failure to connect is one line
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            raise ExecutorUnavailable(
                f"cannot reach the Ray cluster at {address}: {first}",
                hint="start it (`ray start --head`), or pass --ray-address HOST:PORT") from None
        self._ray = ray
        self._task = ray.remote(max_retries=0)(ray_attempt)

    def describe(self) -> str:
        return f"Ray at {self.address}"

    def send(self, request: AttemptRequest, message: bytes,
             dispatched: Callable[[str], None]) -> bytes:
        ray = self._ray
        # Each attempt is a heavyweight agent: spread them over the nodes rather than pack.
        options: dict[str, Any] = {"num_cpus": 1, "scheduling_strategy": "SPREAD"}
        wanted = self.resources.get(request.role.name) or self.resources.get(request.role.adapter)
        if wanted:
            options["resources"] = dict(wanted)
        ref = self._task.options(**options).remote(message)
        dispatched(f"Ray task {ref.task_id().hex()}")
        while True:
            ready, _ = ray.wait([ref], timeout=POLL_S)
            if ready:
                break
            if proc.interrupted():
                self._stop(ref)
                return b""
        try:
            reply: bytes = ray.get(ref)
            return reply
        except ray.exceptions.RayTaskError as exc:
            cause = exc.as_instanceof_cause() if hasattr(exc, "as_instanceof_cause") else exc
            if isinstance(cause, WorkerFailed):
                raise WorkerFailed(str(cause).splitlines()[-1]) from None
            raise WorkerFailed(str(exc).strip().splitlines()[-1][:400]) from None
        except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError,
                ray.exceptions.ObjectLostError, ray.exceptions.OwnerDiedError,
                ray.exceptions.LocalRayletDiedError) as exc:
            raise WorkerLost(type(exc).__name__) from None
        except ray.exceptions.TaskCancelledError:
            return b""

    def _stop(self, ref: Any) -> None:
        """Cancel a running attempt, gracefully first (see the module docstring)."""
        ray = self._ray
        ray.cancel(ref)
        ready, _ = ray.wait([ref], timeout=STOP_GRACE_S)
        if not ready:
            ray.cancel(ref, force=True)
