"""``.specify/orch/config.yaml``: the user's settings, validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orch.durations import parse_duration
from orch.errors import ConfigError


class Caps(BaseModel):
    """Spending caps; ``None`` means no cap."""

    model_config = ConfigDict(extra="forbid")

    max_cost_usd: float | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=0)
    max_turns: int | None = Field(default=None, ge=1)
    max_seconds: float | None = Field(default=None, gt=0)

    @field_validator("max_seconds", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


class Budgets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run: Caps = Field(default_factory=Caps)
    task: Caps = Field(default_factory=Caps)


class RoleConfig(BaseModel):
    """One entry of ``agents:``."""

    model_config = ConfigDict(extra="forbid")

    adapter: str
    model: str | None = None
    prompt: str = ""
    description: str = ""
    tools: list[str] | None = None
    max_cost_usd: float | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=0)
    max_turns: int | None = Field(default=None, ge=1)


class Price(BaseModel):
    """USD per million tokens."""

    model_config = ConfigDict(extra="forbid")

    input: float
    output: float
    cache_write: float | None = None
    cache_read: float | None = None


class NotifyConfig(BaseModel):
    """``notify:``: a command (JSON on stdin) and/or a webhook (JSON POST); docs/decisions.md."""

    model_config = ConfigDict(extra="forbid")

    command: str | None = None
    webhook: str | None = None
    timeout_s: float = Field(default=10.0, gt=0)
    pass_env: list[str] = Field(default_factory=list)
    """Secret-looking variables (a token the command needs) the command still gets."""

    @field_validator("webhook")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise ValueError("not a URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected an http:// or https:// URL") from None
        return value


class ExecutorConfig(BaseModel):
    """``executor:``: where lane attempts run (docs/distributed.md). ``local`` worktrees by
    default; ``ray`` (a Ray cluster at ``address``) or ``command`` (any command that speaks
    ``orch worker``: ``run: "ssh build-{slot} orch worker"``), or a third-party kind registered
    under the entry point group ``orch.executors``."""

    model_config = ConfigDict(extra="forbid")

    kind: str = "local"
    address: str = "auto"
    """The Ray cluster (``auto``: ``RAY_ADDRESS``, else the one started on this machine)."""
    resources: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Ray resources a role's attempts ask for: ``{claude-code: {claude_code: 1}}``."""
    run: str | None = None
    """The command executor's command line (``{slot}`` and ``{task}`` are filled in)."""


class WorktreeConfig(BaseModel):
    """``worktree:``: what a parallel task's worktree gets of the main tree's ignored files
    (docs/parallel.md). Paths and globs are relative to the project directory."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    copy_paths: list[str] = Field(default_factory=list, alias="copy")
    """Copied into each new worktree (a ``.env``): the task's changes stay in its worktree."""
    link: list[str] = Field(default_factory=list)
    """Symlinked into each new worktree (``node_modules``, ``.venv``): shared, not copied."""
    setup: str | None = None
    """A shell command run in each new worktree before the agent (``npm ci``)."""

    @field_validator("copy_paths", "link")
    @classmethod
    def _relative(cls, value: list[str]) -> list[str]:
        for entry in value:
            parts = Path(entry).parts
            if not entry.strip() or Path(entry).is_absolute() or ".." in parts:
                raise ValueError(f"`{entry}` must be a path inside the project, without `..`")
        return value


class OrchConfig(BaseModel):
    """The whole configuration file; every key is optional."""

    model_config = ConfigDict(extra="forbid")

    default_agent: str | None = None
    model: str | None = None
    commit: Literal["phase", "task", "none"] = "phase"
    task_timeout: float | None = Field(default=None, gt=0)
    retries: int = Field(default=0, ge=0)
    retry_backoff: float = Field(default=1.0, ge=0)
    no_progress_limit: int = Field(default=3, ge=1)
    api_retry_seconds: float = Field(default=120.0, ge=0)
    gate: Literal["auto", "none"] = "auto"
    tests: str | None = None
    require_verified: bool = False
    jobs: int = Field(default=1, ge=1)
    parallel: Literal["marked", "all"] = "marked"
    worktree: WorktreeConfig = Field(default_factory=WorktreeConfig)
    budgets: Budgets = Field(default_factory=Budgets)
    agents: dict[str, RoleConfig] = Field(default_factory=dict)
    prices: dict[str, Price] = Field(default_factory=dict)
    max_revisions: int = Field(default=2, ge=0)
    reports: Literal["decided", "all"] = "decided"
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    in_session_gate: bool = True
    hook_retries: int = Field(default=2, ge=0)
    strict_files: bool = False
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)

    @field_validator("task_timeout", mode="before")
    @classmethod
    def _timeout(cls, value: Any) -> Any:
        return parse_duration(value) if isinstance(value, str) else value


DEFAULT_CONFIG_TEXT = """\
# orch configuration. Every key is optional; the values shown are the defaults, and the
# comment above each key says what it does. `orch <command> --help` describes the commands.

# Agent used for tasks without `agent:` and without a fenced shell block.
# null = anthropic when ANTHROPIC_API_KEY or ANTHROPIC_AUTH_TOKEN is set, else claude-code when
# `claude` is on PATH.
default_agent: null

# Model for the anthropic agent and `orch plan` when the role names none.
# null = ORCH_MODEL when set, else claude-sonnet-4-6.
model: null

# Git checkpoints: phase | task | none
commit: phase

# Per-task wall-clock limit (e.g. 90s, 10m, 1h); null = none.
task_timeout: null

# Extra attempts for a failing task, with exponential backoff starting at retry_backoff seconds.
retries: 0
retry_backoff: 1.0

# A task failing verification the same way this many times becomes `blocked`.
no_progress_limit: 3

# Anthropic API errors (429, 5xx, overloaded, connection) are retried, each retry shown, until
# this many seconds have passed since the first try; then the task ends `api_error`.
api_retry_seconds: 120

# A phase with no **Gate**: runs the project's test command at its end (auto), or nothing
# (none). `tests` sets that command; null = detect it (pytest, unittest, npm test, cargo test,
# go test, make test), once at the run's start.
gate: auto
tests: null

# Refuse, before anything runs, a plan in which a selected task would have no check at all.
require_verified: false

# Tasks run at once (--jobs); [P] tasks (or any independent task with `parallel: all`) run in
# their own git worktrees and are integrated by a merge queue.
jobs: 1
parallel: marked

# What each parallel task's worktree gets of the main tree's ignored files (git gives it only
# tracked and untracked files): `copy` (paths or globs, e.g. .env), `link` (symlinked, e.g.
# node_modules, .venv: shared with the main tree, so a task installing into one changes
# yours) and `setup`, a shell command run in each new worktree before the agent (e.g. npm ci).
worktree: {copy: [], link: [], setup: null}

# Spending caps, checked before every model call. null = no cap.
budgets:
  run:  {max_cost_usd: null, max_tokens: null, max_turns: null, max_seconds: null}
  task: {max_cost_usd: null, max_tokens: null, max_turns: null, max_seconds: null}

# Roles named by a task's `agent:` or a phase's **Agent**:. Claude Code subagent files in
# .claude/agents/*.md are roles too.
agents: {}
#  backend-developer:
#    adapter: anthropic          # anthropic | claude-code | codex | gemini | aider | manual | shell
#    model: claude-sonnet-4-5
#    prompt: You are a careful backend engineer. Keep changes small and tested.
#    max_cost_usd: 2.0

# USD per million tokens, overriding the built-in price table.
prices: {}

# Phase decisions: REVISE rounds before a phase escalates to a person;
# which phases write reports/phase-<id>.md (decided = those with a Target, Review or Approve).
max_revisions: 2
reports: decided

# Called on run completed, failed, budget exceeded and awaiting a decision (JSON body). The
# command gets orch's environment less secret-looking variables (API keys, tokens) except those
# pass_env names; timeout_s bounds each notifier as a whole.
notify: {command: null, webhook: null, timeout_s: 10, pass_env: []}

# In-session gates, for agent CLIs with hooks (Claude Code): the task's
# checks run as the agent's stop hook and block an early stop, at most hook_retries times.
# strict_files: true also denies the agent's file writes outside a task's `files:`
# (a task's own `- strict: true` or `- strict: false` wins over it).
in_session_gate: true
hook_retries: 2
strict_files: false

# Where [P] tasks' attempts run with --jobs N: local worktrees, a Ray
# cluster (kind: ray, address: auto, resources: {ROLE: {RESOURCE: 1}}), or any command that
# speaks `orch worker` (kind: command, run: "ssh build-{slot} orch worker").
executor: {kind: local}
"""


def parse_yaml(text: str, where: Path, *, hint: str, first_line: int = 1) -> Any:
    """``yaml.safe_load`` where any failure is a one-line :class:`ConfigError` naming the file:
    bad syntax, and also input that breaks the loader itself (``[`` nested thousands deep
    exhausts the recursion limit, a huge document the memory). ``first_line`` is the file's
    line number of the text's first line."""
    import yaml  # only when there is a file to read: keeps start-up lean

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{where}:{mark.line + first_line}" if mark is not None else str(where)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{place}: {problem}", hint=hint) from None
    except RecursionError:
        raise ConfigError(f"{where}: YAML nested too deeply to read", hint=hint) from None
    except MemoryError:
        raise ConfigError(f"{where}: YAML too large to read", hint=hint) from None


def load_config(path: Path) -> OrchConfig:
    """Read and validate the config; a missing file gives the defaults."""
    if not path.exists():
        return OrchConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from None
    data = parse_yaml(text, path, hint="fix the YAML syntax")
    if data is None:
        return OrchConfig()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        return OrchConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ConfigError(
            f"{path}: {key}: {first['msg']}",
            hint="see the commented defaults written by `orch init`",
        ) from None
    except RecursionError:
        raise ConfigError(
            f"{path}: settings nested too deeply", hint="see the commented defaults"
        ) from None


def config_or_defaults(path: Path) -> OrchConfig:
    """The config at ``path``, or the defaults when it cannot be read: for the adapters, which
    price and retry with what there is (the session has already reported a bad config)."""
    try:
        return load_config(path)
    except ConfigError:
        return OrchConfig()
