"""What an agent is told about the project besides its task: conventions, bounded in size."""

from __future__ import annotations

from pathlib import Path

CONVENTION_FILES = ("CLAUDE.md", "AGENTS.md", ".specify/memory/constitution.md")
MAX_CONVENTIONS_CHARS = 12_000


def conventions_text(project_dir: Path, max_chars: int = MAX_CONVENTIONS_CHARS) -> str:
    """The project's convention files, each headed by its name, cut to ``max_chars`` in all."""
    parts: list[str] = []
    for name in CONVENTION_FILES:
        path = project_dir / name
        if path.is_file():
            try:
                parts.append(f"## {name}\n\n{path.read_text(encoding='utf-8', errors='replace')}")
            except OSError:
                continue
    text = "\n\n".join(parts)
    if len(text) > max_chars:
        text = text[:max_chars] + "\n\n[conventions truncated]"
    return text
