"""A real local Ray cluster for tests, run inside a private network and PID namespace.

Ray advertises the host's own address whenever the machine has one; the tests must touch
nothing but loopback. So :func:`run_in_namespace` re-executes a scenario of
``tests/ray_scenarios.py`` under ``unshare --net --pid --fork --mount-proc``: inside, only ``lo``
exists (brought up first), so ``ray start`` binds to 127.0.0.1, and every process the scenario
started — head, worker nodes, orch — dies with the namespace when the scenario ends. Nodes are
started and stopped by process id (:class:`Cluster`), never by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
UNSHARE = ["unshare", "--net", "--pid", "--fork", "--mount-proc"]


def namespace_problem() -> str | None:
    """Why a test cannot run a namespaced Ray cluster here, or ``None``."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return "ray is not installed (pip install 'orch-runner[ray]')"
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip is not installed (util-linux, iproute2)"
    probe = subprocess.run([*UNSHARE, "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"cannot create network namespaces here: {probe.stderr.strip()[:200]}"
    return None


def run_in_namespace(scenario: str, workdir: Path, timeout: float = 900,
                     **options: Any) -> dict[str, Any]:
    """Run ``scenario`` of ``ray_scenarios.py`` in a fresh namespace; its JSON result."""
    command = [*UNSHARE, sys.executable, str(HERE / "ray_scenarios.py"), scenario,
               str(workdir), json.dumps(options)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        raise AssertionError(f"scenario {scenario} exited {done.returncode}\n"
                             f"stdout:\n{done.stdout[-6000:]}\nstderr:\n{done.stderr[-6000:]}")
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT "):])
    return result


class Cluster:
    """A head node and worker nodes on 127.0.0.1, each a ``ray start --block`` process group."""

    def __init__(self, root: Path, port: int = 6390) -> None:
        self.root = root
        self.port = port
        self.address = f"127.0.0.1:{port}"
        self.nodes: list[subprocess.Popen[bytes]] = []
        self.env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}

    def start(self, workers: list[dict[str, float]], cpus: int = 2) -> Cluster:
        """The head (no task resources of its own) and one worker per resource dict, started
        one at a time: on a busy machine a node may miss Ray's own 30 s start-up window, so a
        node that exits during start-up is started again (twice at most)."""
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        self._node(["--head", f"--port={self.port}", "--num-cpus=0",
                    "--include-dashboard=false", "--disable-usage-stats"])
        self._wait(lambda: subprocess.run(
            ["ray", "status", f"--address={self.address}"], capture_output=True,
            env=self.env).returncode == 0, "the head node")
        import ray

        ray.init(address=self.address, logging_level="ERROR", log_to_driver=False)
        try:
            for number, resources in enumerate(workers, start=2):
                args = [f"--address={self.address}", f"--num-cpus={cpus}",
                        f"--resources={json.dumps(resources)}"]
                for _ in range(3):
                    self._node(args)
                    node = self.nodes[-1]
                    if self._wait(lambda n=number, p=node: len(self.alive()) >= n
                                  or p.poll() is not None, "a worker node", strict=False) \
                            and node.poll() is None:
                        break
                    self.nodes.pop()
                else:
                    raise RuntimeError(f"worker node {resources} did not start")
        finally:
            ray.shutdown()
        return self

    def _node(self, args: list[str]) -> None:
        log = open(self.root / f"node-{len(self.nodes)}.log", "wb")  # noqa: SIM115
        self.nodes.append(subprocess.Popen(["ray", "start", "--block", *args], env=self.env,
                                           stdout=log, stderr=subprocess.STDOUT,
                                           start_new_session=True))

    @staticmethod
    def alive() -> list[dict[str, Any]]:
        import ray

        return [n for n in ray.nodes() if n["Alive"]]

    def _wait(self, ready: Any, what: str, seconds: float = 180, strict: bool = True) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if ready():
                return True
            time.sleep(0.5)
        if strict:
            raise RuntimeError(f"{what} did not come up in {seconds:.0f}s")
        return False

    def raylet_pid(self, node: int) -> int:
        """The raylet process of worker node ``node`` (1 = the first worker)."""
        import psutil

        for child in psutil.Process(self.nodes[node].pid).children(recursive=True):
            if "raylet" in child.name():
                return int(child.pid)
        raise RuntimeError(f"node {node} has no raylet")

    def kill_node(self, node: int) -> int:
        """A worker node dies: SIGKILL to every process of it — its ``ray start`` first (so it
        cannot react), its raylet, and the Ray workers running tasks under it. Returns the
        raylet's pid."""
        import signal

        import psutil

        parent = psutil.Process(self.nodes[node].pid)
        family = parent.children(recursive=True)
        raylet = self.raylet_pid(node)
        for process in [parent, *family]:
            with contextlib.suppress(psutil.Error):
                process.send_signal(signal.SIGKILL)
        return raylet

    def stop(self) -> None:
        """Stop every node's process group (TERM, then KILL)."""
        import signal

        for proc in reversed(self.nodes):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for proc in reversed(self.nodes):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
