"""Roles from config and .claude/agents, resolution order, and the checks before a run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from orch.adapters.base import Adapter
from orch.adapters.registry import adapter_names, get_adapter
from orch.adapters.roles import (
    RoleResolver,
    configured_roles,
    known_role_names,
    role_diagnostics,
)
from orch.config import OrchConfig, RoleConfig
from orch.domain.plan import Phase, Plan, Task
from orch.errors import AgentUnavailableError, ConfigError

SUBAGENT = """---
name: backend-developer
description: Builds APIs
model: sonnet
tools: Read, Edit, Bash
---
You are a careful backend engineer.
"""


def plan_of(*tasks: Task, phase_agent: str | None = None) -> Plan:
    return Plan(title="p", phases=[Phase(id="1", title="One", line=1, agent=phase_agent,
                                         tasks=list(tasks))])


def agent_task(task_id: str = "T001", agent: str | None = None) -> Task:
    return Task(id=task_id, title="do it", phase_id="1", line=2, agent=agent)


def shell_task(task_id: str = "T002") -> Task:
    return Task(id=task_id, title="build", phase_id="1", line=3, commands=["make"])


@pytest.fixture
def no_agents(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}/usr/bin{os.pathsep}/bin")


def test_no_agent_available_fails_before_the_run_naming_the_options(
        tmp_path: Path, no_agents: None) -> None:
    resolver = RoleResolver(OrchConfig(), tmp_path)
    with pytest.raises(AgentUnavailableError) as caught:
        resolver.check_plan(plan_of(agent_task(), shell_task()))
    assert caught.value.exit_code == 2
    assert "T001" in caught.value.message
    hint = caught.value.hint or ""
    assert "ANTHROPIC_API_KEY" in hint and "claude" in hint and "--agent" in hint


def test_a_shell_only_plan_resolves_without_any_agent(tmp_path: Path, no_agents: None) -> None:
    roles = RoleResolver(OrchConfig(), tmp_path).check_plan(plan_of(shell_task()))
    assert roles["T002"].adapter == "shell"


def test_default_agent_from_environment(tmp_path: Path, no_agents: None,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-abcdefgh")
    config = OrchConfig(model="claude-opus-4-6")
    role = RoleResolver(config, tmp_path).resolve(agent_task(), plan_of().phases[0])
    assert (role.adapter, role.model) == ("anthropic", "claude-opus-4-6")
    role = RoleResolver(config, tmp_path, cli_agent="codex").resolve(
        agent_task(), plan_of().phases[0])
    assert role.adapter == "codex"


def test_subagent_files_load_and_merge_with_config(tmp_path: Path) -> None:
    agents = tmp_path / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "backend-developer.md").write_text(SUBAGENT)
    (agents / "reviewer.md").write_text("---\ndescription: Reviews\nmodel: inherit\n---\nReview.\n")
    (agents / "plain.md").write_text("No front matter: the whole file is the prompt.\n")
    roles = configured_roles(OrchConfig(), tmp_path)
    backend = roles["backend-developer"]
    assert backend.prompt == "You are a careful backend engineer."
    assert backend.model == "sonnet" and backend.tools == ["Read", "Edit", "Bash"]
    assert backend.source == ".claude/agents/backend-developer.md"
    assert roles["reviewer"].model is None and roles["plain"].prompt.startswith("No front")
    config = OrchConfig(agents={"backend-developer": RoleConfig(adapter="anthropic",
                                                                max_cost_usd=2.0)})
    merged = configured_roles(config, tmp_path)["backend-developer"]
    assert merged.adapter == "anthropic" and merged.max_cost_usd == 2.0
    assert merged.prompt == "You are a careful backend engineer."


def test_subagent_role_runs_on_the_default_agent(tmp_path: Path, no_agents: None,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    agents = tmp_path / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "backend-developer.md").write_text(SUBAGENT)
    resolver = RoleResolver(OrchConfig(), tmp_path)
    with pytest.raises(AgentUnavailableError):
        resolver.check_plan(plan_of(agent_task(agent="backend-developer")))
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-abcdefgh")
    role = resolver.check_plan(plan_of(agent_task(agent="backend-developer")))["T001"]
    assert role.adapter == "anthropic" and role.prompt.startswith("You are")


def test_unknown_role_is_a_config_error_before_the_run(tmp_path: Path) -> None:
    resolver = RoleResolver(OrchConfig(default_agent="fake"), tmp_path)
    with pytest.raises(ConfigError) as caught:
        resolver.check_plan(plan_of(agent_task(agent="frontend-wizard")))
    assert caught.value.exit_code == 2 and "frontend-wizard" in caught.value.message
    with pytest.raises(ConfigError):
        resolver.check_plan(plan_of(agent_task(), phase_agent="nobody"))
    bad = OrchConfig(agents={"x": RoleConfig(adapter="no-such-adapter")})
    with pytest.raises(ConfigError) as caught:
        RoleResolver(bad, tmp_path).check_plan(plan_of(agent_task(agent="x")))
    assert "no-such-adapter" in caught.value.message


def test_role_diagnostics_and_known_names(tmp_path: Path) -> None:
    config = OrchConfig(agents={"dev": RoleConfig(adapter="anthropic")})
    names = known_role_names(config, tmp_path)
    assert {"dev", "anthropic", "claude-code", "shell", "manual"} <= names
    plan = plan_of(agent_task(agent="dev"), agent_task("T003", agent="ghost"),
                   phase_agent="phantom")
    found = role_diagnostics(plan, config, tmp_path)
    assert [d.line for d in found] == [1, 2]
    assert "phantom" in found[0].message and "ghost" in found[1].message


def test_precedence_task_then_shell_then_phase(tmp_path: Path) -> None:
    config = OrchConfig(default_agent="fake", agents={"dev": RoleConfig(adapter="manual")})
    resolver = RoleResolver(config, tmp_path, cli_agent="codex")
    phase = plan_of(phase_agent="dev").phases[0]
    assert resolver.resolve(agent_task(agent="aider"), phase).adapter == "aider"
    assert resolver.resolve(shell_task(), phase).adapter == "shell"
    assert resolver.resolve(agent_task(), phase).name == "dev"
    assert resolver.resolve(agent_task(), plan_of().phases[0]).adapter == "codex"


def test_broken_front_matter_is_a_config_error(tmp_path: Path) -> None:
    agents = tmp_path / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "bad.md").write_text("---\nname: [unclosed\n---\nbody\n")
    with pytest.raises(ConfigError) as caught:
        RoleResolver(OrchConfig(), tmp_path)
    assert "bad.md" in caught.value.message


@pytest.mark.parametrize("name", ["shell", "fake", "anthropic", "claude-code", "codex",
                                  "gemini", "aider", "manual"])
def test_every_builtin_loads_through_the_registry(name: str) -> None:
    assert name in adapter_names()
    adapter = get_adapter(name)
    assert isinstance(adapter, Adapter) and adapter.name == name


def test_orch_agents_lists_roles_and_availability(tmp_path: Path, orch,  # type: ignore[no-untyped-def]
                                                  no_agents: None) -> None:
    agents = tmp_path / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "backend-developer.md").write_text(SUBAGENT)
    config_dir = tmp_path / ".specify" / "orch"
    config_dir.mkdir(parents=True)
    (config_dir / "config.yaml").write_text(
        "agents:\n  reviewer:\n    adapter: codex\n    model: gpt-5-codex\n")
    out = orch("--project-dir", str(tmp_path), "agents", "--json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    rows = {row["name"]: row for row in data["roles"]}
    assert rows["reviewer"]["adapter"] == "codex" and rows["reviewer"]["available"] is False
    assert "npm install -g @openai/codex" in rows["reviewer"]["reason"]
    assert rows["backend-developer"]["available"] is False  # no default agent here
    adapters = {row["name"]: row for row in data["adapters"]}
    assert adapters["shell"]["available"] is True
    assert "ANTHROPIC_API_KEY" in adapters["anthropic"]["reason"]
    assert data["default"] is None
    text = orch("--project-dir", str(tmp_path), "agents", cwd=tmp_path)
    assert text.returncode == 0 and "reviewer" in text.stdout and "codex" in text.stdout
