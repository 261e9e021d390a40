"""Plan review rules: each problem is a line-numbered warning, an error with --strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import OrchRunner, commit_all
from orch.config import OrchConfig
from orch.parsing.markdown import parse_plan
from orch.parsing.review import is_test_task, review_plan
from orch.runner.plancheck import CheckPlanner, check_findings

GOOD = """\
# Good plan

## Phase 1: Build

**Gate**: `pytest -q`

- [ ] T001 [P] Write the parser with tests
  - verify: `pytest -q tests/test_parser.py`
  - files: src/parser.py, tests/test_parser.py
- [ ] T002 [P] Write the renderer
  - files: src/render.py
"""

# Each case: plan text, the line the warning must name, words the message must contain.
PROBLEMS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "parallel tasks sharing a file": (
        "# P\n\n## Phase 1: Build\n\n**Gate**: `pytest -q`\n\n"
        "- [ ] T001 [P] Write tests for a\n  - files: tests/test_a.py, src/shared.py\n"
        "- [ ] T002 [P] Write tests for b\n  - files: tests/test_b.py, ./src/shared.py\n",
        9, ("T002", "T001", "src/shared.py", "[P]"),
    ),
    "unknown agent role": (
        "# P\n\n## Phase 1: Build\n\n**Gate**: `pytest -q`\n\n"
        "- [ ] T001 Write tests\n  - agent: wizard\n  - files: tests/test_a.py\n",
        7, ("T001", "'wizard'", "agents:"),
    ),
    "no testing anywhere": (
        "# P\n\n## Phase 1: Build\n\n**Gate**: `make`\n\n"
        "- [ ] T001 Write the parser\n  - files: src/parser.py\n",
        3, ("no testing phase", "test task"),
    ),
}


# What the run will check (runner/plancheck.py): a warning, never a --strict error.
NOTES: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "phase without gate": (
        "# P\n\n## Phase 1: Build\n\n- [ ] T001 Write tests for the parser\n"
        "  - verify: `pytest -q`\n  - files: tests/test_parser.py\n",
        3, ("phase 1", "no gate", "**Gate**"),
    ),
    "task without files": (
        "# P\n\n## Phase 1: Build\n\n**Gate**: `pytest -q`\n\n- [ ] T001 Write tests\n",
        7, ("T001", "names no files", "files:"),
    ),
    "checked only by its file": (
        "# P\n\n## Phase 1: Build\n\n- [ ] T001 Write tests for the parser\n"
        "  - files: tests/test_parser.py\n",
        5, ("T001: checked only by the changed-file check on `tests/test_parser.py`",),
    ),
}


def test_a_good_plan_has_no_findings() -> None:
    result = parse_plan(GOOD)
    assert result.ok
    assert review_plan(result.plan, {"shell"}) == []
    found = check_findings(result.plan, CheckPlanner(OrchConfig(), None))
    assert found.unverified == [] and found.notes == []


@pytest.mark.parametrize("name", sorted(NOTES))
def test_what_the_run_will_check_is_a_warning_even_with_strict(
    name: str, orch: OrchRunner, tmp_path: Path
) -> None:
    text, line, words = NOTES[name]
    found = check_findings(parse_plan(text).plan, CheckPlanner(OrchConfig(), None))
    assert found.unverified == []
    assert [d.line for d in found.notes if all(word in d.message for word in words)] == [line]
    (tmp_path / "plan.md").write_text(text)
    strict = orch("validate", "--strict", "plan.md", cwd=tmp_path)
    assert strict.returncode == 0, strict.stderr
    assert any(row.startswith(f"warning: plan.md:{line}:") and all(w in row for w in words)
               for row in strict.stderr.splitlines()), strict.stderr


def test_a_task_nothing_checks_is_a_strict_error(orch: OrchRunner, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text("# P\n\n## Phase 1: Build\n\n- [ ] T001 Write tests\n")
    relaxed = orch("validate", "plan.md", cwd=tmp_path)
    assert relaxed.returncode == 0, relaxed.stderr
    assert "T001: no check: done but unverified" in relaxed.stdout
    strict = orch("validate", "--strict", "plan.md", cwd=tmp_path)
    assert strict.returncode == 2
    assert "error: plan.md:5: T001 has no check" in strict.stderr


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_each_problem_is_a_line_numbered_warning(name: str) -> None:
    text, line, words = PROBLEMS[name]
    found = review_plan(parse_plan(text).plan, {"backend-developer", "shell"})
    matching = [d for d in found if all(word in d.message for word in words)]
    assert matching, [d.message for d in found]
    assert matching[0].line == line
    assert all(d.severity == "warning" for d in found)


def test_role_check_is_skipped_without_known_roles() -> None:
    text = PROBLEMS["unknown agent role"][0]
    assert not any("wizard" in d.message for d in review_plan(parse_plan(text).plan, None))


def test_done_and_skipped_tasks_are_not_reviewed() -> None:
    text = "# P\n\n## Phase 1: Old\n\n- [x] T001 Write tests long ago\n- [~] T002 Skipped\n"
    assert review_plan(parse_plan(text).plan, set()) == []


def test_a_shell_block_is_the_work_not_a_check(orch: OrchRunner, git_repo: Path) -> None:
    """docs/verification.md: a fenced block's exit status does not verify its task. validate,
    review, --require-verified (dry run and real) and the run agree on it."""
    text = "# P\n\n## Phase 1: Run\n\n- [ ] T001 Do the thing\n  ```sh\n  true\n  ```\n"
    plan = parse_plan(text).plan
    assert [d.line for d in check_findings(plan, CheckPlanner(OrchConfig(), None)).unverified] \
        == [5]
    (git_repo / "plan.md").write_text(text)
    commit_all(git_repo)
    assert orch("validate", "--strict", "plan.md", cwd=git_repo).returncode == 2
    dry = orch("run", "plan.md", "--require-verified", "--dry-run", cwd=git_repo)
    real = orch("run", "plan.md", "--require-verified", "--yes", cwd=git_repo)
    assert (dry.returncode, real.returncode) == (2, 2), (dry.stderr, real.stderr)
    assert "T001" in dry.stderr and "T001" in real.stderr
    review = orch("review", "--offline", "plan.md", cwd=git_repo)
    assert "T001 has no check" in review.stdout + review.stderr


def test_test_tasks_are_recognised_by_title_or_files() -> None:
    plan = parse_plan(
        "# P\n\n## Phase 1: A\n\n- [ ] T001 Add regression coverage\n"
        "- [ ] T002 Parser\n  - files: src/__tests__/parser.test.js\n- [ ] T003 Write docs\n"
    ).plan
    assert [is_test_task(task) for task in plan.tasks()] == [True, True, False]


@pytest.mark.parametrize("name", sorted(set(PROBLEMS) - {"unknown agent role"}))
def test_validate_strict_rejects_each_problem(
    name: str, orch: OrchRunner, tmp_path: Path
) -> None:
    text, line, words = PROBLEMS[name]
    config = tmp_path / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("agents:\n  backend-developer: {adapter: shell}\n")
    (tmp_path / "plan.md").write_text(text)
    relaxed = orch("validate", "plan.md", cwd=tmp_path)
    assert relaxed.returncode == 0, relaxed.stderr
    strict = orch("validate", "--strict", "plan.md", cwd=tmp_path)
    assert strict.returncode == 2
    lines = [row for row in strict.stderr.splitlines() if row.startswith(f"error: plan.md:{line}:")]
    assert any(all(word in row for word in words) for row in lines), strict.stderr


def test_unknown_role_is_an_error_and_an_adapter_name_a_review_warning(
    orch: OrchRunner, tmp_path: Path
) -> None:
    text, line, words = PROBLEMS["unknown agent role"]
    config = tmp_path / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text("agents:\n  backend-developer: {adapter: shell}\n")
    (tmp_path / "plan.md").write_text(text)
    unknown = orch("validate", "plan.md", cwd=tmp_path)
    assert unknown.returncode == 2  # never discovered mid-run
    rows = [r for r in unknown.stderr.splitlines() if r.startswith(f"error: plan.md:{line}:")]
    assert any(all(word in row for word in words[:2]) for row in rows), unknown.stderr

    (tmp_path / "plan.md").write_text(text.replace("wizard", "claude-code"))
    relaxed = orch("validate", "plan.md", cwd=tmp_path)
    assert relaxed.returncode == 0, relaxed.stderr
    assert f"warning: plan.md:{line}:" in relaxed.stderr
    strict = orch("validate", "--strict", "plan.md", cwd=tmp_path)
    assert strict.returncode == 2
    assert f"error: plan.md:{line}:" in strict.stderr


LYING_CHECKS = [
    ("pytest -q || true", "|| true"),
    ("pytest -q; exit 0", "exit 0"),
    ('for t in tests/test_*.sh; do bash "$t"; done', "for"),
    ("! bash tests/test_missing.sh", "! bash"),
    ("! pytest -q tests/test_bug.py", "! pytest"),
]
HONEST_CHECKS = [
    "pytest -q",
    "pytest -q tests/test_bug.py; test $? -eq 1",
    'for t in tests/test_*.sh; do bash "$t" || exit 1; done',
    "set -euo pipefail; for t in a b; do bash $t; done",
    "rm -f out.txt || true; pytest -q",
    "test -f t.sh && { bash t.sh; test $? -eq 1; }",
    "! grep -q TODO src/app.py",
    "if test -f a; then pytest -q; fi",
]


@pytest.mark.parametrize(("command", "shown"), LYING_CHECKS)
def test_a_check_that_cannot_fail_is_a_warning_and_a_strict_error(
    command: str, shown: str, orch: OrchRunner, tmp_path: Path
) -> None:
    from orch.parsing.check_lint import lint_check

    assert lint_check(command), command
    plan = (f"# P\n\n## Phase 1: Tests\n\n**Gate**: `pytest -q`\n\n- [ ] T001 Write tests\n"
            f"  - verify: `{command}`\n  - files: tests/test_a.py\n")
    found = review_plan(parse_plan(plan).plan)
    assert [(item.line, "cannot fail" in item.message) for item in found] == [(7, True)]
    assert shown in found[0].message
    (tmp_path / "plan.md").write_text(plan)
    loose = orch("validate", "plan.md", cwd=tmp_path)
    assert loose.returncode == 0 and "plan.md:7:" in loose.stderr and "cannot fail" in loose.stderr
    strict = orch("validate", "--strict", "plan.md", cwd=tmp_path)
    assert strict.returncode == 2 and "error: plan.md:7:" in strict.stderr


@pytest.mark.parametrize("command", HONEST_CHECKS)
def test_a_check_that_can_fail_is_not_flagged(command: str) -> None:
    from orch.parsing.check_lint import lint_check

    assert lint_check(command) == []


def test_a_gate_that_cannot_fail_names_the_phase_line() -> None:
    plan = ("# P\n\n## Phase 1: Tests\n\n**Gate**: `pytest -q || true`\n\n"
            "- [ ] T001 Write tests\n  - files: tests/test_a.py\n")
    found = [item for item in review_plan(parse_plan(plan).plan) if "cannot fail" in item.message]
    assert [item.line for item in found] == [3] and "phase 1 gate" in found[0].message
