"""`orch validate` folds alike warnings into one line; `--verbose` and `--json` keep them all."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import OrchRunner, commit_all
from orch.domain.plan import Diagnostic
from orch.parsing.fold import fold


def plan_with(tasks: int) -> str:
    lines = ["# Many", "", "## Phase 1: Work", ""]
    lines += [f"- [ ] T{number:03d} Task {number}" for number in range(1, tasks + 1)]
    return "\n".join(lines) + "\n"


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def test_alike_warnings_fold(orch: OrchRunner, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(plan_with(40))
    done = orch("validate", "plan.md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folded = [line for line in warnings(done.stderr) if "names no files" in line]
    assert folded == [
        "warning: plan.md:5: T001 names no files; add `- files: path/one.py, path/two.py` "
        "listing what the task creates or edits "
        "(and 39 more like it: lines 6, 7, 8, 9, 10, …)"
    ]
    assert len(warnings(done.stderr)) == 4  # no gate, no tests, no verify, no files
    assert "hint: `--verbose` lists every warning" in done.stderr


def test_verbose_and_json_keep_every_warning(orch: OrchRunner, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(plan_with(40))
    verbose = orch("validate", "--verbose", "plan.md", cwd=tmp_path)
    assert len([line for line in warnings(verbose.stderr) if "names no files" in line]) == 40
    data = json.loads(orch("validate", "--json", "plan.md", cwd=tmp_path).stdout)
    assert len([w for w in data["warnings"] if "names no files" in w["message"]]) == 40


def test_kinds_are_told_apart() -> None:
    found = fold(
        [
            Diagnostic(line=3, message="T001 names no files", severity="warning"),
            Diagnostic(line=2, message="phase 1 (Setup) has no gate", severity="warning"),
            Diagnostic(line=9, message="phase 2 (Polish) has no gate", severity="warning"),
            Diagnostic(line=4, message="T002 names no files", severity="warning"),
            Diagnostic(line=5, message="T003: unknown checkbox marker [-]", severity="warning"),
        ]
    )
    assert [(f.first.line, f.lines) for f in found] == [(2, [2, 9]), (3, [3, 4]), (5, [5])]
    assert found[0].suffix() == " (and 1 more like it: line 9)"
    assert found[2].suffix() == ""


def test_a_run_prints_parse_warnings_folded(orch: OrchRunner, git_repo: Path) -> None:
    plan = (
        "# Run\n\n## Phase 1: Work\n\n"
        "- [ ] ~~T001 old~~\n- [ ] ~~T002 older~~\n- T003 no checkbox\n"
        "- [ ] T004 real\n  ```sh\n  true\n  ```\n"
    )
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    done = orch("run", "plan.md", "--yes", cwd=git_repo)
    assert done.returncode == 0, done.stderr
    assert warnings(done.stderr)[:2] == [
        "warning: plan.md:5: T001 is struck through, read as skipped "
        "(and 1 more like it: line 6)",
        "warning: plan.md:7: item looks like a task but is not one: "
        "T003 has no checkbox, so it is not read as a task",
    ]
