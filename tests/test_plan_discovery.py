"""Finding the plan when no PLAN is given: one discovery for run, validate, graph and review.
The spec-kit feature first; else the project's one Kiro spec, Taskmaster file or Claudio tree;
several are listed and never guessed between."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import OrchRunner, commit_all

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "formats"
KIRO = "# Implementation Plan\n\n- [ ] 1. Write it\n  ```sh\n  echo kiro > kiro.txt\n  ```\n"


def _speckit(repo: Path) -> None:
    for name in ("001-first", "002-second"):
        folder = repo / "specs" / name
        folder.mkdir(parents=True)
        (folder / "tasks.md").write_text(
            f"# Tasks: {name}\n\n## Phase 1: Setup\n\n- [ ] T001 Say {name}\n"
            f"- [ ] T002 Say it again\n"
        )
    (repo / ".specify").mkdir()
    (repo / ".specify" / "feature.json").write_text('{"feature_directory": "specs/001-first"}')


def test_validate_without_plan_validates_the_current_speckit_feature(
    orch: OrchRunner, tmp_path: Path
) -> None:
    _speckit(tmp_path)
    done = orch("validate", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "Tasks: 001-first"
    assert "orch: using specs/001-first/tasks.md" in done.stderr
    assert ".specify/feature.json" in done.stderr


def test_graph_and_review_without_plan_find_the_feature(orch: OrchRunner, tmp_path: Path) -> None:
    _speckit(tmp_path)
    graph = orch("graph", "--json", cwd=tmp_path)
    assert graph.returncode == 0, graph.stderr
    assert "specs/001-first/tasks.md" in graph.stderr
    review = orch("review", "--offline", cwd=tmp_path)
    assert "no such file" not in review.stderr and "Missing argument" not in review.stderr
    assert "specs/001-first/tasks.md" in review.stderr + review.stdout


def test_a_lone_kiro_spec_is_found(orch: OrchRunner, tmp_path: Path) -> None:
    spec = tmp_path / ".kiro" / "specs" / "greeter" / "tasks.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(KIRO)
    done = orch("validate", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["task_count"] == 1
    assert "Kiro spec 'greeter'" in done.stderr


def test_a_claudio_tree_runs_with_no_plan_given(orch: OrchRunner, git_repo: Path) -> None:
    shutil.copytree(FIXTURES / "claudio", git_repo, dirs_exist_ok=True)
    commit_all(git_repo)
    done = orch("run", "--yes", cwd=git_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "orch: using .claudio (Claudio tree)" in done.stderr
    assert (git_repo / "greeting.txt").is_file()


def test_several_candidates_are_listed_not_guessed(orch: OrchRunner, tmp_path: Path) -> None:
    spec = tmp_path / ".kiro" / "specs" / "greeter" / "tasks.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(KIRO)
    shutil.copytree(FIXTURES / "taskmaster", tmp_path, dirs_exist_ok=True)
    for command in (["validate"], ["graph"], ["run", "--dry-run"]):
        done = orch(*command, cwd=tmp_path)
        assert done.returncode == 2, done.stdout + done.stderr
        lines = done.stderr.splitlines()
        assert lines[0] == (
            "error: no plan given and this project has 2: .kiro/specs/greeter/tasks.md, "
            ".taskmaster/tasks/tasks.json"
        ), done.stderr
        assert lines[1].startswith("hint: name the one to use")


def test_status_before_any_run_names_the_plan_run_would_take(
    orch: OrchRunner, tmp_path: Path
) -> None:
    _speckit(tmp_path)
    done = orch("status", cwd=tmp_path)
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        "error: no orch run in this project yet",
        "hint: start one with `orch run`; it would run specs/001-first/tasks.md (current "
        "spec-kit feature from .specify/feature.json)",
    ]


def test_the_speckit_feature_wins_and_other_plans_are_named(
    orch: OrchRunner, tmp_path: Path
) -> None:
    _speckit(tmp_path)
    spec = tmp_path / ".kiro" / "specs" / "greeter" / "tasks.md"
    spec.parent.mkdir(parents=True)
    spec.write_text(KIRO)
    done = orch("validate", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "Tasks: 001-first"
    assert "also here: .kiro/specs/greeter/tasks.md (pass one to use it)" in done.stderr
