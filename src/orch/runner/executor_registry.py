"""Which executor runs lane attempts: ``local`` worktrees, or a remote :class:`Transport`.

Remote kinds come from the entry point group ``orch.executors``: each names a factory
``(config: ExecutorConfig, project_dir: Path) -> Transport``. The built-in ``ray`` and
``command`` kinds register through the very same group (pyproject.toml), so a third-party
executor (a sandbox API, a CI dispatcher) is a package, not a patch to the controller.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from orch.config import ExecutorConfig
from orch.errors import ConfigError
from orch.runner.remote_executor import CommandTransport, Transport

GROUP = "orch.executors"
LOCAL = "local"
Factory = Callable[[ExecutorConfig, Path], Transport]


def executor_kinds() -> dict[str, Any]:
    """Every registered remote kind, by name."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def lane_transport(config: ExecutorConfig, project_dir: Path) -> Transport | None:
    """The transport for ``config.kind`` (``None`` for local worktrees); a remote engine that
    cannot be reached raises an :class:`~orch.errors.OrchError` (exit 2) before anything runs."""
    if config.kind == LOCAL:
        return None
    kinds = executor_kinds()
    if config.kind not in kinds:
        known = ", ".join(sorted([LOCAL, *kinds]))
        raise ConfigError(f"executor {config.kind!r} is not known (known: {known})",
                          hint="set executor.kind in .specify/orch/config.yaml or --executor; "
                               "a third-party executor registers under `orch.executors`")
    factory: Factory = kinds[config.kind].load()
    return factory(config, project_dir)


def command_transport(config: ExecutorConfig, project_dir: Path) -> Transport:
    """The built-in ``command`` kind."""
    if not config.run:
        raise ConfigError("executor kind `command` needs `run:`, the command that runs "
                          "`orch worker`", hint='e.g. executor: {kind: command, run: '
                                                '"ssh build-{slot} orch worker"}')
    return CommandTransport(config.run, project_dir)


def ray_transport(config: ExecutorConfig, project_dir: Path) -> Transport:
    """The built-in ``ray`` kind (needs the ``orch-runner[ray]`` extra)."""
    from orch.runner.ray_transport import RayTransport

    return RayTransport(config.address, config.resources)
