"""Which role and adapter runs a task (docs/agents.md).

Roles come from ``agents:`` in ``.specify/orch/config.yaml`` and from Claude Code subagent files
``.claude/agents/*.md`` (YAML front matter ``name``, ``description``, ``model``, ``tools``; the
body is the system prompt). A config entry and a file of the same name merge: the config's
fields win, the file fills what the config leaves empty. A subagent file names no adapter: it
runs on the default agent. Every adapter name is also a role of its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from orch.adapters.anthropic_settings import api_credentials
from orch.adapters.base import Role
from orch.config import OrchConfig, parse_yaml
from orch.domain.plan import Diagnostic, Phase, Plan, Task
from orch.errors import AgentUnavailableError, ConfigError

SUBAGENTS_DIR = Path(".claude") / "agents"
AGENT_OPTIONS = ("set ANTHROPIC_API_KEY (anthropic), install Claude Code "
                 "(`npm install -g @anthropic-ai/claude-code`), pass --agent NAME "
                 "(claude-code, codex, gemini, aider, manual), set `default_agent` in "
                 ".specify/orch/config.yaml, or give the task a fenced shell block")


def _split_front_matter(text: str) -> tuple[str | None, str]:
    if not text.startswith("---"):
        return None, text
    lines = text.splitlines(keepends=True)
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1:])
    return None, text


def load_subagents(project_dir: Path) -> dict[str, Role]:
    """Roles from ``.claude/agents/*.md``; a file with broken front matter is a ConfigError."""
    roles: dict[str, Role] = {}
    directory = project_dir / SUBAGENTS_DIR
    if not directory.is_dir():
        return roles
    for path in sorted(directory.glob("*.md")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read subagent file ({exc})") from None
        header, body = _split_front_matter(text)
        meta = parse_yaml(header, path, hint="the front matter holds name, description, "
                          "model, tools", first_line=2) if header else {}
        if not isinstance(meta, dict):
            raise ConfigError(f"{path}: the front matter must be a mapping")
        tools = meta.get("tools")
        if isinstance(tools, str):
            tools = [t.strip() for t in tools.split(",") if t.strip()]
        model = meta.get("model")
        name = str(meta.get("name") or path.stem)
        roles[name] = Role(
            name=name, adapter=str(meta.get("adapter") or ""), prompt=body.strip(),
            description=str(meta.get("description") or ""),
            model=str(model) if model and model != "inherit" else None,
            tools=[str(t) for t in tools] if isinstance(tools, list) else None,
            source=str(path.relative_to(project_dir)))
    return roles


def configured_roles(config: OrchConfig, project_dir: Path) -> dict[str, Role]:
    """Config roles merged over subagent-file roles (config fields win where set)."""
    roles = load_subagents(project_dir)
    for name, entry in config.agents.items():
        own = Role(name=name, source="config", **entry.model_dump())
        base = roles.get(name)
        if base is not None:
            filled = {key: getattr(base, key) for key in ("prompt", "description", "model",
                                                            "tools")
                      if not getattr(own, key)}
            own = own.model_copy(update={**filled, "source": f"config + {base.source}"})
        roles[name] = own
    return roles


def known_role_names(config: OrchConfig, project_dir: Path) -> set[str]:
    """Every name a task's ``agent:`` may use: configured roles, subagents and adapters."""
    from orch.adapters.registry import adapter_names

    return {*configured_roles(config, project_dir), *adapter_names()}


def role_diagnostics(plan: Plan, config: OrchConfig, project_dir: Path) -> list[Diagnostic]:
    """One error per task or phase naming an unknown role (for ``orch validate``)."""
    known = known_role_names(config, project_dir)
    hint = ("define it under `agents:` in .specify/orch/config.yaml or in .claude/agents/"
            f"NAME.md; known: {', '.join(sorted(known))}")
    found: list[Diagnostic] = []
    for phase in plan.phases:
        if phase.agent and phase.agent not in known:
            found.append(Diagnostic(line=phase.line, hint=hint,
                                    message=f"phase {phase.id}: unknown agent role "
                                            f"{phase.agent!r}"))
        for task in phase.tasks:
            # A phase's **Agent** is copied onto its tasks: report it once, on the phase.
            if task.agent and task.agent not in known and task.agent != phase.agent:
                found.append(Diagnostic(line=task.line, hint=hint,
                                        message=f"task {task.id}: unknown agent role "
                                                f"{task.agent!r}"))
    return found


class RoleResolver:
    """Resolves a task to a :class:`Role`: task ``agent:`` > a fenced shell block (``shell``)
    > phase ``**Agent**:`` > ``--agent`` > config ``default_agent`` > environment (API key,
    then ``claude`` on PATH)."""

    def __init__(self, config: OrchConfig, project_dir: Path, cli_agent: str | None = None) -> None:
        self.config = config
        self.project_dir = project_dir
        self.cli_agent = cli_agent
        self.roles: dict[str, Role] = configured_roles(config, project_dir)

    def role_named(self, name: str) -> Role:
        """The role ``name`` with its adapter and model filled in; ConfigError if unknown."""
        if name in self.roles:
            role = self.roles[name]
        elif name in _registered():
            role = Role(name=name, adapter=name, source="adapter")
        else:
            raise ConfigError(
                f"unknown agent role {name!r}",
                hint="define it under `agents:` in .specify/orch/config.yaml or in "
                     ".claude/agents/NAME.md",
            )
        if not role.adapter:
            adapter = self.default_adapter(exclude=name)
            if adapter is None:
                raise AgentUnavailableError(
                    f"role {name!r} ({role.source}) names no adapter and no default agent is "
                    "available", hint=AGENT_OPTIONS)
            role = role.model_copy(update={"adapter": adapter})
        if role.model is None and self.config.model and role.adapter == "anthropic":
            role = role.model_copy(update={"model": self.config.model})
        return role

    def default_adapter(self, exclude: str | None = None) -> str | None:
        """The adapter of the default agent, or ``None`` when there is none."""
        name = self.cli_agent or self.config.default_agent
        if name and name != exclude:
            return self.role_named(name).adapter
        if api_credentials() is not None:
            return "anthropic"
        if shutil.which("claude"):
            return "claude-code"
        return None

    def default_role(self) -> Role | None:
        """The role for tasks that name none, or ``None`` when no agent is available."""
        name = self.cli_agent or self.config.default_agent
        if name:
            return self.role_named(name)
        adapter = self.default_adapter()
        return self.role_named(adapter) if adapter else None

    def resolve(self, task: Task, phase: Phase) -> Role:
        """The role that runs ``task``; AgentUnavailableError / ConfigError when none can."""
        if task.agent:
            return self.role_named(task.agent)
        if task.commands:
            return self.role_named("shell")
        if phase.agent:
            return self.role_named(phase.agent)
        role = self.default_role()
        if role is None:
            raise AgentUnavailableError(
                f"task {task.id} needs an agent and none is available", hint=AGENT_OPTIONS)
        return role

    def check_plan(self, plan: Plan, task_ids: list[str] | None = None) -> dict[str, Role]:
        """Resolve every selected task now, so an unknown role, an unknown adapter or a
        missing agent fails before anything runs. Returns the role of each task."""
        from orch.adapters.registry import adapter_names

        wanted = set(task_ids) if task_ids is not None else None
        known = set(adapter_names())
        roles: dict[str, Role] = {}
        for phase in plan.phases:
            for task in phase.tasks:
                if wanted is None or task.id in wanted:
                    role = self.resolve(task, phase)
                    if role.adapter not in known:
                        raise ConfigError(
                            f"role {role.name!r} uses unknown adapter {role.adapter!r}",
                            hint=f"known adapters: {', '.join(sorted(known))}")
                    roles[task.id] = role
        return roles


def _registered() -> list[str]:
    from orch.adapters.registry import adapter_names

    return adapter_names()
