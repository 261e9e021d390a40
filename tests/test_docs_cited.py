"""The code cites the project's own documentation: every ``docs/<page>.md`` named in src/
exists, and no source or test cites a contract the repository does not hold."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITED = re.compile(r"docs/([\w.-]+\.md)")
OUTSIDE = re.compile(r"DESIGN\s*§|\(§\d")


def _sources() -> list[Path]:
    return sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py"),
                   *(ROOT / "bench").glob("*.py")])


def test_every_cited_docs_page_exists() -> None:
    missing = {(path.relative_to(ROOT).as_posix(), page)
               for path in sorted((ROOT / "src").rglob("*.py"))
               for page in CITED.findall(path.read_text("utf-8"))
               if not (ROOT / "docs" / page).is_file()}
    assert not missing


def test_no_code_cites_a_contract_outside_the_repository() -> None:
    here = Path(__file__).resolve()
    offenders = [path.relative_to(ROOT).as_posix() for path in _sources()
                 if path != here and OUTSIDE.search(path.read_text("utf-8"))]
    assert not offenders


def test_the_generated_config_points_at_nothing_a_pip_user_lacks() -> None:
    """`orch init` writes DEFAULT_CONFIG_TEXT into a user's project: no `docs/…` path there (a
    package installed from the index has no docs folder), and it loads as the defaults."""
    import yaml

    from orch.config import DEFAULT_CONFIG_TEXT, OrchConfig

    assert "docs/" not in DEFAULT_CONFIG_TEXT
    assert OrchConfig.model_validate(yaml.safe_load(DEFAULT_CONFIG_TEXT)) == OrchConfig()
