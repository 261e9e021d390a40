"""The pure parts of planning: tooling detection, pattern choice, rendering, context, paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orch.config import OrchConfig
from orch.domain.plan import Phase, Plan, Task
from orch.parsing.markdown import parse_plan
from orch.planning.builder import role_for
from orch.planning.context import configured_roles, file_tree, gather_context
from orch.planning.drafter import extract_plan, model_name
from orch.planning.offline import choose_pattern, parse_goal, slugify
from orch.planning.output import default_target, failed_draft_paths
from orch.planning.render import code_span, compact_duration, render_plan
from orch.planning.tooling import detect_tooling


@pytest.mark.parametrize(
    ("files", "language", "suite", "targeted"),
    [
        ({"pyproject.toml": "[project]\nname='a-b'\n", "src/a_b/__init__.py": ""}, "python",
         "pytest -q", "pytest -q tests/test_x.py"),
        ({"package.json": json.dumps({"scripts": {"test": "jest"}})}, "node", "npm test",
         "npm test -- test/x.test.js"),
        ({"Cargo.toml": "[package]\nname='a'\n"}, "rust", "cargo test", "cargo test --test x"),
        ({"go.mod": "module a\n"}, "go", "go test ./...", "go test ./internal/x/..."),
        ({"Makefile": "test:\n\techo ok\n"}, "make", "make test", "make test"),
        ({}, "unknown", 'for t in tests/test_*.sh; do bash "$t" || exit 1; done',
         "bash tests/test_x.sh"),
        ({"app.py": "", "tests/test_app.py": "import unittest\n"}, "python",
         "python3 -m unittest discover -s tests", "python3 -m unittest tests/test_x.py"),
        ({"pytest.ini": "[pytest]\n", "tests/test_a.py": ""}, "python", "pytest -q",
         "pytest -q tests/test_x.py"),
        ({"package.json": json.dumps({"scripts": {"test": "node --test"}}), "tool.py": ""},
         "node", "npm test", "npm test -- test/x.test.js"),
    ],
)
def test_tooling_detection(tmp_path: Path, files: dict[str, str], language: str, suite: str,
                           targeted: str) -> None:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    tooling = detect_tooling(tmp_path)
    assert (tooling.language, tooling.test_command) == (language, suite)
    assert tooling.test(tooling.test_file("x")) == targeted


def test_python_package_dir_and_placeholder_npm_script(tmp_path: Path) -> None:
    (tmp_path / "src" / "a_b").mkdir(parents=True)
    (tmp_path / "src" / "a_b" / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'a-b'\n")
    placeholder = 'echo "Error: no test specified" && exit 1'
    (tmp_path / "package.json").write_text(json.dumps({"scripts": {"test": placeholder}}))
    tooling = detect_tooling(tmp_path)
    assert tooling.language == "python" and tooling.source_file("m") == "src/a_b/m.py"
    assert "node" not in tooling.languages


@pytest.mark.parametrize(
    ("files", "source"),
    [
        ({"pyproject.toml": "[project]\nname='dist-name'\n", "mypkg/__init__.py": ""}, "mypkg"),
        ({"requirements.txt": "", "app.py": "", "tests/test_app.py": ""}, "."),
        ({"setup.py": "", "src/tool.py": ""}, "src"),
        ({"pyproject.toml": "", "tests/__init__.py": "", "docs/__init__.py": ""}, "src"),
    ],
)
def test_python_source_folder_is_where_the_code_is(tmp_path: Path, files: dict[str, str],
                                                   source: str) -> None:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    assert detect_tooling(tmp_path).source_dir == source


@pytest.mark.parametrize(
    ("goal", "pattern"),
    [
        ("Add CSV export to reports", "feature"),
        ("Fix the login redirect loop", "bugfix"),
        ("Login fails when the password has a space", "bugfix"),
        ("Refactor the payment module", "refactor"),
        ("Split utils.py into focused modules", "refactor"),
        ("Migrate sessions from Redis to Postgres", "migration"),
        ("Upgrade to Django 5", "migration"),
        ("Speed up report generation", "performance"),
        ("Reduce search latency under load", "performance"),
        ("Migrate bookmarks from memory to SQLite", "migration"),
        ("Fix slow search results", "bugfix"),
        ("Optimise memory use of the importer", "performance"),
    ],
)
def test_choose_pattern(goal: str, pattern: str) -> None:
    assert choose_pattern(goal) == pattern


def test_parse_goal_names() -> None:
    goal = parse_goal("Refactor src/app/billing.py (after the release)")
    assert goal.paths == ("src/app/billing.py",) and goal.stem == "billing"
    assert parse_goal("Add a user-profile API!").stem == "user_profile_api"
    assert slugify("  ") == "plan"
    assert slugify("Add a user-profile API!") == "add-a-user-profile-api"


def test_render_round_trips_through_the_parser() -> None:
    task = Task(id="T001", title="Run it", phase_id="1", line=0, parallel=True, story="US1",
                verify=["echo `date`"], files=["a.py"], estimate_s=5400, retries=2,
                timeout_s=600, commands=["echo hi\n\necho there"], acceptance=["it runs"])
    later = Task(id="T002", title="Next", phase_id="1", line=0, depends_on=["T001"])
    plan = Plan(title="P", phases=[Phase(id="1", title="One", line=0, gates=["pytest -q"],
                                         tasks=[task, later], description="Why.")],
                sections={"Risks": "- none"})
    parsed = parse_plan(render_plan(plan))
    assert parsed.ok, parsed.errors
    got = parsed.plan.tasks()
    assert got[0].verify == ["echo `date`"] and got[0].commands == ["echo hi\n\necho there"]
    assert (got[0].estimate_s, got[0].timeout_s, got[0].retries) == (5400, 600, 2)
    assert got[0].parallel and got[0].story == "US1" and got[0].acceptance == ["it runs"]
    assert got[1].depends_on == ["T001"] and parsed.plan.phases[0].description == "Why."


def test_code_span_and_durations() -> None:
    assert code_span("a `b` c") == "``a `b` c``"
    assert code_span("plain") == "`plain`"
    assert [compact_duration(s) for s in (45, 1800, 5400, 0)] == ["45s", "30m", "1h30m", "0s"]


def test_context_is_bounded_and_sorted(tmp_path: Path) -> None:
    for index in range(300):
        (tmp_path / f"f{index:03d}.txt").write_text("")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "README.md").write_text("x" * 50_000)
    tree = file_tree(tmp_path)
    assert "node_modules" not in tree and tree.splitlines()[-1].startswith("… ")
    context = gather_context(tmp_path, roles={"qa": "tests things"})
    assert len(context.readme) < 7_000
    prompt = context.to_prompt()
    assert "`qa`: tests things" in prompt and "whole test suite" in prompt


def test_configured_roles_include_subagents_and_config(tmp_path: Path) -> None:
    agents = tmp_path / ".claude" / "agents"
    agents.mkdir(parents=True)
    (agents / "rev.md").write_text("---\nname: reviewer\ndescription: Reviews\n---\nBody\n")
    config = OrchConfig.model_validate({"agents": {"backend-developer": {"adapter": "fake"}}})
    roles = configured_roles(tmp_path, config)
    assert roles["reviewer"] == "Reviews"
    assert "backend-developer" in roles


def test_role_for_matches_whole_words() -> None:
    roles = ["build-engineer", "frontend-dev", "qa-bot"]
    assert role_for("frontend", roles) == "frontend-dev"
    assert role_for("test", roles) == "qa-bot"
    assert role_for("review", roles) is None


def test_extract_plan_and_model_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert extract_plan("Sure!\n# T\n\n## Phase 1: A\n") == "# T\n\n## Phase 1: A\n"
    fenced = "```markdown\n# T\n- [ ] T001 x\n  ```sh\n  ls\n  ```\n```\nDone."
    assert extract_plan(fenced) == "# T\n- [ ] T001 x\n  ```sh\n  ls\n  ```\n"
    assert model_name(None, "cfg") == "cfg"
    monkeypatch.setenv("ORCH_MODEL", "env")
    assert model_name(None, "cfg") == "cfg" and model_name("role", "cfg") == "role"
    assert model_name(None, None) == "env"


def test_output_paths(tmp_path: Path) -> None:
    assert default_target(tmp_path, "Add X!") == tmp_path / ".specify/plans/add-x.md"
    spec = tmp_path / "specs" / "001-x" / "spec.md"
    assert default_target(tmp_path, "", spec) == spec.parent / "tasks.md"
    drafts = tmp_path / ".specify" / "orch" / "drafts"
    assert failed_draft_paths(tmp_path / "specs" / "001-x" / "tasks.md", tmp_path) == (
        drafts / "specs-001-x-tasks.draft.md", drafts / "specs-001-x-tasks.errors.txt")


def test_plan_sections_are_metadata_never_tasks() -> None:
    from orch.planning.offline import draft_offline
    from orch.planning.tooling import Tooling

    tooling = Tooling("python", "pytest -q", "src/app", "tests", ".py", runner="pytest")
    text = render_plan(draft_offline("Add CSV export", tooling, pattern="feature"))
    result = parse_plan(text, "plan.md")
    assert result.ok and not result.warnings
    assert {"Assumptions", "Risks", "Quality checklist"} <= set(result.plan.sections)
    assert "- [ ] Data flow clear" in result.plan.sections["Quality checklist"]
    assert all(task.id.startswith("T") for task in result.plan.tasks())
    assert not any("Data flow" in task.title for task in result.plan.tasks())
    assert all("mitigation" in line for line in result.plan.sections["Risks"].splitlines())


def test_add_assumptions_fills_or_makes_the_section() -> None:
    from orch.planning.questions import Answer, Question, add_assumptions

    question = Question(question="Which\ndelimiter?", why="", default="a comma")
    answers = [Answer(question=question, answer="a semicolon", defaulted=False)]
    made = add_assumptions("# T\n\n## Goal\n\nG\n\n## Phase 1: A\n", answers)
    assert made == ("# T\n\n## Assumptions\n\n- Which delimiter? \u2014 a semicolon\n\n"
                    "## Goal\n\nG\n\n## Phase 1: A\n")
    filled = add_assumptions("# T\n\n## Assumptions\n\n- None.\n\n## Risks\n", answers)
    assert filled == "# T\n\n## Assumptions\n\n- Which delimiter? \u2014 a semicolon\n\n## Risks\n"
    assert add_assumptions(made, answers) == made
