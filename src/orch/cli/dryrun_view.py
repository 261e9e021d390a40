"""Printing `orch run --dry-run` (imported lazily)."""

from __future__ import annotations

import json
from pathlib import Path

from orch.adapters.roles import RoleResolver
from orch.config import load_config
from orch.domain.state import RunOptions
from orch.runner.dryrun import dry_run, dry_run_json
from orch.runner.selection import select_for_options
from orch.runner.session import plan_for_run
from orch.store.layout import Layout


def show_dry_run(
    project_dir: Path, plan_path: Path, options: RunOptions, *, json_output: bool
) -> None:
    """Print the ordered plan with each task's role, adapter, commands and checks."""
    config = load_config(Layout(project_dir).config)
    plan, _digest = plan_for_run(plan_path)
    selected = select_for_options(plan, options)
    phases = dry_run(plan, selected, RoleResolver(config, project_dir, options.agent))
    if json_output:
        print(
            json.dumps(
                {"plan": str(plan_path), "dry_run": True, "phases": dry_run_json(phases)}, indent=2
            )
        )
        return
    total = sum(len(p.steps) for p in phases)
    print(f"Dry run of {plan_path}: {total} task(s) in {len(phases)} phase(s); nothing changes.")
    for phase in phases:
        print(f"\nPhase {phase.id}: {phase.title}")
        for step in phase.steps:
            if step.adapter is None:
                who = f"no agent available: {step.problem}"
            elif step.role == step.adapter:
                who = step.adapter
            else:
                who = f"{step.role} via {step.adapter}"
            print(
                f"  [{step.index}/{total}] {step.task} {step.title}  ({who})"
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
        for gate in phase.gates:
            print(f"  gate: {gate}")
        if options.commit != "none":
            print("  checkpoint: git commit at phase end")
