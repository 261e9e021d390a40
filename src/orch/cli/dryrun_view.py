"""Printing `orch run --dry-run` (imported lazily)."""

from __future__ import annotations

import json
from pathlib import Path

from orch.adapters.roles import RoleResolver
from orch.config import load_config
from orch.domain.plan import PlanMark
from orch.domain.state import RunOptions
from orch.runner.dryrun import DryRunPhase, dry_run, dry_run_json
from orch.runner.selection import select_for_options
from orch.runner.session import check_agents, check_verifiable, plan_for_run
from orch.store.layout import Layout
from orch.text import plural, terminal_safe


def show_dry_run(
    project_dir: Path, plan_path: Path, options: RunOptions, *, json_output: bool,
    require_verified: bool = False,
) -> None:
    """Print the ordered plan with each task's role, adapter, commands and checks.

    Then the same checks as ``orch run``: a task with no available agent is an
    AgentUnavailableError, and with ``--require-verified`` (or the config's) a task to run
    with no check is a PlanError (both exit 2), as the real run would be."""
    config = load_config(Layout(project_dir).config)
    plan, _digest = plan_for_run(plan_path)
    selected = select_for_options(plan, options)
    from orch.runner.plancheck import CheckPlanner

    planner = CheckPlanner.for_project(config, project_dir)
    resolver = RoleResolver(config, project_dir, options.agent)
    phases = dry_run(plan, selected, resolver, planner)
    if json_output:
        print(
            json.dumps(
                {"plan": str(plan_path), "dry_run": True, "phases": dry_run_json(phases)}, indent=2
            )
        )
    else:
        checkpoints = _checkpoints(project_dir, options.commit or config.commit)
        _print_phases(plan_path, phases, checkpoints)
    pending = [task.id for task in plan.tasks()
               if task.id in set(selected) and task.mark is PlanMark.PENDING]
    check_verifiable(plan, planner, pending,
                     required=require_verified or config.require_verified)
    check_agents(plan, resolver, selected)


def _checkpoints(project_dir: Path, commit: str) -> str | None:
    """What the run would commit, or ``None``; outside git it says there are none."""
    if commit == "none":
        return None
    from orch.vcs.repo import find_repo

    if find_repo(project_dir) is None:
        print(
            f"note: {project_dir} is not a git repository: the run would make no checkpoints "
            "and could not be rolled back (`orch run --yes` would `git init` it first)"
        )
        return None
    also = " (and after each task)" if commit == "task" else ""
    return f"  checkpoint: git commit at phase end{also}"


def _print_phases(plan_path: Path, phases: list[DryRunPhase], checkpoint: str | None) -> None:
    total = sum(len(p.steps) for p in phases)
    print(
        f"Dry run of {plan_path}: {plural(total, 'task')} in {plural(len(phases), 'phase')}; "
        "nothing changes."
    )
    for phase in phases:
        print(f"\nPhase {phase.id}: {terminal_safe(phase.title)}")
        for step in phase.steps:
            if step.adapter is None:
                who = f"no agent available: {step.problem}"
            elif step.role == step.adapter:
                who = step.adapter
            else:
                who = f"{step.role} via {step.adapter}"
            print(
                f"  [{step.index}/{total}] {step.task} {terminal_safe(step.title)}  ({who})"
                + (f"  priority {step.priority}" if step.priority else "")
                + ("" if step.action == "run" else f"  -- {step.action}")
            )
            if step.depends_on:
                print(f"      after: {', '.join(step.depends_on)}")
            for command in step.commands:
                lines = command.strip().splitlines() or [""]
                print(
                    f"      $ {lines[0]}"
                    + (f"  (+{len(lines) - 1} lines)" if len(lines) > 1 else "")
                )
            for check in step.verify:
                print(f"      verify: {check}")
            for check in step.file_checks:
                print(f"      check: {check}")
            if step.unverified and step.action == "run":
                print("      unverified: no check would run for this task")
        for gate in phase.gates:
            print(f"  gate{' (auto)' if phase.gate == 'auto' else ''}: {gate}")
        if checkpoint:
            print(checkpoint)
