"""What an agent is told about the project besides its task, bounded in size: conventions and,
in a spec-kit feature, the feature's design documents."""

from __future__ import annotations

from pathlib import Path

from orch.adapters.filesearch import SearchFailure, is_regular_file, read_head
from orch.secrets import default_redactor

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


SPEC_DOC_ORDER = ("spec.md", "plan.md", "data-model.md", "contracts", "research.md",
                  "quickstart.md")
"""A spec-kit feature's design documents, in the order ``/speckit.implement`` reads them."""
MAX_SPEC_DOC_CHARS = 16_000
MAX_SPEC_DOCS_CHARS = 40_000
MIN_USEFUL_CHARS = 400
NOTES_RESERVE = 800
"""Room kept for headings, cut notes and the list of documents left out."""
MAX_CONTRACT_FILES = 40


def feature_dir(project_dir: Path, plan_path: Path) -> Path | None:
    """The spec-kit feature folder of a plan (``specs/NNN-name/`` holding ``tasks.md`` beside
    ``spec.md`` or ``plan.md``), or ``None`` for any other plan."""
    path = plan_path if plan_path.is_absolute() else project_dir / plan_path
    if not path.is_file():
        path = plan_path.resolve()  # a path relative to the current directory
    if path.name != "tasks.md":
        return None
    folder = path.parent
    return folder if any((folder / name).is_file() for name in ("spec.md", "plan.md")) else None


def _spec_doc_paths(folder: Path) -> list[Path]:
    paths: list[Path] = []
    for name in SPEC_DOC_ORDER:
        path = folder / name
        if path.is_dir():
            paths += sorted(p for p in path.rglob("*") if is_regular_file(p))[:MAX_CONTRACT_FILES]
        elif is_regular_file(path):
            paths.append(path)
    return paths


def spec_docs_text(project_dir: Path, plan_path: Path, max_chars: int = MAX_SPEC_DOCS_CHARS,
                   per_doc: int = MAX_SPEC_DOC_CHARS) -> str:
    """The feature's design documents, each headed by its path and cut to ``per_doc``
    characters, ``max_chars`` in all (secrets redacted); documents that no longer fit are
    named so the agent can read them with its tools. Empty outside a spec-kit feature."""
    folder = feature_dir(project_dir, plan_path)
    if folder is None:
        return ""
    parts: list[str] = []
    left_out: list[str] = []
    used = NOTES_RESERVE
    for path in _spec_doc_paths(folder):
        name = _shown(project_dir, path)
        room = min(per_doc, max_chars - used - len(name) - NOTES_RESERVE // 4)
        if room < MIN_USEFUL_CHARS:
            left_out.append(name)
            continue
        try:
            body, more = read_head(path, room)
        except (OSError, SearchFailure):
            continue
        if more:
            body += f"\n[… cut at {room} characters; read_file {name} shows more]"
        part = f"## {name}\n\n{body.strip()}"
        parts.append(part)
        used += len(part)
    if left_out:
        parts.append("Not included for space (read them with read_file): " + ", ".join(left_out))
    return default_redactor()("\n\n".join(parts))[:max_chars]


def _shown(project_dir: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(project_dir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
