"""Starting and resuming runs: lock, repository checks, plan, state, then the runner.

This is the whole ``orch run`` / ``orch resume`` sequence minus the command line, so tests and
the CLI share one path.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orch.adapters.base import needs_terminal
from orch.adapters.registry import get_adapter
from orch.adapters.roles import RoleResolver
from orch.adapters.unpriced import preflight_warnings
from orch.config import ExecutorConfig, OrchConfig, load_config
from orch.domain.events import EventType
from orch.domain.fingerprint import plan_fingerprints
from orch.domain.plan import Plan, PlanMark
from orch.domain.state import PhaseState, RunOptions, RunState, TaskState
from orch.domain.status import (
    HALTING_TASK_STATUSES,
    TERMINAL_TASK_STATUSES,
    RunStatus,
    TaskStatus,
)
from orch.errors import (
    AgentUnavailableError,
    AwaitingDecisionError,
    OrchError,
    PlanError,
    StateError,
)
from orch.parsing.checkbox import unmarked
from orch.parsing.claudio import without_status
from orch.parsing.formats import CLAUDIO_MARKER
from orch.planfile import load_plan, read_plan_text
from orch.reporting.base import Reporter
from orch.runner.engine import Runner, RunnerSettings
from orch.runner.executor_registry import lane_transport
from orch.runner.hooks import CheckpointHook, NoCheckpoints
from orch.runner.orphans import clear_git_locks, record_groups, stop_orphans
from orch.runner.plan_changes import DryJournal, Journal, detect_changes, record_changes
from orch.runner.plancheck import DETECTED_RUNNERS, CheckPlanner
from orch.runner.planmarks import plan_marker
from orch.runner.resume_preview import ResumePreview
from orch.runner.retry_reason import last_failure
from orch.runner.selection import select_for_options
from orch.runner.signals import interrupt_handlers
from orch.store.layout import Layout
from orch.store.lock import ProjectLock
from orch.store.runs import RunRecorder, create_run, load_run, new_run_id, open_run, utc_now

Warn = Callable[[str], None]
ReporterFactory = Callable[[Layout, str], Reporter]


@dataclass
class RunRequest:
    """What ``orch run`` was asked to do."""

    plan_path: Path
    options: RunOptions = field(default_factory=RunOptions)
    assume_yes: bool = False
    require_verified: bool = False


@dataclass
class RunOutcome:
    """How a run (or a resume) ended, and what to do next."""

    run_id: str
    status: RunStatus
    error: str | None = None
    state: RunState | None = None
    nothing_to_do: str | None = None
    """Set when no run was started because every selected task is already done in the plan."""


class WarningSink:
    """Warnings go to stderr until a run's reporters exist, then into the run as notes."""

    def __init__(self, fallback: Warn) -> None:
        self.fallback = fallback
        self.runner: Runner | None = None

    def __call__(self, message: str) -> None:
        if self.runner is not None:
            self.runner.note(message)
        else:
            self.fallback(message)


def plan_for_run(plan_path: Path, warn: Warn | None = None) -> tuple[Plan, str]:
    """Load and check a plan for running; any error is a PlanError (exit 2). The parser's
    warnings (a task-like line that is no task, an odd marker) go to ``warn``, alike ones folded."""
    text = read_plan_text(plan_path)  # strict UTF-8: text.encode() gives the file's bytes
    result = load_plan(plan_path, text=text)
    if warn is not None:
        from orch.parsing.fold import fold

        for found in fold(result.warnings):
            warn(f"{plan_path}:{found.first.line}: {found.first.message}{found.suffix()}")
    if result.errors:
        first = result.errors[0]
        more = f" (and {len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        raise PlanError(
            f"{plan_path}:{first.line}: {first.message}{more}",
            hint=f"`orch validate {plan_path}` lists every problem",
        )
    return result.plan, plan_digest(text.encode("utf-8"))


# Progress as other formats write it: Taskmaster's "status" values, Claudio's "Current Status".
_STATUS_VALUE = re.compile(rb'("status"\s*:\s*)"[^"\n]*"|(Current Status\**\s*:\**)[^\n]*')


def plan_digest(raw: bytes) -> str:
    """sha256 of the plan with every checkbox read as ``[ ]``: orch's own progress marks (and a
    rollback restoring them) do not count as the plan having changed."""
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(CLAUDIO_MARKER.encode()):
        raw = without_status(raw.decode("utf-8", "surrogateescape")).encode(
            "utf-8", "surrogateescape"
        )
    raw = _STATUS_VALUE.sub(lambda m: m.group(1) or m.group(2), unmarked(raw))
    return hashlib.sha256(raw).hexdigest()


def check_agents(
    plan: Plan, resolver: RoleResolver, task_ids: list[str], *, assume_yes: bool = False
) -> None:
    """Fail before anything runs when a needed role or adapter is unknown or unavailable
    (with ``--yes``, an adapter that needs a person at a terminal is unavailable)."""
    wanted = set(task_ids)
    pending = [t.id for t in plan.tasks() if t.id in wanted and t.mark is PlanMark.PENDING]
    checked: set[str] = set()
    for task_id, role in resolver.check_plan(plan, pending).items():
        if role.adapter in checked:
            continue
        checked.add(role.adapter)
        adapter = get_adapter(role.adapter)
        reason = adapter.available()
        if not reason and assume_yes and needs_terminal(adapter):
            reason = "it needs a person at a terminal and this run is non-interactive (--yes)"
        if reason:
            raise AgentUnavailableError(
                f"task {task_id} needs agent {role.name!r}: {reason}",
                hint="install it, or pick another with --agent NAME",
            )


def warn_unpriced(plan: Plan, resolver: RoleResolver, task_ids: list[str], project_dir: Path,
                  warn: Warn, *, capped: bool) -> None:
    """Warn before anything runs about each role whose model orch cannot price (its cost would
    count as $0, past any cost cap): the selected tasks' roles and their phases' reviewers."""
    roles = {role.name: role for role in resolver.check_plan(plan, task_ids).values()}
    wanted = set(task_ids)
    for phase in plan.phases:
        if phase.review and any(task.id in wanted for task in phase.tasks):
            with contextlib.suppress(OrchError):  # an unknown reviewer is reported when asked
                reviewer = resolver.role_named(phase.review)
                roles.setdefault(reviewer.name, reviewer)
    for line in preflight_warnings(list(roles.values()), project_dir, capped=capped):
        warn(line)


def _cost_capped(config: OrchConfig, max_cost_usd: float | None) -> bool:
    """Whether any cost cap applies to the run: ``--max-cost`` or the config's budgets."""
    budgets = config.budgets
    return any(cap is not None for cap in (max_cost_usd, budgets.run.max_cost_usd,
                                           budgets.task.max_cost_usd))


def _checkpoint_hook(
    project_dir: Path,
    commit: str,
    warn: Warn,
    *,
    allow_dirty: bool,
    assume_yes: bool,
    resuming: bool,
    own_files: tuple[Path, ...] = (),
) -> CheckpointHook:
    """The git hook for this run, after the start-of-run repository checks.

    With ``--commit none`` orch commits nothing, so it neither checks nor touches git.
    """
    if commit == "none":
        return NoCheckpoints()
    from orch.vcs.checkpoint import GitCheckpoints
    from orch.vcs.preflight import prepare_repository

    has_git = prepare_repository(
        project_dir,
        allow_dirty=allow_dirty,
        assume_yes=assume_yes,
        resuming=resuming,
        warn=warn,
        own_files=own_files,
    )
    if not has_git:
        return NoCheckpoints()
    return GitCheckpoints(project_dir, commit_mode=commit, warn=warn)


def new_state(
    plan: Plan, plan_path: Path, digest: str, selected: list[str], options: RunOptions
) -> RunState:
    """The initial state of a run over ``selected`` tasks (plan-marked ones recorded as such)."""
    now = utc_now()
    tasks: dict[str, TaskState] = {}
    by_id = {task.id: task for task in plan.tasks()}
    for task_id in selected:
        task = by_id[task_id]
        status = {PlanMark.DONE: TaskStatus.DONE, PlanMark.SKIPPED: TaskStatus.SKIPPED}.get(
            task.mark, TaskStatus.PENDING
        )
        tasks[task_id] = TaskState(
            id=task_id,
            phase=task.phase_id,
            title=task.title,
            status=status,
            estimate_s=task.estimate_s,
            summary="marked in the plan before the run"
            if status is not TaskStatus.PENDING
            else None,
            in_plan=status is not TaskStatus.PENDING,
        )
    phases = [
        PhaseState(
            id=phase.id,
            title=phase.title,
            tasks=[t for t in selected if by_id[t].phase_id == phase.id],
        )
        for phase in plan.phases
    ]
    return RunState(
        run_id=new_run_id(),
        plan_path=plan_path.as_posix(),
        plan_sha256=digest,
        created=now,
        updated=now,
        options=options,
        phases=[p for p in phases if p.tasks],
        tasks=tasks,
        fingerprints=plan_fingerprints(plan),
    )


def _announce_halted_changes(project_dir: Path, state: RunState, warn: Warn) -> None:
    """Say which files changed while the run was halted: its checkpoints leave them alone."""
    from orch.vcs.ownership import record_halted_changes
    from orch.vcs.preflight import describe_paths

    changed = record_halted_changes(project_dir, state)
    if changed:
        warn(f"the working tree changed while the run was halted: {describe_paths(changed)}; "
             "the run's checkpoints leave these uncommitted unless a task changes them too")


def _announce_replaced(layout: Layout, warn: Warn) -> None:
    """Say which unfinished run a new ``orch run`` takes the place of as the latest run (a
    rolled-back run is ``interrupted``), and how that one would go on instead."""
    from orch.store.runs import current_run_id, load_run

    previous = current_run_id(layout)
    if previous is None:
        return
    try:
        old = load_run(layout, previous)
    except OrchError:
        return
    if old.state is RunStatus.COMPLETED:
        return
    warn(f"starting a new run in place of run {previous} ({old.state.value}), which stays as "
         f"it is; `orch resume {previous}` continues that one instead")


def start_run(
    project_dir: Path, request: RunRequest, reporter_factory: ReporterFactory, warn: Warn
) -> RunOutcome:
    """``orch run``: everything from taking the lock to the final status."""
    warn = WarningSink(warn)
    layout = Layout(project_dir)
    layout.ensure_ignored()
    # The lock comes first: a second run is refused at once, before any parsing.
    with ProjectLock(layout.lock, "run", warn=warn) as lock:
        clear_git_locks(lock, project_dir, warn)
        config = load_config(layout.config)
        plan, digest = plan_for_run(request.plan_path, warn)
        options = request.options
        selected = select_for_options(plan, options)
        if not selected:
            raise StateError(
                "no task selected to run", hint="check --only/--from/--until/--phase"
            )
        pending = [t.id for t in plan.tasks() if t.id in set(selected)
                   and t.mark is PlanMark.PENDING]
        if not pending:
            return RunOutcome(run_id="", status=RunStatus.COMPLETED, nothing_to_do=(
                f"nothing to do: every selected task of {request.plan_path} is already marked "
                "done (or skipped) in the plan"))
        planner = CheckPlanner.for_project(config, project_dir)
        transport = lane_transport(executor_config(config, options), project_dir)
        check_verifiable(plan, planner, pending,
                          required=request.require_verified or config.require_verified)
        resolver = RoleResolver(config, project_dir, options.agent)
        check_agents(plan, resolver, selected, assume_yes=request.assume_yes)
        warn_unpriced(plan, resolver, pending, project_dir, warn,
                      capped=_cost_capped(config, options.max_cost_usd))
        _announce_gate(plan, planner, selected, warn)
        commit = options.commit or config.commit
        hook = _checkpoint_hook(
            project_dir,
            commit,
            warn,
            allow_dirty=options.allow_dirty,
            assume_yes=request.assume_yes,
            resuming=False,
            own_files=(request.plan_path.resolve(), layout.config),
        )
        state = new_state(
            plan,
            _relative(request.plan_path, project_dir),
            digest,
            selected,
            options.model_copy(update={"commit": commit}),
        )
        state.auto_gate = planner.auto_gate or ""  # decided once: resume runs this one
        _announce_replaced(layout, warn)
        recorder = create_run(layout, state)
        return _drive(
            plan,
            project_dir,
            recorder,
            reporter_factory(layout, state.run_id),
            resolver,
            hook,
            RunnerSettings(config=config, planner=planner, assume_yes=request.assume_yes,
                           jobs=state.options.jobs, transport=transport),
            warn,
            resumed=False,
        )


def resume_run(
    project_dir: Path,
    run_id: str,
    *,
    retry_failed: bool,
    skip: list[str],
    overrides: dict[str, float] | None = None,
    assume_yes: bool = False,
    reporter_factory: ReporterFactory,
    warn: Warn,
    jobs: int | None = None,
    executor: dict[str, str] | None = None,
    say: Warn | None = None,
) -> RunOutcome:
    """``orch resume``: continue a run where its journal says it stopped. ``overrides``
    replace run options for the rest of the run (``max_cost_usd``, ``task_timeout_s``);
    ``say`` gets the account of a plan edited since the run started, before anything runs."""
    warn = WarningSink(warn)
    layout = Layout(project_dir)
    config = load_config(layout.config)
    layout.ensure_ignored()
    with ProjectLock(layout.lock, "resume", warn=warn) as lock:
        recorder = open_run(layout, run_id)
        try:  # every refusal below closes the run's journal, options_changed or not
            stop_orphans(recorder, warn)
            clear_git_locks(lock, project_dir, warn)
            plan, pending = _prepare_resume(recorder, project_dir, retry_failed=retry_failed,
                                            skip=skip, say=say or warn)
            if overrides:
                recorder.record(EventType.OPTIONS_CHANGED, data=dict(overrides))
            if jobs is not None:
                recorder.record(EventType.OPTIONS_CHANGED, data={"jobs": jobs})
            if executor:
                recorder.record(EventType.OPTIONS_CHANGED, data=dict(executor))
            options = recorder.state.options
            transport = lane_transport(executor_config(config, options), project_dir)
            resolver = RoleResolver(config, project_dir, options.agent)
            check_agents(plan, resolver, pending, assume_yes=assume_yes)
            warn_unpriced(plan, resolver, pending, project_dir, warn,
                          capped=_cost_capped(config, options.max_cost_usd))
            hook = _checkpoint_hook(project_dir, options.commit or config.commit, warn,
                                    allow_dirty=True, assume_yes=assume_yes, resuming=True)
            if not isinstance(hook, NoCheckpoints):
                _announce_halted_changes(project_dir, recorder.state, warn)
            reporter = reporter_factory(layout, run_id)
        except BaseException:
            recorder.close()
            raise
        settings = RunnerSettings(config=config, assume_yes=assume_yes,
                                  planner=journalled_planner(recorder.state, config, project_dir),
                                  jobs=recorder.state.options.jobs, transport=transport)
        return _drive(plan, project_dir, recorder, reporter, resolver, hook, settings, warn,
                      resumed=True)


def preview_resume(
    project_dir: Path, run_id: str, *, retry_failed: bool, skip: list[str]
) -> ResumePreview:
    """``orch resume --dry-run``: what a resume would decide and run, recording nothing."""
    before = load_run(Layout(project_dir), run_id)
    journal = DryJournal(before)
    notes: list[str] = []
    _plan, pending = _prepare_resume(journal, project_dir, retry_failed=retry_failed,
                                     skip=skip, say=notes.append)
    return ResumePreview.decide(before, journal.events, notes, pending, journal.state)


def _prepare_resume(
    recorder: Journal, project_dir: Path, *, retry_failed: bool, skip: list[str], say: Warn
) -> tuple[Plan, list[str]]:
    """Check the run can go on, take in an edited plan, apply ``--retry-failed``/``--skip``;
    return the plan and the ids of the tasks still to do. Refusals raise StateError (exit 3)."""
    state = recorder.state
    plan_path = project_dir / state.plan_path
    plan, digest = plan_for_run(plan_path)
    edited = digest != state.plan_sha256 and _take_plan_edit(recorder, plan, digest, say)
    for task_id in skip:
        if task_id not in state.tasks:
            raise StateError(f"--skip {task_id}: no such task in run {state.run_id}")
    _rewind_for_resume(recorder, retry_failed=retry_failed, skip=skip,
                       layout=Layout(project_dir))
    pending = [
        t for t in state.tasks.values() if t.status not in TERMINAL_TASK_STATUSES
    ]
    halted = [t for t in pending if t.status in HALTING_TASK_STATUSES]
    if halted:
        first = halted[0]
        raise StateError(
            f"task {first.id} is {first.status.value}: {first.error or ''}".rstrip(": "),
            hint=f"fix the cause, then `orch resume --retry-failed` (or `--skip {first.id}`)",
        )
    waiting = [p.id for p in state.phases if p.awaiting]
    if waiting:
        raise AwaitingDecisionError(
            f"phase {waiting[0]} awaits a decision",
            hint=f"`orch approve {waiting[0]}` or `orch revise {waiting[0]} --feedback TEXT`,"
                 " then `orch resume`")
    # A run that died after its last task but before its last gate or checkpoint is not
    # completed yet: resuming it runs the gate or makes the checkpoint. A completed run whose
    # plan was edited since goes on with the tasks the edit added or changed.
    if state.state is RunStatus.COMPLETED and not edited:
        raise StateError(
            f"run {state.run_id} is already complete; nothing to resume",
            hint="start a new run with `orch run`",
        )
    return plan, [t.id for t in pending]


def _take_plan_edit(recorder: Journal, plan: Plan, digest: str, say: Warn) -> bool:
    """Say what the edit means for the run, then journal it (docs/state.md); return whether
    any task is added, dropped or to run again."""
    state = recorder.state
    changes = detect_changes(state, plan, select_for_options(plan, state.options))
    for line in changes.lines(state.plan_path):
        say(line)
    record_changes(recorder, plan, changes, digest)
    return changes.any


def _rewind_for_resume(recorder: Journal, *, retry_failed: bool, skip: list[str],
                       layout: Layout) -> None:
    for task in list(recorder.state.tasks.values()):
        retrying = retry_failed and task.status in HALTING_TASK_STATUSES
        if task.id in skip and task.status is not TaskStatus.DONE:
            recorder.record(
                EventType.TASK_RESET,
                task=task.id,
                data={"status": TaskStatus.SKIPPED.value, "reason": "--skip"},
            )
        elif task.status is TaskStatus.BUDGET_EXCEEDED or task.returning or retrying:
            # The retried attempt is told why the last one failed, as an in-run retry is.
            why = last_failure(layout, recorder.state.run_id, task.id) if retrying else None
            recorder.record(
                EventType.TASK_RESET,
                task=task.id,
                data={"status": TaskStatus.PENDING.value, "reason": "resume",
                      **({"feedback": why} if why else {})},
            )


def _drive(
    plan: Plan,
    project_dir: Path,
    recorder: RunRecorder,
    reporter: Reporter,
    resolver: RoleResolver,
    hook: CheckpointHook,
    settings: RunnerSettings,
    warnings: WarningSink,
    *,
    resumed: bool,
) -> RunOutcome:
    state = recorder.state
    plan_path = project_dir / state.plan_path
    marker = plan_marker(plan_path, plan.format, warn=warnings, tasks=plan.tasks())
    if marker is not None and resumed:
        marker.sync(state, {task.id: task for task in plan.tasks()})
    settings.task_timeout_s = state.options.task_timeout_s
    settings.max_cost_usd = state.options.max_cost_usd
    runner = Runner(
        plan=plan,
        project_dir=project_dir,
        recorder=recorder,
        reporter=reporter,
        resolver=resolver,
        hook=hook,
        marker=marker,
        settings=settings,
    )
    warnings.runner = runner
    try:
        with interrupt_handlers(), record_groups(recorder):
            status = runner.execute(resumed=resumed)
    finally:
        warnings.runner = None
        recorder.close()
    return RunOutcome(run_id=state.run_id, status=status, error=state.error, state=state)


def check_verifiable(plan: Plan, planner: CheckPlanner, pending: list[str], *,
                      required: bool) -> None:
    """With ``--require-verified``, refuse a plan in which a task to run has no check (the run
    and ``--dry-run`` both call this, so they exit alike)."""
    if not required:
        return
    unchecked = planner.unverifiable(plan, pending)
    if unchecked:
        listed = ", ".join(f"{task.id} (line {task.line})" for task in unchecked)
        raise PlanError(
            f"--require-verified: {len(unchecked)} task(s) would have no check: {listed}",
            hint="give each a `verify:` command or `files:`, add a **Gate**: to its phase, "
                 "or set `tests:` in .specify/orch/config.yaml (see docs/verification.md)",
        )


def journalled_planner(state: RunState, config: OrchConfig, project_dir: Path) -> CheckPlanner:
    """The run's checks with the gate command journalled at its start (detected anew only for
    runs from before orch journalled it)."""
    if state.auto_gate is None:
        return CheckPlanner.for_project(config, project_dir)
    return CheckPlanner(config, state.auto_gate or None)


def _announce_gate(plan: Plan, planner: CheckPlanner, selected: list[str], warn: Warn) -> None:
    """Say once, at the start, when phases without a gate will get no automatic one."""
    if planner.auto_gate or planner.config.gate == "none":
        return
    wanted = set(selected)
    ungated = [p.id for p in plan.phases
               if not p.gates and any(t.id in wanted for t in p.tasks)]
    if ungated:
        warn(f"no test command detected ({DETECTED_RUNNERS}): "
             f"phase(s) {', '.join(ungated)} have no gate; set `tests:` in "
             ".specify/orch/config.yaml to add one")


def _relative(path: Path, project_dir: Path) -> Path:
    """``path`` relative to the project when inside it (run.json stays portable)."""
    try:
        return path.resolve().relative_to(project_dir.resolve())
    except ValueError:
        return path.resolve()


def executor_config(config: OrchConfig, options: RunOptions) -> ExecutorConfig:
    """The run's executor: ``--executor``/``--ray-address`` over config ``executor:``."""
    update: dict[str, str] = {}
    if options.executor is not None:
        update["kind"] = options.executor
    if options.ray_address is not None:
        update["address"] = options.ray_address
        update.setdefault("kind", "ray")
    return config.executor.model_copy(update=update)
