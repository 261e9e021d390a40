"""`orch validate` and `orch graph` as real subprocesses: output, exit codes, bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import OrchRunner

FIXTURES = Path(__file__).parent / "fixtures" / "plans"


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.fixture
def plans(tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    shutil.copytree(FIXTURES, folder)
    config = folder / ".specify" / "orch" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(
        "agents:\n  backend-developer: {adapter: shell}\n  db-specialist: {adapter: shell}\n"
    )
    return folder


def test_validate_json_native(orch: OrchRunner, plans: Path) -> None:
    done = orch("validate", "--json", "native.md", cwd=plans)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["ok"] is True
    assert (data["phase_count"], data["task_count"], data["done_count"]) == (2, 5, 1)
    assert data["order"] == ["T001", "T002", "T003", "T004", "T005"]
    phase = data["phases"][0]
    assert set(phase) >= {"id", "title", "line", "gates", "tasks"}
    first = phase["tasks"][0]
    assert set(first) >= {
        "id",
        "title",
        "status",
        "depends_on",
        "parallel",
        "labels",
        "agent",
        "verify",
        "files",
        "line",
    }
    assert first["status"] == "pending" and first["line"] == 11
    assert all(set(w) >= {"line", "message"} for w in data["warnings"])
    assert "Traceback" not in done.stderr


def test_validate_human(orch: OrchRunner, plans: Path) -> None:
    done = orch("validate", "speckit.md", cwd=plans)
    assert done.returncode == 0, done.stderr
    assert "Phase 3.2: Tests First" in done.stdout
    assert "6 tasks in 3 phases: 2 done" in done.stdout
    assert "warning: speckit.md:36: phase heading 'Within Phase 3.3'" in done.stderr


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("cycle.md", 5, "dependency cycle: T001 -> T003 -> T001"),
        ("unknown_dep.md", 6, "T002 depends on unknown task T042"),
        ("later_phase.md", 5, "T001 (phase 1) depends on T002, which is in later phase 2"),
        ("bad_timeout.md", 6, "T001: timeout: 'soon' is not a duration"),
        ("bad_retries.md", 6, "T001: retries: 'x' is not a whole number"),
    ],
)
def test_invalid_plans_exit_2_with_one_error(
    orch: OrchRunner, plans: Path, name: str, line: int, message: str
) -> None:
    done = orch("validate", name, cwd=plans)
    assert done.returncode == 2
    assert error_lines(done.stderr) == [f"error: {name}:{line}: {message}"]
    assert "Traceback" not in done.stderr
    as_json = orch("validate", "--json", name, cwd=plans)
    assert as_json.returncode == 2
    data = json.loads(as_json.stdout)
    assert data["ok"] is False
    assert data["errors"][0]["line"] == line and data["errors"][0]["message"] == message
    graph = orch("graph", name, cwd=plans)
    assert graph.returncode == 2
    assert error_lines(graph.stderr) == [f"error: {name}:{line}: {message}"]


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        ("empty", "the plan file is empty"),
        ("binary", "not a text file"),
        ("latin1", "not UTF-8 text"),
        ("missing", "no such file"),
        ("directory", "is a directory"),
    ],
)
def test_bad_input(orch: OrchRunner, tmp_path: Path, setup: str, fragment: str) -> None:
    target = tmp_path / "plan.md"
    if setup == "empty":
        target.write_text("  \n\n")
    elif setup == "binary":
        target.write_bytes(bytes(range(256)) * 8)
    elif setup == "latin1":
        target.write_bytes("## Phase 1: caf\xe9\n- [ ] T001 a\n".encode("latin-1"))
    elif setup == "directory":
        target.mkdir()
    for args in (("validate", "plan.md"), ("validate", "--json", "plan.md"), ("graph", "plan.md")):
        done = orch(*args, cwd=tmp_path)
        assert done.returncode == 2, done
        lines = error_lines(done.stderr)
        assert len(lines) == 1 and fragment in lines[0] and "plan.md" in lines[0]
        assert "Traceback" not in done.stderr
        assert done.stdout == ""


def test_strict_makes_duplicates_errors(orch: OrchRunner, tmp_path: Path) -> None:
    (tmp_path / "dup.md").write_text("## Phase 1: A\n- [ ] T001 a\n- [ ] T001 b\n")
    relaxed = json.loads(orch("validate", "--json", "dup.md", cwd=tmp_path).stdout)
    assert relaxed["ok"] is True
    assert [t["id"] for t in relaxed["phases"][0]["tasks"]] == ["T001", "T001#2"]
    assert any(
        "duplicate task ID T001 (lines 2 and 3)" in w["message"] for w in relaxed["warnings"]
    )
    strict = orch("validate", "--strict", "dup.md", cwd=tmp_path)
    assert strict.returncode == 2
    assert any("duplicate task ID T001" in line for line in error_lines(strict.stderr))


def test_graph_formats(orch: OrchRunner, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(
        '# Quotes "and" <brackets>\n## Phase 1: A [x] "q"\n'
        '- [ ] T001 say "hi" [really] `now` #1\n- [ ] T001 duplicate\n'
        "- [ ] T004a third (depends on T001)\n## Phase 2: B\n- [ ] T005 last\n"
    )
    text = orch("graph", "plan.md", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    assert "order: T001 T001#2 T004a T005" in text.stdout
    mermaid = orch("graph", "--format", "mermaid", "plan.md", cwd=tmp_path).stdout
    assert_valid_mermaid(mermaid)
    assert "T001#35;2" in mermaid
    dot = orch("graph", "--format", "dot", "plan.md", cwd=tmp_path).stdout
    assert_balanced_dot(dot)
    data = json.loads(orch("graph", "--format", "json", "plan.md", cwd=tmp_path).stdout)
    assert data["order"] == ["T001", "T001#2", "T004a", "T005"]
    assert {"from": "T001", "to": "T004a", "kind": "dependency"} in data["edges"]


_MERMAID_LINE = re.compile(
    r'^(flowchart TD|  subgraph ph\d+\["[^"]*"\]|    direction TB|    t\d+\["[^"]*"\]|  end'
    r"|  t\d+ --> t\d+|  ph\d+ ==> ph\d+)$"
)


def assert_valid_mermaid(source: str) -> None:
    """Every line is one of the few statement shapes the renderer emits, labels quote-free."""
    lines = source.splitlines()
    assert lines[0] == "flowchart TD"
    for line in lines:
        assert _MERMAID_LINE.match(line), line
        inside = re.findall(r'"([^"]*)"', line)
        assert all(not set(label) & set("<>`") for label in inside), line
    assert sum(line.strip().startswith("subgraph") for line in lines) == sum(
        line.strip() == "end" for line in lines
    )


def assert_balanced_dot(source: str) -> None:
    """Braces balance outside strings and every string is closed."""
    depth = 0
    in_string = escaped = False
    for char in source:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            assert depth >= 0
    assert depth == 0 and not in_string
    assert source.startswith("digraph plan {")


def test_unknown_agent_role_fails_validation(orch: OrchRunner, plans: Path) -> None:
    (plans / ".specify" / "orch" / "config.yaml").unlink()
    result = orch("validate", "native.md", cwd=plans)
    assert result.returncode == 2
    assert "error: native.md:18: task T002: unknown agent role 'db-specialist'" in result.stderr


def test_path_options_keep_typers_checks_and_messages(orch: OrchRunner, tmp_path: Path) -> None:
    """`-C` must name a directory: a file is the one-line usage error typer words (exit 2),
    also now that orch coerces path options itself; a directory and a plan path still work."""
    plan = tmp_path / "plan.md"
    plan.write_text("## Phase 1: A\n- [ ] T001 a\n  - verify: `true`\n")
    done = orch("-C", str(plan), "validate", "plan.md", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert error_lines(done.stderr) == [
        f"error: invalid value for '--project-dir' / '-C': dir '{plan}' is a file."]
    done = orch("-C", str(tmp_path), "validate", "--json", "plan.md", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["source"] == "plan.md"
