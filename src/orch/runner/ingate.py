"""In-session gates: a task's checks run inside the agent's own session, as its stop hook.

orch's verification after the agent returns stays the authority. An in-session gate only lets
an agent that stops early hear so while its session is still open, instead of costing a whole
extra attempt: the agent CLI runs ``orch hook stop`` when the model ends its turn, the hook runs
the task's checks (its ``verify:`` commands and its file checks, measured from the task's
baseline), and a failure blocks the stop with the failing command and its output tail as the
reason the model reads. After :attr:`SessionGate.retries` blocks the hook lets the agent stop.
With ``strict_files``, ``orch hook pre-tool`` denies a file write outside the task's files.

The gate travels to the hook as plain JSON in the :data:`SPEC_ENV` environment variable of the
agent's process (the CLI passes its environment on to its hooks), so nothing is written into
the user's project or agent settings. Each block is appended to the attempt's record file in the
run's logs folder; the worker journals them as ``hook_blocked`` events when the agent returns.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from orch.adapters.hooks import CHECK_TIMEOUT_S, HOOK_SPEC_ENV
from orch.secrets import default_redactor

if TYPE_CHECKING:
    from orch.config import OrchConfig
    from orch.domain.plan import Task
    from orch.runner.plancheck import TaskChecks

SPEC_ENV = HOOK_SPEC_ENV
"""The environment variable that carries a :class:`SessionGate` as JSON to the hook."""
TAIL_CHARS = 2000
SCRATCH_DIRS = ("/tmp/", "/var/tmp/")
"""Outside the project, writes under these (and ``$TMPDIR``) are never fenced: scratch space."""


@dataclass(frozen=True)
class GateSettings:
    """What the configuration and the task ask of in-session gates."""

    enabled: bool = True
    retries: int = 2
    strict_files: bool = False


@dataclass
class SessionGate:
    """Everything the hook process needs, as plain data (JSON in :data:`SPEC_ENV`)."""

    task_id: str
    attempt: int
    record: str
    """The file each block is appended to (one JSON object a line)."""
    verify: list[str] = field(default_factory=list)
    files: list[list[str]] = field(default_factory=list)
    """The task's file checks as ``[path, rule]`` pairs (rules: ``FileRule`` values)."""
    absent: list[str] = field(default_factory=list)
    """Directory checks whose directory did not exist when the task started."""
    baseline: str | None = None
    """The git tree the file checks are measured from (the task's start)."""
    retries: int = 2
    stop: bool = True
    """Whether the stop gate is on (the write fence may be on alone)."""
    strict: bool = False
    allowed: list[str] = field(default_factory=list)
    """With ``strict``: the task's declared ``files:`` — writes elsewhere are denied."""
    timeout_s: float | None = None
    project: str = ""
    """The directory the agent was started in: the checks run there and the fence is measured
    from it, wherever the agent's shell has ``cd``-ed to since (the CLI runs its hooks there)."""

    @property
    def check_budget_s(self) -> float:
        """What the stop hook's checks may take in all (the task's timeout, else a default)."""
        return self.timeout_s or CHECK_TIMEOUT_S

    def to_env(self) -> str:
        """The gate as the JSON text of :data:`SPEC_ENV`."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_env(cls, text: str) -> SessionGate:
        """Parse :meth:`to_env`'s text; raises ``ValueError`` on anything else."""
        try:
            data = json.loads(text)
            return cls(**data)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{SPEC_ENV} is not an orch gate: {exc}") from exc

    @property
    def has_checks(self) -> bool:
        """Whether the stop gate has anything to run."""
        return bool(self.verify or self.files)


def read_blocks(record: Path) -> list[dict[str, Any]]:
    """The blocks recorded so far in ``record`` (a torn last line is skipped)."""
    try:
        lines = record.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    blocks = []
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            blocks.append(entry)
    return blocks


def _append_block(record: Path, kind: str, check: str, reason: str, attempt: int) -> None:
    redact = default_redactor()
    entry = {"kind": kind, "check": redact(check), "reason": redact(reason), "attempt": attempt}
    with open(record, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def stop_decision(gate: SessionGate, cwd: Path) -> str | None:
    """Run the task's checks in ``cwd``: the reason to block the stop, or ``None`` to let the
    agent stop (checks pass, nothing to check, or the gate has blocked ``retries`` times)."""
    if not gate.stop or not gate.has_checks:
        return None
    record = Path(gate.record)
    stops = [b for b in read_blocks(record) if b.get("kind") == "stop"]
    if len(stops) >= gate.retries:
        return None
    failure = _failing_check(gate, cwd)
    if failure is None:
        return None
    from orch import proc

    if proc.interrupted():  # the CLI gave up on the hook (its timeout): never block for that
        raise InterruptedError("the hook was stopped while its checks ran")
    command, tail = failure
    reason = (f"orch has not verified this task yet: the check `{command}` fails.\n"
              f"{tail}\n"
              "Finish the task so that every check passes, then stop. (orch runs these checks "
              "itself after you stop; a task is done only when they pass.)")
    reason = default_redactor()(reason)
    _append_block(record, "stop", command, reason, gate.attempt)
    return reason


def _failing_check(gate: SessionGate, cwd: Path) -> tuple[str, str] | None:
    """The first failing check and its output tail, or ``None`` when all pass."""
    from orch.runner.verify import run_checks

    deadline = time.monotonic() + gate.check_budget_s
    with tempfile.TemporaryDirectory(prefix="orch-hook-") as scratch:
        log = Path(scratch) / "check.log"
        for command in gate.verify:
            left = deadline - time.monotonic()
            if left <= 0:
                return command, f"(not run: the checks took over {gate.check_budget_s:g}s)"
            outcome = run_checks([command], cwd=cwd, log_path=log, timeout_s=left)
            if not outcome.ok:
                tail = outcome.tail[-TAIL_CHARS:]
                if outcome.timed_out:
                    tail += f"\n(timed out after {left:.0f}s)"
                return command, tail
    if not gate.files:
        return None
    return _failing_file_check(gate, cwd)


def _failing_file_check(gate: SessionGate, cwd: Path) -> tuple[str, str] | None:
    from orch.runner.derived import FileCheck, FileRule
    from orch.runner.filechecks import ChangeProbe, describe_failure, evaluate

    checks = [FileCheck(path, FileRule(rule)) for path, rule in gate.files]
    probe = ChangeProbe.for_project(cwd)
    if gate.baseline is None:
        # No git tree to measure from (a project without git): a change cannot be judged by
        # another process, only existence; orch's own verification decides the rest.
        checks = [FileCheck(c.path, FileRule.EXISTS) for c in checks
                  if c.rule is not FileRule.REMOVED_OR_CHANGED]
        if not checks:
            return None
    probe.start(gate.task_id, checks, gate.baseline, absent=set(gate.absent))
    records = evaluate(checks, probe, probe.finish(checks))
    failed = [r for r in records if not r.ok]
    if not failed:
        return None
    return failed[0].command, "; ".join(describe_failure(r) for r in failed)


def write_denial(gate: SessionGate, cwd: Path, file_path: str,
                 relative_to: Path | None = None) -> str | None:
    """The reason to deny writing ``file_path`` (fence on, path outside the task's files), or
    ``None`` to allow it. ``cwd`` is the project; a relative ``file_path`` is taken from
    ``relative_to`` (the agent's current directory), else from ``cwd``."""
    if not gate.strict or not file_path:
        return None
    target = Path(file_path)
    if not target.is_absolute():
        target = (relative_to or cwd) / target
    # Real paths: a symlink inside the project that leads outside it is outside it, and a
    # project reached through a symlinked directory is still the project.
    resolved = Path(os.path.realpath(target))
    root = Path(os.path.realpath(cwd))
    try:
        relative: PurePosixPath | None = PurePosixPath(resolved.relative_to(root).as_posix())
    except ValueError:
        relative = None
    if relative is None and any(_scratch(resolved, root, s) for s in _scratch_dirs()):
        return None
    if relative is not None and any(_within(relative, allowed) for allowed in gate.allowed):
        return None
    shown = relative.as_posix() if relative is not None else str(resolved)
    allowed = ", ".join(gate.allowed) or "(none declared)"
    reason = (f"orch fences this task's writes: {shown} is outside the task's files "
              f"({allowed}). Write only those files; if the task truly needs another file, "
              "say so in your summary instead of writing it.")
    _append_block(Path(gate.record), "write", shown, reason, gate.attempt)
    return reason


def _scratch_dirs() -> list[str]:
    return [*SCRATCH_DIRS, tempfile.gettempdir()]


def _scratch(path: Path, root: Path, directory: str) -> bool:
    """``path`` is scratch space in ``directory``: under it, and not beside the project in a
    folder of its own there (a lane's worktree lives inside the main checkout, which a project
    under /tmp would otherwise leave unfenced)."""
    real = Path(os.path.realpath(directory))
    if real not in path.parents:
        return False
    if real not in root.parents:
        return True
    return Path(os.path.commonpath([path, root])) == real


def _within(path: PurePosixPath, allowed: str) -> bool:
    """``path`` is the declared file, or inside the declared directory."""
    declared = PurePosixPath(os.path.normpath(allowed.strip()))
    if str(declared) == ".":
        return True
    return path == declared or declared in path.parents


def gate_settings(config: OrchConfig, task: Task) -> GateSettings:
    """The gate the configuration (``in_session_gate``, ``hook_retries``, ``strict_files``)
    and the task ask for: a task's own ``- strict: true`` or ``false`` wins over
    ``strict_files``; a task that says neither inherits it."""
    strict = config.strict_files if task.strict is None else task.strict
    return GateSettings(enabled=config.in_session_gate, retries=config.hook_retries,
                        strict_files=strict)


def session_gate(settings: GateSettings | None, *, task: Task, attempt: int, record: Path,
                 checks: TaskChecks, baseline: str | None, absent: set[str],
                 timeout_s: float | None, project: Path) -> SessionGate | None:
    """The gate for one attempt, or ``None`` when neither the stop gate nor the fence is on.

    The stop gate needs something to check and ``hook_retries`` above 0; the fence needs the
    task to declare its ``files:`` (with none declared there is nothing to keep it to)."""
    if settings is None:
        return None
    stop = settings.enabled and settings.retries > 0 and bool(checks.verify or checks.files)
    strict = settings.strict_files and bool(task.files)
    if not (stop or strict):
        return None
    return SessionGate(
        task_id=task.id, attempt=attempt, record=str(record), verify=list(checks.verify),
        files=[[c.path, c.rule.value] for c in checks.files], absent=sorted(absent),
        baseline=baseline, retries=settings.retries, stop=stop,
        strict=strict, allowed=list(task.files), timeout_s=timeout_s,
        project=str(project.resolve()))
