"""orch's own plans (.specify/plans) stay valid under --strict and name files that exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO_ROOT, OrchRunner

OWN_PLANS = sorted((REPO_ROOT / ".specify" / "plans").glob("*.md"))


@pytest.mark.parametrize("plan", OWN_PLANS, ids=[p.name for p in OWN_PLANS])
def test_own_plan_is_strictly_valid_and_true_to_the_tree(plan: Path, orch: OrchRunner) -> None:
    result = orch("validate", "--strict", "--json", str(plan), cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    for phase in doc["phases"]:
        for task in phase["tasks"]:
            for name in task["files"]:
                assert (REPO_ROOT / name).exists(), f"{plan.name} {task['id']} names {name}"


def test_there_are_own_plans() -> None:
    assert len(OWN_PLANS) >= 4
