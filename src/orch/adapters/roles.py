"""Which role and adapter runs a task (DESIGN §6)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from orch.adapters.base import Role
from orch.config import OrchConfig
from orch.domain.plan import Phase, Plan, Task
from orch.errors import AgentUnavailableError, ConfigError

BUILTIN_ADAPTERS = ("shell", "anthropic", "claude-code", "codex", "gemini", "aider", "manual", "fake")


class RoleResolver:
    """Resolves a task to a :class:`Role`: task ``agent:`` > phase ``**Agent**:`` > ``--agent``
    > config ``default_agent`` > environment (API key, ``claude`` on PATH). Tasks with a fenced
    shell block and no explicit agent always run with ``shell``."""

    def __init__(self, config: OrchConfig, project_dir: Path, cli_agent: str | None = None) -> None:
        self.config = config
        self.project_dir = project_dir
        self.cli_agent = cli_agent
        self.roles: dict[str, Role] = {
            name: Role(name=name, **role.model_dump()) for name, role in config.agents.items()
        }

    def role_named(self, name: str) -> Role:
        if name in self.roles:
            return self.roles[name]
        if name in BUILTIN_ADAPTERS:
            return Role(name=name, adapter=name, model=self.config.model)
        raise ConfigError(
            f"unknown agent role {name!r}",
            hint="define it under `agents:` in .specify/orch/config.yaml or in .claude/agents/",
        )

    def default_role(self) -> Role | None:
        name = self.cli_agent or self.config.default_agent
        if name:
            return self.role_named(name)
        if os.environ.get("ANTHROPIC_API_KEY"):
            return self.role_named("anthropic")
        if shutil.which("claude"):
            return self.role_named("claude-code")
        return None

    def resolve(self, task: Task, phase: Phase) -> Role:
        explicit = task.agent or phase.agent
        if explicit:
            return self.role_named(explicit)
        if task.commands:
            return self.role_named("shell")
        role = self.default_role()
        if role is None:
            raise AgentUnavailableError(
                f"task {task.id} needs an agent and none is available",
                hint="set ANTHROPIC_API_KEY, install Claude Code (`claude`), pass --agent NAME, "
                "or give the task a fenced shell block",
            )
        return role

    def check_plan(self, plan: Plan, task_ids: list[str] | None = None) -> None:
        """Resolve every selected task now, so a missing agent fails before anything runs."""
        wanted = set(task_ids) if task_ids is not None else None
        for phase in plan.phases:
            for task in phase.tasks:
                if wanted is None or task.id in wanted:
                    self.resolve(task, phase)
