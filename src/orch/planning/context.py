"""Bounded repository context for drafting a plan: what a planner needs to know, never the repo.

The context holds a sorted file-tree summary, the README, the detected languages and test
commands, the project's conventions (``CLAUDE.md``, ``AGENTS.md``,
``.specify/memory/constitution.md``), the roles a task may name, and the spec given with
``--from``. Each part is cut to a fixed size, so the prompt stays small in a large repository.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from orch.adapters.context import conventions_text
from orch.config import OrchConfig
from orch.planning.tooling import Tooling, detect_tooling

MAX_TREE_ENTRIES = 200
MAX_TREE_DEPTH = 3
MAX_README_CHARS = 6_000
MAX_SPEC_CHARS = 24_000
MAX_CONVENTIONS_CHARS = 8_000
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".specify",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
        "dist",
        "build",
        "target",
        ".idea",
        ".vscode",
        "coverage",
        ".next",
        ".cache",
        "vendor",
    }
)
CONFIG_PATH = Path(".specify") / "orch" / "config.yaml"
README_NAMES = ("README.md", "README.rst", "README.txt", "README")


@dataclass(frozen=True)
class ProjectContext:
    """What the planner is told about the project."""

    project_dir: Path
    tooling: Tooling
    tree: str = ""
    readme: str = ""
    conventions: str = ""
    roles: dict[str, str] = field(default_factory=dict)
    """Role name -> one-line description; the names a task's ``agent:`` may use."""
    spec: str = ""
    spec_path: str = ""

    def to_prompt(self) -> str:
        """The context as markdown sections for a model prompt."""
        tooling = self.tooling
        parts = [
            "## Project tooling",
            f"- languages: {', '.join(tooling.languages)}",
            f"- whole test suite: `{tooling.test_command}`",
            f"- example targeted test command: `{tooling.test(tooling.test_file('example'))}`",
            f"- source directory: `{tooling.source_dir}`; tests: `{tooling.test_dir}`",
            f"- frontend: {tooling.frontend_dir or 'none detected'}",
        ]
        parts += [f"- note: {note}" for note in tooling.notes]
        parts.append("\n## Roles available for `agent:`")
        if self.roles:
            parts += [
                f"- `{name}`: {text}" if text else f"- `{name}`"
                for name, text in sorted(self.roles.items())
            ]
        else:
            parts.append("- none configured: leave `agent:` out (orch picks the default agent)")
        if self.tree:
            parts += ["\n## File tree (summary)", "```", self.tree, "```"]
        if self.readme:
            parts += ["\n## README", self.readme]
        if self.conventions:
            parts += ["\n## Project conventions", self.conventions]
        if self.spec:
            parts += [f"\n## Specification ({self.spec_path})", self.spec]
        return "\n".join(parts)


def gather_context(
    project_dir: Path,
    *,
    spec_path: Path | None = None,
    roles: dict[str, str] | None = None,
) -> ProjectContext:
    """Collect the bounded context for ``project_dir`` (and the spec at ``spec_path``)."""
    spec = ""
    shown_spec = ""
    if spec_path is not None:
        spec = _bounded(spec_path.read_text(encoding="utf-8", errors="replace"), MAX_SPEC_CHARS)
        shown_spec = _display_path(spec_path, project_dir)
    return ProjectContext(
        project_dir=project_dir,
        tooling=detect_tooling(project_dir),
        tree=file_tree(project_dir),
        readme=_readme(project_dir),
        conventions=conventions_text(project_dir, MAX_CONVENTIONS_CHARS),
        roles=dict(roles or {}),
        spec=spec,
        spec_path=shown_spec,
    )


def file_tree(
    project_dir: Path, *, max_entries: int = MAX_TREE_ENTRIES, max_depth: int = MAX_TREE_DEPTH
) -> str:
    """An indented, sorted listing of ``project_dir``, skipping caches and dependencies."""
    lines: list[str] = []
    hidden = 0

    def walk(directory: Path, depth: int) -> None:
        nonlocal hidden
        try:
            children = sorted(directory.iterdir(), key=lambda path: (path.is_file(), path.name))
        except OSError:
            return
        for child in children:
            if child.name in SKIP_DIRS or (child.name.startswith(".") and child.is_dir()):
                continue
            if len(lines) >= max_entries:
                hidden += 1
                continue
            suffix = "/" if child.is_dir() and not child.is_symlink() else ""
            lines.append(f"{'  ' * depth}{child.name}{suffix}")
            if suffix and depth + 1 < max_depth:
                walk(child, depth + 1)

    walk(project_dir, 0)
    if hidden:
        lines.append(f"… {hidden} more entries not shown")
    return "\n".join(lines)


def configured_roles(project_dir: Path, config: OrchConfig) -> dict[str, str]:
    """Roles a plan may name besides the built-in adapters: config ``agents:`` and
    ``.claude/agents/*.md`` subagents, name -> description."""
    from orch.adapters import roles

    return {
        name: role.description for name, role in roles.configured_roles(config, project_dir).items()
    }


def _readme(project_dir: Path) -> str:
    for name in README_NAMES:
        path = project_dir / name
        if path.is_file():
            try:
                return _bounded(
                    path.read_text(encoding="utf-8", errors="replace"), MAX_README_CHARS
                )
            except OSError:
                return ""
    return ""


def _bounded(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + "\n\n[truncated]"


def _display_path(path: Path, project_dir: Path) -> str:
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return str(path)
