"""markdown-it-pyrs (the fast reader) gives exactly the blocks markdown-it-py gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orch.parsing.blocks import walk_reference
from orch.parsing.fastblocks import walk_fast
from orch.parsing.markdown import parse_plan

pytest.importorskip("markdown_it_pyrs")

REPO = Path(__file__).resolve().parents[1]
LOCAL = [
    *sorted((REPO / "tests" / "fixtures").rglob("*.md")),
    *sorted((REPO / "docs").glob("*.md")),
    *sorted((REPO / "examples").rglob("*.md")),
]


def normalised(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    return text if text.endswith("\n") else text + "\n"


def same_blocks(path: Path) -> None:
    text = normalised(path.read_bytes().decode("utf-8", "replace"))
    assert walk_fast(text) == walk_reference(text), path.name


@pytest.mark.parametrize("path", LOCAL, ids=lambda path: path.name)
def test_same_blocks_on_local_plans(path: Path) -> None:
    same_blocks(path)


def test_same_blocks_on_the_corpus(corpus_dir: Path) -> None:
    files = sorted(corpus_dir.rglob("*.md"))
    assert len(files) >= 30
    for path in files:
        same_blocks(path)


def test_same_blocks_on_tricky_shapes() -> None:
    text = normalised(
        "# T\n\n## Phase 1: A ##\n\nSetext\nheading\n---\n\n"
        "- [ ] T001 first\n  continued\n\n  second paragraph\n  ```sh\n  echo hi\n  ```\n"
        "  - [ ] T001a nested\n    - verify: `x`\n> - [ ] T002 quoted\n> still quoted\n\n"
        "1. [x] T003 ordered\n\n    - [ ] T004 indented code\n\n<!--\n- [ ] T005\n-->\n"
        "| - [ ] T006 | cell |\n|---|---|\n\n```\nunclosed"
    )
    assert walk_fast(text) == walk_reference(text)


def test_a_tab_before_a_multi_byte_character_is_left_to_the_reference_reader() -> None:
    """markdown-it-pyrs counts a tab as columns, so its position can fall inside the en dash's
    bytes (the fuzz test's find): never an internal error, the reference reader's blocks."""
    text = normalised("# Phase\n- [ ] T000\n  ```sh\n  echo hi\n  ```\n\t\u2013")
    assert walk_fast(text) in (None, walk_reference(text))
    result = parse_plan(text)
    assert not result.errors and [t.id for t in result.plan.tasks()] == ["T000"]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.sampled_from(list("- [x]T01#>`*|\n\t ~!<")), max_size=200))
def test_fast_reader_never_raises(text: str) -> None:
    found = walk_fast(normalised(text))
    assert found is None or isinstance(found, list)
