"""The sequential run path imports only what it uses (bench/bench_run.py measures the time).

GitPython, ``regex`` (the agent's search tool) and ``urllib`` (notifiers) each cost tens of
milliseconds to import; a one-slot run outside git with no notifier needs none of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import commit_all, make_plan, shell_task

NOT_NEEDED = {"git", "regex", "urllib.request", "orch.runner.mergequeue", "orch.vcs.repo"}


def imported_by(argv: list[str], cwd: Path) -> set[str]:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "orch", *argv],
                            cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
            if line.startswith("import time:")}


def test_sequential_run_outside_git_imports_no_git_regex_or_urllib(tmp_path: Path) -> None:
    plan = make_plan([("work", [shell_task("T001", "no-op", "true", verify=["true"])])])
    (tmp_path / "plan.md").write_text(plan)
    imported = imported_by(["run", "plan.md", "--commit", "none", "--allow-dirty"], tmp_path)
    assert "orch.runner.session" in imported  # the run path itself was loaded
    assert not NOT_NEEDED & imported
    assert "[X] T001" in (tmp_path / "plan.md").read_text()


HEAVY = {"git", "pygit2", "rich.live", "httpx", "httpx2", "anthropic", "mcp", "urllib.request",
         "regex"}
"""GitPython, libgit2, the live display, the HTTP stack, the model SDK, the MCP SDK."""


def test_validate_imports_no_git_adapter_live_display_or_http(tmp_path: Path) -> None:
    plan = make_plan([("work", [shell_task("T001", "no-op", "true", verify=["true"])])])
    (tmp_path / "plan.md").write_text(plan)
    imported = imported_by(["validate", "plan.md"], tmp_path)
    assert "orch.planfile" in imported or "orch.services.plans" in imported
    assert not HEAVY & imported
    # validate derives each task's checks as the run does (one derivation for every view):
    # those two pure modules, and nothing else of the runner, the adapters or git.
    pure = {"orch.runner.plancheck", "orch.runner.derived"}
    assert not {name for name in imported - pure
                if name.startswith(("orch.adapters.", "orch.vcs.", "orch.runner."))}


def test_run_in_git_measures_in_process_and_imports_no_http_or_live_display(
        git_repo: Path) -> None:
    plan = make_plan([("work", [shell_task("T001", "write", "echo 1 > one.txt")])])
    (git_repo / "plan.md").write_text(plan)
    commit_all(git_repo)
    imported = imported_by(["run", "plan.md"], git_repo)
    assert "orch.vcs.libgit" in imported and "pygit2" in imported  # the task was measured
    assert not (HEAVY - {"git", "pygit2"}) & imported
    assert "orch.runner.mergequeue" not in imported


def test_validate_parses_its_options_without_pydantic_adapters(tmp_path: Path) -> None:
    """typer builds a pydantic TypeAdapter per non-flag option it parses; orch's path, text and
    flag options are coerced without one (``orch.cli.fastparams``), with typer's own checks."""
    plan = make_plan([("work", [shell_task("T001", "no-op", "true", verify=["true"])])])
    (tmp_path / "plan.md").write_text(plan)
    imported = imported_by(["-C", str(tmp_path), "validate", "--verbose", "plan.md"], tmp_path)
    assert "orch.cli.fastparams" in imported
    assert "typer._adapters" not in imported and "pydantic.type_adapter" not in imported
