"""`orch plan --offline`: five patterns, Python and Node projects, strict-valid, deterministic."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import OrchRunner, git

GOALS = {
    "feature": "Add a user profile API with avatar upload",
    "bugfix": "Fix crash when saving an empty profile",
    "refactor": "Refactor the billing module into smaller pieces",
    "migration": "Migrate user data from SQLite to PostgreSQL",
    "performance": "Speed up the search endpoint",
}


def python_project(root: Path) -> Path:
    (root / "src" / "shop").mkdir(parents=True)
    (root / "src" / "shop" / "__init__.py").write_text("")
    (root / "tests").mkdir()
    (root / "tests" / "test_smoke.py").write_text("def test_ok() -> None:\n    assert True\n")
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0.1.0"\n')
    return root


def node_project(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "index.js").write_text("module.exports = {};\n")
    (root / "test").mkdir()
    package = {"name": "shop", "version": "1.0.0", "scripts": {"test": "node --test"}}
    (root / "package.json").write_text(json.dumps(package, indent=2))
    return root


PROJECTS = {"python": (python_project, "pytest"), "node": (node_project, "npm test")}


def validate_json(orch: OrchRunner, plan: Path, cwd: Path) -> dict[str, Any]:
    result = orch("validate", "--json", "--strict", str(plan), cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize("kind", sorted(PROJECTS))
@pytest.mark.parametrize("pattern", sorted(GOALS))
def test_offline_plan_is_strict_valid_and_uses_the_project_tooling(
    orch: OrchRunner, tmp_path: Path, pattern: str, kind: str
) -> None:
    make, tool = PROJECTS[kind]
    project = make(tmp_path / "project")
    result = orch("plan", "--offline", GOALS[pattern], cwd=project)
    assert result.returncode == 0, result.stderr
    assert f"pattern: {pattern}" in result.stdout
    written = re.search(r"^wrote (\S+)", result.stdout, re.MULTILINE)
    assert written is not None
    plan = project / written.group(1)
    assert plan.parent == project / ".specify" / "plans"

    data = validate_json(orch, plan, project)
    assert data["ok"] and data["warnings"] == []
    assert len(data["phases"]) >= 3
    other = "npm test" if tool == "pytest" else "pytest"
    for phase in data["phases"]:
        assert phase["gates"], phase
        for task in phase["tasks"]:
            assert task["verify"] or phase["gates"]
            assert task["files"]
        for command in phase["gates"] + [v for t in phase["tasks"] for v in t["verify"]]:
            assert other not in command, command
    commands = " ".join(g for phase in data["phases"] for g in phase["gates"])
    assert tool in commands
    text = plan.read_text()
    for section in ("## Assumptions", "## Risks", "## Quality checklist"):
        assert section in text


@pytest.mark.parametrize("pattern", sorted(GOALS))
def test_offline_plan_is_byte_identical_when_run_twice(
    orch: OrchRunner, tmp_path: Path, pattern: str
) -> None:
    project = python_project(tmp_path / "project")
    first = orch("plan", "--offline", GOALS[pattern], "-o", "one.md", cwd=project)
    second = orch("plan", "--offline", GOALS[pattern], "-o", "two.md", cwd=project)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert (project / "one.md").read_bytes() == (project / "two.md").read_bytes()


def test_never_overwrites_without_force(orch: OrchRunner, tmp_path: Path) -> None:
    project = python_project(tmp_path / "project")
    (project / "plan.md").write_text("my notes\n")
    refused = orch("plan", "--offline", "Add CSV export", "-o", "plan.md", cwd=project)
    assert refused.returncode == 3
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert (project / "plan.md").read_text() == "my notes\n"
    forced = orch("plan", "--offline", "Add CSV export", "-o", "plan.md", "--force", cwd=project)
    assert forced.returncode == 0, forced.stderr
    assert (project / "plan.md").read_text().startswith("# Add CSV export")


def test_without_a_model_it_drafts_offline_and_says_so(orch: OrchRunner, tmp_path: Path) -> None:
    project = python_project(tmp_path / "project")
    result = orch("plan", "Add CSV export", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "ANTHROPIC_API_KEY" in result.stderr and "offline" in result.stderr
    assert "orch run" in result.stdout and "Phase 1:" in result.stdout


def test_missing_goal_and_unknown_agent_are_usage_errors(
    orch: OrchRunner, tmp_path: Path
) -> None:
    project = python_project(tmp_path / "project")
    assert orch("plan", "--offline", cwd=project).returncode == 2
    unknown = orch("plan", "--offline", "Add CSV export", "--agent", "wizard", cwd=project)
    assert unknown.returncode == 2 and "wizard" in unknown.stderr


def test_configured_roles_are_assigned_by_task_kind(orch: OrchRunner, tmp_path: Path) -> None:
    project = python_project(tmp_path / "project")
    config = project / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("agents:\n  backend-developer: {adapter: fake}\n"
                      "  test-writer: {adapter: fake}\n")
    result = orch("plan", "--offline", GOALS["feature"], "-o", "plan.md", cwd=project)
    assert result.returncode == 0, result.stderr
    data = validate_json(orch, project / "plan.md", project)
    agents = {task["title"]: task["agent"] for p in data["phases"] for task in p["tasks"]}
    assert {agent for title, agent in agents.items() if "tests" in title.split()[:3]} == {
        "test-writer"}
    assert "backend-developer" in agents.values()


def test_dry_run_shows_every_task_in_order_with_its_role_and_adapter(
    orch: OrchRunner, git_repo: Path
) -> None:
    python_project(git_repo)
    config = git_repo / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("agents:\n  backend-developer: {adapter: fake}\n")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "project")
    planned = orch("plan", "--offline", GOALS["bugfix"], "-o", "plan.md", cwd=git_repo)
    assert planned.returncode == 0, planned.stderr
    data = validate_json(orch, git_repo / "plan.md", git_repo)
    dry = orch("run", "--dry-run", "--agent", "fake", "plan.md", cwd=git_repo)
    assert dry.returncode == 0, dry.stderr
    task_lines = {task_id: next(line for line in dry.stdout.splitlines()
                                if re.search(rf"\b{task_id}\b", line))
                  for task_id in data["order"]}
    positions = [dry.stdout.index(line) for line in task_lines.values()]
    assert positions == sorted(positions) and len(data["order"]) == 5
    fix = next(t for p in data["phases"] for t in p["tasks"] if t["agent"])
    assert "backend-developer" in task_lines[fix["id"]] and "fake" in task_lines[fix["id"]]
    assert all("fake" in line for line in task_lines.values()), dry.stdout


def test_graph_mermaid_of_an_offline_plan_is_well_formed(
    orch: OrchRunner, tmp_path: Path
) -> None:
    project = node_project(tmp_path / "project")
    assert orch("plan", "--offline", GOALS["feature"], "-o", "plan.md", cwd=project).returncode == 0
    result = orch("graph", "--format", "mermaid", "plan.md", cwd=project)
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    assert re.fullmatch(r"(flowchart|graph) (TD|TB|LR)", lines[0])
    assert sum(line.startswith("subgraph ") for line in lines) == sum(
        line == "end" for line in lines)
    nodes = set()
    for line in lines[1:]:
        node = re.match(r'^(\w+)\["[^"]*"\]$', line)
        if node:
            nodes.add(node.group(1))
            continue
        edge = re.match(r"^(\w+) (-->|==>) (\w+)$", line)
        if edge:
            continue
        assert line == "end" or line.startswith(("subgraph ", "direction ", "classDef ",
                                                 "class ", "style ", "%%")), line
    assert len([n for n in nodes if n.startswith("t")]) == 7
