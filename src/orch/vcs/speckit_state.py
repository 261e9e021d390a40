"""spec-kit's own machine-local files: never part of a checkpoint, never a dirty tree.

spec-kit 1.x writes run state and caches under ``.specify/`` that its own ``.specify/.gitignore``
does not cover: ``specify workflow run`` keeps each run in ``.specify/workflows/runs/<id>/``
(written while an ``orch`` step or a ``shell`` step running ``orch run`` is under way), catalog
caches live in ``<kind>/.cache/``, ``specify extension add --force`` keeps a ``.backup/``, and
installs take ``.specify/.*.lock`` files. orch ignores them in the repository's local
``info/exclude`` at the start of a run (no versioned file changes), and ``orch init`` writes the
same rules into ``.specify/.gitignore``, the file spec-kit keeps for machine-local state.
"""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

from orch.vcs.changes import exclude_locally

SPECKIT_STATE = (
    "workflows/runs/",
    "workflows/.cache/",
    "workflows/steps/.cache/",
    "extensions/.cache/",
    "extensions/.backup/",
    "presets/.cache/",
    "integrations/.cache/",
    "/.*.lock",
)
"""spec-kit's run state and caches, as ``.gitignore`` patterns relative to ``.specify/``
(found in specify-cli 1.2.3: ``workflows/engine.py`` RunState, the catalog classes'
``cache_dir``, ``ExtensionManager`` backups, ``shared_infra._exclusive_project_lock``)."""

_MARKER = "# spec-kit's run state and caches (added by orch)"
_SPECKIT_FILES = ("integration.json", "init-options.json", "workflows", "templates", "memory",
                  "extensions", "scripts")


def is_speckit_project(project_dir: Path) -> bool:
    """Whether ``specify init`` set up ``project_dir`` (not only orch's own ``.specify/orch``)."""
    specify = project_dir / ".specify"
    return any((specify / name).exists() for name in _SPECKIT_FILES)


def _project_patterns(prefix: str) -> list[str]:
    """The rules as seen from the repository root, for a project at ``prefix`` inside it."""
    base = f"/{prefix}/.specify" if prefix else "/.specify"
    return [_MARKER] + [f"{base}/{rule.lstrip('/')}" for rule in SPECKIT_STATE]


def ignore_speckit_state(project_dir: Path, prefix: str) -> bool:
    """In a spec-kit project, add the rules to the repository's ``info/exclude`` (idempotent);
    ``prefix`` is the project's path inside the repository (``""`` at its root)."""
    if not is_speckit_project(project_dir):
        return False
    return exclude_locally(project_dir, _project_patterns(prefix))


def write_gitignore_rules(project_dir: Path) -> bool:
    """Add the rules to ``.specify/.gitignore`` (spec-kit's machine-local ignore file) unless
    they are there; whether the file changed."""
    path = project_dir / ".specify" / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = text.splitlines()
    missing = [rule for rule in SPECKIT_STATE if rule not in lines]
    if not missing:
        return False
    block = ([] if _MARKER in lines else [_MARKER]) + missing
    prefix = "\n" if text and not text.endswith("\n") else ""
    gap = "\n" if text.strip() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + prefix + gap + "".join(f"{line}\n" for line in block),
                    encoding="utf-8")
    return True


def rules_file(project_dir: Path) -> tuple[Path, ...]:
    """``.specify/.gitignore`` when it holds the rules ``orch init`` wrote: like the config it
    wrote, a file ``orch run`` commits with the plan instead of counting it as a change."""
    path = project_dir / ".specify" / ".gitignore"
    try:
        return (path,) if _MARKER in path.read_text(encoding="utf-8").splitlines() else ()
    except (OSError, UnicodeDecodeError):
        return ()


def speckit_state_paths(paths: list[str], prefix: str) -> list[str]:
    """Those of ``paths`` (repository-relative) that are spec-kit's run state or caches."""
    base = f"{prefix}/.specify/" if prefix else ".specify/"
    found = []
    for path in paths:
        if not path.startswith(base):
            continue
        inner = path[len(base):]
        for rule in SPECKIT_STATE:
            if rule.endswith("/") and (inner + "/").startswith(rule):
                found.append(path)
                break
            if rule.startswith("/") and "/" not in inner and fnmatch(inner, rule[1:]):
                found.append(path)
                break
    return found
